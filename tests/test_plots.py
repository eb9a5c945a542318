"""Charts: one theme, Chinese text without missing glyphs, seaborn-style helpers."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402

from custval import plots  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = pd.DataFrame({"region": ["华东", "华南", "西北"], "amount": [-1250.5, 3000.0, 52000.0]})


@pytest.fixture(autouse=True)
def clean_style():
    with matplotlib.rc_context():
        yield
    plt.close("all")


@pytest.fixture
def only_vendored_font(monkeypatch):
    """Pretend the machine has no CJK font at all, so only the shipped file can be found."""
    monkeypatch.delenv(plots.FONT_ENV, raising=False)
    monkeypatch.setattr(plots, "CJK_FAMILIES", ("No Such Font SC",))
    monkeypatch.setattr(plots, "SYSTEM_FONT_FILES", ())
    plots.cjk_font.cache_clear()
    yield
    plots.cjk_font.cache_clear()


def render(ax) -> None:
    ax.figure.savefig(io.BytesIO(), format="png")


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("draw", [
    lambda: plots.bar(data=DATA, x="region", y="amount", title="各地区金额"),
    lambda: plots.bar(data=DATA, x="region", y="amount", horizontal=True, title="横向 −5"),
    lambda: plots.line(data=DATA, x="region", y="amount", title="趋势", xlabel="地区", ylabel="金额"),
    lambda: plots.hist(data=DATA, x="amount", log=True, title="分布", xlabel="金额"),
])  # fmt: skip
def test_chinese_and_negative_numbers_render_without_warnings(only_vendored_font, draw, caplog):
    plots.theme()
    render(draw())
    assert not [r for r in caplog.records if "findfont" in r.getMessage() or "Glyph" in r.getMessage()]


def test_vendored_font_is_used_without_a_system_font(only_vendored_font):
    assert plots.theme() == "WenQuanYi Micro Hei"
    assert plt.rcParams["font.family"] == ["DejaVu Sans", "WenQuanYi Micro Hei"]


@pytest.mark.filterwarnings("error")
def test_font_file_from_the_environment(monkeypatch, only_vendored_font, tmp_path):
    copy = tmp_path / "my-font.ttc"
    copy.write_bytes(plots.VENDORED_FONT.read_bytes())
    monkeypatch.setattr(plots, "VENDORED_FONT", tmp_path / "missing.ttc")  # only the env var can find it
    monkeypatch.setenv(plots.FONT_ENV, str(copy))
    assert plots.cjk_font() == "WenQuanYi Micro Hei"


def test_no_font_at_all_gives_one_warning_with_the_fix(monkeypatch, only_vendored_font, tmp_path):
    monkeypatch.setattr(plots, "VENDORED_FONT", tmp_path / "missing.ttc")
    with pytest.warns(UserWarning) as caught:
        assert plots.theme() == ""
    assert len(caught) == 1 and "fonts-wqy-microhei" in str(caught[0].message)
    assert plt.rcParams["font.family"] == ["DejaVu Sans"]


def test_unknown_font_in_the_environment_warns_once_and_falls_back(monkeypatch, only_vendored_font):
    monkeypatch.setenv(plots.FONT_ENV, "Comic Sans CJK")
    with pytest.warns(UserWarning, match="CUSTVAL_CJK_FONT"):
        assert plots.cjk_font() == "WenQuanYi Micro Hei"


def test_theme_survives_a_later_seaborn_reset(only_vendored_font):
    sns.set_theme()
    assert "WenQuanYi Micro Hei" not in plt.rcParams["font.family"]
    plots.theme()
    assert "WenQuanYi Micro Hei" in plt.rcParams["font.family"]


def test_helpers_draw_on_the_given_axes_and_label_it():
    plots.theme()
    fig, ax = plt.subplots()
    assert plots.bar(data=DATA, x="region", y="amount", ax=ax, title="T", xlabel="X", ylabel="Y") is ax
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T", "X", "Y")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["华东", "华南", "西北"]
    assert [round(p.get_height(), 1) for p in ax.patches] == [-1250.5, 3000.0, 52000.0]
    fig, ax = plt.subplots()
    assert plots.hist(data=DATA, x="amount", ax=ax, log=True) is ax and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "amount"
    fig, ax = plt.subplots()
    assert plots.line(data=DATA, x="region", y="amount", ax=ax, title="趋势") is ax
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("趋势", "region", "amount")
    assert list(ax.lines[0].get_ydata()) == [-1250.5, 3000.0, 52000.0]


def test_long_period_axes_show_at_most_about_twelve_labels():
    months = pd.DataFrame({"month": [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)], "amount": range(36)})
    ax = plots.line(data=months, x="month", y="amount")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "2022-01" and len(labels) <= 12


def test_the_font_ships_with_its_licence_as_package_data():
    folder = plots.VENDORED_FONT.parent
    assert plots.VENDORED_FONT.stat().st_size > 1_000_000
    licence = (folder / "LICENSE-wqy-microhei.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "WenQuanYi" in licence
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "fonts/*" in config["tool"]["setuptools"]["package-data"]["custval"]


CUBE = pd.DataFrame({"region": ["华东", "华东", "华南", "华南"], "product_category": ["甲", "乙", "甲", "乙"],
                     "period": ["2024Q1", "2024Q2", "2024Q1", "2024Q2"], "amount": [10.0, 20.0, 5.0, -2.0],
                     "share_amount": [0.3, 0.6, 0.15, -0.05]})  # fmt: skip
POSITIONS = pd.DataFrame({"kind": ["brand"] * 3 + ["attribute"] * 2, "name": ["本公司", "甲", "乙", "价格", "质量"],
                          "x": [1.0, -0.5, -0.5, 0.3, -0.2], "y": [0.2, 0.8, -1.0, 0.1, 0.4]})  # fmt: skip


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("draw", [
    lambda: plots.heatmap(data=CUBE, x="product_category", y="region", value="share_amount", title="利润占比"),
    lambda: plots.stacked_bar(data=CUBE, x="period", y="amount", hue="region", title="各期间"),
    lambda: plots.waterfall(data=CUBE, x="region", y="amount", title="增长贡献"),
    lambda: plots.pareto(data=pd.DataFrame({"cum_items": [0.5, 1.0], "cum_share": [0.9, 1.0]}), title="帕累托"),
    lambda: plots.bubbles(data=CUBE.assign(amount=[1.0, 2.0, 3.0, 4.0], g=[0.1, 0.2, -0.1, 0.3]), x="amount", y="g",
                          size="amount", label="region", x_cut=2, y_cut=0.1, log_x=True, invert_x=True,
                          quadrant_labels=["明星", "问题", "金牛", "瘦狗"], title="波士顿矩阵"),
    lambda: plots.ie_matrix(5, {n: "坚守与保持" for n in range(1, 10)}, title="IE 矩阵"),
    lambda: plots.biplot(data=POSITIONS, explained=[0.7, 0.2], title="定位图"),
])  # fmt: skip
def test_market_charts_render_chinese_without_warnings(only_vendored_font, draw, caplog):
    plots.theme()
    ax = draw()
    render(ax)
    assert ax.get_title()
    assert not [r for r in caplog.records if "findfont" in r.getMessage() or "Glyph" in r.getMessage()]


def test_waterfall_ends_with_the_total_and_biplot_keeps_labels_inside():
    plots.theme()
    ax = plots.waterfall(data=CUBE, x="region", y="amount", total_label="合计")
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "合计"
    assert ax.patches[-1].get_height() == pytest.approx(CUBE["amount"].sum())
    ax = plots.biplot(data=POSITIONS)
    low, high = ax.get_xlim()
    labels = [t for t in ax.texts if not isinstance(t, matplotlib.text.Annotation)]
    assert len(labels) == 2 and all(low < t.get_position()[0] < high for t in labels)


def test_ie_matrix_highlights_the_given_cell():
    plots.theme()
    ax = plots.ie_matrix(5, {n: str(n) for n in range(1, 10)})
    colours = [p.get_facecolor() for p in ax.patches]
    assert len(colours) == 9 and sum(c != colours[0] for c in colours) == 1 and colours[4] != colours[0]


@pytest.mark.filterwarnings("error")
def test_parallel_profile_draws_one_scaled_line_per_row(only_vendored_font):
    plots.theme()
    centres = pd.DataFrame({"簇": [1, 2], "订单金额": [4000.0, 400.0], "次数": [7.0, 3.5], "企业": [1.0, 0.0]})
    ax = plots.parallel(data=centres, columns=["订单金额", "次数", "企业"], hue="簇", title="簇的特征")
    render(ax)
    assert len(ax.lines) == 2 and list(ax.lines[0].get_ydata()) == [1.0, 1.0, 1.0]
    assert list(ax.lines[1].get_ydata()) == [0.1, 0.5, 0.0]


@pytest.mark.filterwarnings("error")
def test_grade_grid_puts_each_grade_in_its_layout_cell(only_vendored_font):
    from custval.grading import DEFAULT_LAYOUT

    plots.theme()
    table = pd.DataFrame({"grade": list("ABCDEF"), "customers": [5, 10, 15, 1, 2, 30],
                          "share_value": [0.6, 0.1, 0.2, 0.02, 0.03, 0.05]})  # fmt: skip
    ax = plots.grade_grid(data=table, layout=DEFAULT_LAYOUT, levels={"high": "高", "medium": "中", "low": "低"}, title="分级")
    render(ax)
    letters = {(round(t.get_position()[0], 1), round(t.get_position()[1], 2)): t.get_text() for t in ax.texts if len(t.get_text()) == 1}
    assert letters[(0.5, 1.62)] == "A" and letters[(1.5, 1.62)] == "C" and letters[(2.5, 1.62)] == "B"
    assert letters[(0.5, 0.62)] == "D" and letters[(2.5, 0.62)] == "F"
    assert "5 · 60%" in [t.get_text() for t in ax.texts]


def test_a_heatmap_with_no_value_draws_blank_without_warnings():
    import warnings

    empty = pd.DataFrame({"margin_rate": [0.2, 0.3], "retention": [0.5, 0.5], "flag": [float("nan")] * 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would print on the report page
        ax = plots.heatmap(data=empty, x="margin_rate", y="retention", value="flag", fmt=".0f")
    assert ax.get_xlabel() == "margin_rate"


def test_bar_in_percent_with_a_reference_line():
    utilisation = pd.DataFrame({"person": ["a", "b"], "utilisation": [0.5, 1.25]})
    ax = plots.bar(data=utilisation, x="person", y="utilisation", percent=True, reference=1.0)
    ax.figure.canvas.draw()
    assert ax.yaxis.get_major_formatter().format_data(0.5) == "50%"
    assert [tuple(line.get_ydata()) for line in ax.get_lines()] == [(1.0, 1.0)]
    sideways = plots.bar(data=utilisation, x="person", y="utilisation", horizontal=True, reference=1.0, ax=plt.figure().gca())
    assert [tuple(line.get_xdata()) for line in sideways.get_lines()] == [(1.0, 1.0)]
