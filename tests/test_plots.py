"""Charts: one theme, Chinese text without missing glyphs, every chart called like seaborn."""

from __future__ import annotations

import inspect
import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from custval import plots
from custval.grading import DEFAULT_LAYOUT

DATA = pd.DataFrame({"region": ["华东", "华南", "西北"], "amount": [-1250.5, 3000.0, 52000.0]})
CUBE = pd.DataFrame(
    {
        "region": ["华东", "华东", "华南", "华南"],
        "product_category": ["甲", "乙", "甲", "乙"],
        "period": ["2024Q1", "2024Q2", "2024Q1", "2024Q2"],
        "amount": [10.0, 20.0, 5.0, -2.0],
        "share_amount": [0.3, 0.6, 0.15, -0.05],
    }
)
POSITIONS = pd.DataFrame(
    {
        "kind": ["brand"] * 3 + ["attribute"] * 2,
        "name": ["本公司", "甲", "乙", "价格", "质量"],
        "x": [1.0, -0.5, -0.5, 0.3, -0.2],
        "y": [0.2, 0.8, -1.0, 0.1, 0.4],
    }
)
GRADES = pd.DataFrame(
    {"grade": list("ABCDEF"), "customers": [5, 10, 15, 1, 2, 30], "share_value": [0.6, 0.1, 0.2, 0.02, 0.03, 0.05]}
)
IE_CELLS = pd.DataFrame(
    {"cell": range(1, 10), "strategy": ["增长与建立"] * 3 + ["坚守与保持"] * 3 + ["收获与放弃"] * 3}
)
CENTRES = pd.DataFrame({"簇": [1, 2], "订单金额": [4000.0, 400.0], "次数": [7.0, 3.5], "企业": [1.0, 0.0]})
RANKS = pd.DataFrame({"dimension": ["价格", "质量", "服务"], "firm_rank": [1, 2, 3], "customer_rank": [3, 1, 2]})
COVER = pd.DataFrame({"grade": ["A", "B"], "clv_covered": [30.0, 5.0], "clv_uncovered": [10.0, 20.0]})
POINTS = pd.DataFrame({"x": [1.0, 2.5, -0.5], "y": [2.0, 1.0, 0.5], "name": ["甲", "", "丙"], "grade": ["A", "B", "A"]})

# Every public chart: (function, small valid data, keyword arguments, the columns that key one drawn
# cell — a repeated key must raise — or None for charts that draw one point per row).
CHARTS = {
    "bar": (plots.bar, DATA, {"x": "region", "y": "amount"}, ["region"]),
    "bar-horizontal": (
        plots.bar,
        CUBE,
        {"x": "region", "y": "amount", "hue": "period", "horizontal": True},
        ["region", "period"],
    ),
    "line": (plots.line, CUBE, {"x": "period", "y": "amount", "hue": "region"}, ["period", "region"]),
    "hist": (plots.hist, DATA, {"x": "amount", "log": True}, None),
    "heatmap": (
        plots.heatmap,
        CUBE,
        {"x": "product_category", "y": "region", "value": "share_amount"},
        ["region", "product_category"],
    ),
    "stacked_bar": (plots.stacked_bar, CUBE, {"x": "period", "y": "amount", "hue": "region"}, ["period", "region"]),
    "stacked_columns": (
        plots.stacked_columns,
        COVER,
        {"x": "grade", "columns": ["clv_covered", "clv_uncovered"], "labels": ["覆盖", "未覆盖"]},
        ["grade"],
    ),
    "waterfall": (plots.waterfall, DATA, {"x": "region", "y": "amount", "total_label": "合计"}, ["region"]),
    "pareto": (plots.pareto, pd.DataFrame({"cum_items": [0.5, 1.0], "cum_share": [0.9, 1.0]}), {}, None),
    "bubbles": (
        plots.bubbles,
        CUBE.assign(amount=[1.0, 2.0, 3.0, 4.0], g=[0.1, 0.2, -0.1, 0.3]),
        {
            "x": "amount",
            "y": "g",
            "size": "amount",
            "label": "region",
            "x_cut": 2,
            "y_cut": 0.1,
            "log_x": True,
            "invert_x": True,
            "quadrant_labels": ["明星", "问题", "金牛", "瘦狗"],
        },
        None,
    ),
    "ie_matrix": (plots.ie_matrix, IE_CELLS, {"highlight": 5}, ["cell"]),
    "biplot": (plots.biplot, POSITIONS, {}, None),
    "parallel": (plots.parallel, CENTRES, {"hue": "簇", "columns": ["订单金额", "次数", "企业"]}, ["簇"]),
    "labelled_scatter": (
        plots.labelled_scatter,
        POINTS,
        {"x": "x", "y": "y", "hue": "grade", "label": "name", "x_cut": 1, "y_cut": 1, "diagonal": True},
        None,
    ),
    "slope": (
        plots.slope,
        RANKS,
        {"label": "dimension", "before": "firm_rank", "after": "customer_rank"},
        ["dimension"],
    ),
    "grade_grid": (
        plots.grade_grid,
        GRADES,
        {"layout": DEFAULT_LAYOUT, "levels": {"high": "高", "medium": "中", "low": "低"}},
        ["grade"],
    ),
}
NOT_CHARTS = {"theme"}
LABELS = {"title": "标题 −5", "xlabel": "横轴", "ylabel": "纵轴"}


@pytest.fixture(autouse=True)
def clean_style():
    with matplotlib.rc_context():
        plots.theme()
        yield
    plt.close("all")


def render(ax) -> None:
    ax.figure.savefig(io.BytesIO(), format="png")


def test_every_public_chart_is_in_the_shared_table():
    public = {
        name
        for name, value in inspect.getmembers(plots, inspect.isfunction)
        if value.__module__ == plots.__name__ and not name.startswith("_")
    }
    assert public - NOT_CHARTS == {function.__name__ for function, *_ in CHARTS.values()}


@pytest.mark.parametrize("case", CHARTS, ids=str)
class TestEveryChart:
    """What every chart promises: seaborn's call shape, the given Axes, the given labels, a clean render."""

    def test_renders_chinese_and_negative_numbers_without_warnings(self, case, only_vendored_font, caplog):
        function, data, kwargs, _ = CHARTS[case]
        plots.theme()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            render(function(data, **kwargs, **LABELS))
        assert not [r for r in caplog.records if "findfont" in r.getMessage() or "Glyph" in r.getMessage()]

    def test_draws_on_the_given_axes_and_returns_it(self, case):
        function, data, kwargs, _ = CHARTS[case]
        fig, (left, right) = plt.subplots(1, 2)
        assert function(data, **kwargs, ax=right) is right
        assert plt.get_fignums() == [fig.number]
        assert right.has_data() or right.patches or right.texts
        assert not (left.has_data() or left.patches or left.texts)

    def test_a_new_figure_without_ax(self, case):
        function, data, kwargs, _ = CHARTS[case]
        ax = function(data, **kwargs)
        assert isinstance(ax, matplotlib.axes.Axes) and plt.get_fignums() == [ax.figure.number]

    def test_sets_title_and_axis_labels_as_passed(self, case):
        function, data, kwargs, _ = CHARTS[case]
        ax = function(data, **kwargs, **LABELS)
        across, up = (
            (LABELS["ylabel"], LABELS["xlabel"]) if kwargs.get("horizontal") else (LABELS["xlabel"], LABELS["ylabel"])
        )
        assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (LABELS["title"], across, up)

    def test_takes_data_then_keywords_only_in_one_order(self, case):
        function, data, kwargs, _ = CHARTS[case]
        parameters = list(inspect.signature(function).parameters.values())
        assert parameters[0].name == "data" and parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:])
        names = [p.name for p in parameters]
        assert names[-4:] == ["ax", "title", "xlabel", "ylabel"]
        leading = [n for n in names[1:4] if n in ("x", "y", "hue")]
        assert leading == [n for n in ("x", "y", "hue") if n in names]
        assert names[1 : 1 + len(leading)] == leading
        with pytest.raises(TypeError, match="positional"):
            function(data, *(list(kwargs.values()) or ["x"]))
        assert function(data=data, **kwargs) is not None

    def test_a_repeated_cell_is_refused_not_aggregated(self, case):
        function, data, kwargs, keys = CHARTS[case]
        doubled = pd.concat([data, data.iloc[[0]]], ignore_index=True)
        if keys is None:
            assert function(doubled, **kwargs) is not None  # one point per row: a repeat is just another point
            return
        with pytest.raises(ValueError, match=rf"plots\.{function.__name__} draws one row per \({', '.join(keys)}\)"):
            function(doubled, **kwargs)


def test_helpers_draw_the_values_they_are_given():
    plots.theme()
    ax = plots.bar(DATA, x="region", y="amount")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["华东", "华南", "西北"]
    assert [round(p.get_height(), 1) for p in ax.patches] == [-1250.5, 3000.0, 52000.0]
    ax = plots.hist(DATA, x="amount", log=True)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "amount"
    ax = plots.line(DATA, x="region", y="amount", title="趋势")
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("趋势", "region", "amount")
    assert list(ax.lines[0].get_ydata()) == [-1250.5, 3000.0, 52000.0]


def test_the_error_names_the_columns_and_example_cells():
    repeated = pd.concat([CUBE, CUBE], ignore_index=True)
    with pytest.raises(ValueError) as caught:
        plots.heatmap(repeated, x="product_category", y="region", value="share_amount")
    message = str(caught.value)
    assert "(region, product_category)" in message and "8 rows" in message and "('华东', '甲')" in message
    assert "aggregate" in message


def test_stacked_bar_stacks_the_given_parts_and_needs_no_hue():
    ax = plots.stacked_bar(CUBE.assign(amount=[10.0, 20.0, 5.0, 2.0]), x="period", y="amount", hue="region")
    heights = [(round(p.get_y(), 6), round(p.get_height(), 6)) for p in ax.patches]
    assert heights == [(0, 10), (0, 20), (10, 5), (20, 2)]  # 华东 below 华南, per period
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024Q1", "2024Q2"]
    totals = pd.DataFrame({"period": ["2024Q2", "2024Q1"], "amount": [18.0, 15.0]})
    ax = plots.stacked_bar(totals, x="period", y="amount")
    assert [p.get_height() for p in ax.patches] == [15.0, 18.0]


def test_heatmap_puts_each_row_in_its_cell():
    ax = plots.heatmap(CUBE, x="product_category", y="region", value="amount", fmt=".0f")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["乙", "甲"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["华东", "华南"]
    assert [t.get_text() for t in ax.texts] == ["20", "10", "-2", "5"]


def test_a_heatmap_with_no_value_draws_blank_without_warnings():
    empty = pd.DataFrame({"margin_rate": [0.2, 0.3], "retention": [0.5, 0.5], "flag": [float("nan")] * 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would print on the report page
        ax = plots.heatmap(empty, x="margin_rate", y="retention", value="flag", fmt=".0f")
    assert ax.get_xlabel() == "margin_rate"


def test_long_period_axes_show_at_most_about_twelve_labels():
    months = pd.DataFrame(
        {"month": [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)], "amount": range(36)}
    )
    ax = plots.line(months, x="month", y="amount")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "2022-01" and len(labels) <= 12


def test_waterfall_ends_with_the_total_and_biplot_keeps_labels_inside():
    plots.theme()
    ax = plots.waterfall(DATA, x="region", y="amount", total_label="合计")
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "合计"
    assert ax.patches[-1].get_height() == pytest.approx(DATA["amount"].sum())
    ax = plots.biplot(POSITIONS, explained=[0.7, 0.2], xlabel="维度一")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("维度一 (70%)", "PC2 (20%)")
    low, high = ax.get_xlim()
    labels = [t for t in ax.texts if not isinstance(t, matplotlib.text.Annotation)]
    assert len(labels) == 2 and all(low < t.get_position()[0] < high for t in labels)


def test_ie_matrix_writes_each_cell_from_data_and_highlights_one():
    plots.theme()
    ax = plots.ie_matrix(IE_CELLS.assign(strategy=[f"策略{n}" for n in range(1, 10)]), highlight=5)
    colours = [p.get_facecolor() for p in ax.patches]
    assert len(colours) == 9 and sum(c != colours[0] for c in colours) == 1 and colours[4] != colours[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts[:2] == ["I", "策略1"] and texts[-2:] == ["IX", "策略9"]
    with pytest.raises(ValueError, match=r"'cell' must hold cell numbers 1–9, got \[0, 10\]"):
        plots.ie_matrix(pd.DataFrame({"cell": [0, 10], "strategy": ["a", "b"]}))


def test_slope_names_its_two_ends_and_takes_a_plain_axis_label():
    ax = plots.slope(RANKS, label="dimension", before="firm_rank", after="customer_rank", highlight=["质量"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["firm_rank", "customer_rank"]
    assert ax.get_xlabel() == "" and [t.get_text() for t in ax.texts] == ["质量"]
    ax = plots.slope(
        RANKS,
        label="dimension",
        before="firm_rank",
        after="customer_rank",
        before_label="企业",
        after_label="顾客",
        xlabel="视角",
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == ["企业", "顾客"] and ax.get_xlabel() == "视角"


@pytest.mark.filterwarnings("error")
def test_parallel_profile_draws_one_scaled_line_per_row(only_vendored_font):
    plots.theme()
    ax = plots.parallel(CENTRES, hue="簇", columns=["订单金额", "次数", "企业"], title="簇的特征")
    render(ax)
    assert len(ax.lines) == 2 and list(ax.lines[0].get_ydata()) == [1.0, 1.0, 1.0]
    assert list(ax.lines[1].get_ydata()) == [0.1, 0.5, 0.0]


@pytest.mark.filterwarnings("error")
def test_grade_grid_puts_each_grade_in_its_layout_cell(only_vendored_font):
    plots.theme()
    levels = {"high": "高", "medium": "中", "low": "低"}
    ax = plots.grade_grid(GRADES, layout=DEFAULT_LAYOUT, levels=levels, title="分级")
    render(ax)
    at = {(round(t.get_position()[0], 1), round(t.get_position()[1], 2)): t.get_text() for t in ax.texts}
    assert at[(0.5, 1.62)] == "A" and at[(1.5, 1.62)] == "C" and at[(2.5, 1.62)] == "B"
    assert at[(0.5, 0.62)] == "D" and at[(2.5, 0.62)] == "F"
    assert "5 · 60%" in [t.get_text() for t in ax.texts]


def test_bar_in_percent_with_a_reference_line():
    utilisation = pd.DataFrame({"person": ["a", "b"], "utilisation": [0.5, 1.25]})
    ax = plots.bar(utilisation, x="person", y="utilisation", percent=True, reference=1.0)
    ax.figure.canvas.draw()
    assert ax.yaxis.get_major_formatter().format_data(0.5) == "50%"
    assert [tuple(line.get_ydata()) for line in ax.get_lines()] == [(1.0, 1.0)]
    sideways = plots.bar(
        utilisation, x="person", y="utilisation", horizontal=True, reference=1.0, ax=plt.figure().gca()
    )
    assert [tuple(line.get_xdata()) for line in sideways.get_lines()] == [(1.0, 1.0)]
