"""The notebook parameters in one place: name, default, allowed values, check, help and the notebooks that use them.

``config`` derives its defaults and checks from ``REGISTRY``; the report notebooks' parameters cells and the
README's parameter table are generated from it (``python -m custval.parameters --write-cells notebooks/
--readme README.md``, see ``generate``), and the tests compare both with it.

Dependency rule: this module, like ``config``, sits above the analysis modules. It imports the allowed values
from the module that owns them (``RULE_SETS``, ``i18n.LANGS`` …) at module level, so a new rule set or
method is accepted and listed in the error message without an edit here; the analysis modules never import
``parameters`` or ``config``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import yaml

from custval import allocation, dimensions, grading, market
from custval.i18n import LANGS
from custval.segment.clusters import MAX_FIT_ROWS
from custval.segment.contact import KEEP_LIST_TOP
from custval.segment.payment import PAYMENT_BANDS, SLOW_BANDS
from custval.segment.rfm import CENTERS, FREQUENCY_PER, RULE_SETS, SCORE_METHODS

REPORTS = (
    "00_data_quality",
    "01_market_scan",
    "02_segmentation",
    "03_value_dimensions",
    "04_value_grading",
    "05_resources_retention",
)
CONFIG, RUNNER, OPTIONAL = "config", "runner", "optional"  # set in custval.yml; always or on request by the runner
README_START, README_END = "<!-- parameters:start -->", "<!-- parameters:end -->"
_SAME = object()
_DAY = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}")


@dataclass(frozen=True)
class Parameter:
    """One parameter; ``zh`` may hold ``{choices}``, filled with the allowed values in the notebook cell."""

    name: str
    default: Any
    type: type  # the annotation in the notebook cell
    notebooks: tuple[str, ...]  # the report notebooks that declare it
    zh: str  # short help in the notebook cell
    en: str
    check: Callable[[Any], bool] | None = None  # None for the runner's parameters: never read from custval.yml
    hint: str = ""  # what a valid value looks like, shown in the error
    allowed: Any = None  # the owning module's allowed values (a tuple, or a mapping whose keys are allowed)
    choices: tuple = ()  # the values shown in the notebook cell's help
    role: str = CONFIG
    exercises: bool = False  # declared by every exercise notebook
    path: bool = False  # a path relative to custval.yml, made absolute by the runner
    replaces: tuple[str, ...] = ()  # old names, refused with an error naming this one
    details: str = ""  # the README's longer explanation (English)
    cell_default: Any = _SAME  # the notebook's default when it differs from the package default
    convert: Callable[[Any], Any] | None = None  # applied to a checked value

    @property
    def notebook_default(self) -> Any:
        return self.default if self.cell_default is _SAME else self.cell_default

    def help_zh(self) -> str:
        return self.zh.format(choices="/".join(map(str, self.choices)))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(low: float = -float("inf"), high: float = float("inf"), low_open=False, high_open=False) -> Callable:
    """A check for a number within bounds (open or closed at each end)."""

    def check(value) -> bool:
        if not _is_number(value):
            return False
        return (low < value if low_open else low <= value) and (value < high if high_open else value <= high)

    return check


def _integer(low: int, high: float = float("inf")) -> Callable:
    return lambda value: _is_int(value) and low <= value <= high


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _is_day(value) -> bool:
    """A calendar day: a date, or text such as 2024-06-30 or 2024/6/30 (not a bare number such as -1)."""
    if not isinstance(value, (str, date)) or (isinstance(value, str) and not _DAY.fullmatch(value.strip())):
        return False
    try:
        return not pd.isna(pd.Timestamp(str(value)))
    except (TypeError, ValueError):
        return False


def _day(value) -> str | None:
    """The analysis date as YYYY-MM-DD; empty is None (the last order date)."""
    return None if value in (None, "") else pd.Timestamp(str(value)).date().isoformat()


def _is_cuts(value) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(_is_number(v) for v in value)
        and 0 < value[0] < value[1] <= 1
    )


def _is_rules(value) -> bool:
    return isinstance(value, list) and all(isinstance(r, dict) and "name" in r for r in value)


def _is_wave_order(value) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(v, (str, int, date)) and not isinstance(v, bool) for v in value)
        and len({str(v) for v in value}) == len(value)
    )


def _is_layout(value) -> bool:
    try:
        grading.parse_layout(value)
    except ValueError:
        return False
    return True


def _is_grade_cuts(value) -> bool:
    """{current: [low, high], future: [cut]}: one cut fewer than each value's levels, increasing, in (0, 1]."""
    if not isinstance(value, dict) or set(value) - set(grading.LEVELS):
        return False
    return all(
        isinstance(v, (list, tuple))
        and len(v) == len(grading.LEVELS[k]) - 1
        and list(v) == sorted(v)
        and all(_is_number(c) and 0 < c <= 1 for c in v)
        for k, v in value.items()
    )


def _is_fit_weights(value) -> bool:
    return (
        isinstance(value, dict)
        and set(value) <= set(allocation.DEFAULT_WEIGHTS)
        and all(_is_number(v) and v >= 0 for v in value.values())
        and sum(value.values()) > 0
    )


def _is_hours(value) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == set(grading.GRADES)
        and all(_is_number(v) and v >= 0 for v in value.values())
    )


_is_step = _number(0, 0.5, low_open=True, high_open=True)


def _is_steps(value) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_step(v) for v in value)


def _list_top(name: str, default: int, notebooks, what: str, file: str) -> Parameter:
    """How many customers per region a page's workbook lists; the complete list goes to CSV."""
    return Parameter(
        name=name,
        default=default,
        type=int,
        check=_integer(1),
        hint="an integer ≥ 1, e.g. 500",
        notebooks=notebooks,
        zh="工作簿中每个地区列出的客户数(完整名单在 CSV)",
        en="customers per region in the workbook (all in the CSV)",
        details=f"the {what} workbook `tables/{file}.xlsx` lists the customers of each region with the highest "
        f"revenue up to this many; the complete lists are always written to `tables/{file}.csv`, and the page "
        "says when a region was cut",
    )


def _choice(name, default, allowed, notebooks, zh, en, extra=(), hidden=(), **more) -> Parameter:
    """A parameter whose value is one of the owning module's ``allowed`` values (plus ``extra``, and ``hidden``
    ones accepted without being listed)."""
    shown = (*allowed, *extra)
    valid = (*hidden, *shown)
    return Parameter(
        name=name,
        default=default,
        type=str,
        notebooks=notebooks,
        zh=zh,
        en=en,
        check=lambda value: value in valid,
        hint=" / ".join(shown),
        allowed=allowed,
        choices=shown,
        **more,
    )


def _nb(*numbers: str) -> tuple[str, ...]:
    """The report notebooks whose names start with these numbers."""
    return tuple(stem for stem in REPORTS if stem[:2] in numbers)


ALL, R01, R02, R03, R04, R05, GRADING = REPORTS, _nb("01"), _nb("02"), _nb("03"), _nb("04"), _nb("05"), _nb("04", "05")
_BANDS = tuple(band for band, _ in PAYMENT_BANDS)
_WEIGHTS = "{" + ", ".join(allocation.DEFAULT_WEIGHTS) + "} → non-negative weights"

REGISTRY: tuple[Parameter, ...] = (
    Parameter(
        name="config",
        default="../custval.yml",
        type=str,
        notebooks=ALL,
        zh="配置文件",
        en="configuration file",
        role=RUNNER,
    ),
    _choice(
        name="lang",
        default="zh",
        allowed=LANGS,
        notebooks=ALL,
        zh="报告语言 {choices}",
        en="report language",
        exercises=True,
    ),
    Parameter(
        name="as_of",
        default=None,
        type=str,
        check=lambda v: v in (None, "") or _is_day(v),
        hint="YYYY-MM-DD",
        notebooks=ALL,
        zh="分析日期 YYYY-MM-DD,空表示最后一个订单日",
        en="analysis date; empty: the last order date",
        cell_default="",
        convert=_day,
        details="analysis date `YYYY-MM-DD`; later lines are left out of the analyses "
        "(00 flags them as future dates); empty: the last order date",
    ),
    Parameter(
        name="anonymize",
        default=False,
        type=bool,
        check=lambda v: isinstance(v, bool),
        hint="true / false",
        notebooks=ALL,
        zh="用假名代替客户编号和名称",
        en="replace customer ids and names by pseudonyms",
    ),
    # 01_market_scan
    _choice(
        name="period",
        default="Q",
        allowed=market.PERIODS,
        notebooks=R01,
        zh="期间粒度 {choices}",
        en="period of the sales cube: month, quarter or year",
    ),
    _choice(
        name="value",
        default="profit",
        allowed=market.MEASURES,
        notebooks=R01,
        zh="排序和 ABC 所用的指标 {choices}",
        en="measure for ranking and ABC",
        details="measure for ranking and ABC (falls back to amount, and says so, when there is no cost)",
    ),
    Parameter(
        name="abc_cuts",
        default=[0.8, 0.95],
        type=list,
        check=_is_cuts,
        hint="[A, B] with 0 < A < B ≤ 1, e.g. [0.8, 0.95]",
        notebooks=R01,
        zh="ABC 分类的累计占比界限",
        en="cumulative-share cuts of classes A and B",
    ),
    Parameter(
        name="bcg_growth_cut",
        default=0.10,
        type=float,
        check=_is_number,
        hint="a number, e.g. 0.10",
        notebooks=R01,
        zh="BCG 市场增长率界限",
        en="market growth cut-off",
    ),
    Parameter(
        name="bcg_share_cut",
        default=1.0,
        type=float,
        check=_number(0, low_open=True),
        hint="a number > 0, e.g. 1.0",
        notebooks=R01,
        zh="BCG 相对市场份额界限",
        en="relative market share cut-off",
    ),
    # 02_segmentation
    _choice(
        name="rfm_rules",
        default="",
        allowed=RULE_SETS,
        notebooks=R02,
        zh="分群规则 {choices},空:中文用 cn-8,英文用 rfm-0.3",
        en="rule set",
        extra=("custom",),
        hidden=("",),
        details="segment rules: `cn-8` (the Chinese eight-class model), `rfm-0.3` "
        "(R rfm ≥ 0.3 table), `rf-grid` (classic R × F grid) or `custom`; empty: `cn-8` for `lang: zh`, "
        "`rfm-0.3` for `en`",
    ),
    Parameter(
        name="rfm_bins",
        default=5,
        type=int,
        check=_integer(2, 9),
        hint="an integer from 2 to 9",
        notebooks=R02,
        zh="RFM 评分档数",
        en="number of R, F, M score bins",
    ),
    _choice(
        name="rfm_center",
        default="mean",
        allowed=CENTERS,
        notebooks=R02,
        zh="八类模型的比较基准 {choices}",
        en="centre for the eight-class model",
        details="what the eight-class model compares R, F, M with; `median` "
        "with another rule set (including `rfm-0.3`, the default for `lang: en`) is an error, since only cn-8 "
        "uses it",
    ),
    Parameter(
        name="custom_segments",
        default=[],
        type=list,
        check=_is_rules,
        hint="a list of {name: …, R: [lo, hi], F: [lo, hi], M: [lo, hi], P: [lo, hi]}",
        notebooks=R02,
        zh="自定义分群规则,可含 P 范围",
        en="user rules for rfm_rules custom, may hold a P range",
        details="your rules for `rfm_rules: custom`, in "
        "order, first match wins: `[{name: 核心客户, R: [4, 5], F: [4, 5], M: [3, 5]}, …]`; a rule may also hold "
        "a payment-score range `P: [lo, hi]`; rules without `rfm_rules: custom` are an error (they would be "
        "ignored)",
    ),
    Parameter(
        name="rfm_frequency_per",
        default="",
        type=str,
        check=lambda v: v in ("", *FREQUENCY_PER),
        hint='"" (purchases) / year (purchases per year)',
        notebooks=R02,
        zh="F 的口径:空为购买次数,year 为每年购买次数",
        en='F: "" purchases, year: purchases per year',
        allowed=FREQUENCY_PER,
        details='F measures purchases over the customer\'s whole history (`""`) or purchases per year '
        "(`year`: purchases ÷ max(days observed, 30) × 365.25)",
    ),
    _choice(
        name="rfm_method",
        default="rfm",
        allowed=SCORE_METHODS,
        notebooks=R02,
        zh="评分分档方法 {choices}",
        en="how scores are binned",
        details="how scores are binned: `rfm` (R rfm's quantile breaks + 1), `quantile` (the same quantiles "
        "without + 1, for rates such as purchases per year) or `rank` (the common Python `qcut` of ranks, ties "
        "in customer-id order)",
    ),
    Parameter(
        name="slow_payer_bands",
        default=list(SLOW_BANDS),
        type=list,
        check=lambda v: isinstance(v, list) and all(b in _BANDS for b in v),
        hint=f"a list of {' / '.join(_BANDS)}, e.g. [moderate, severe]; [] marks nobody",
        notebooks=R02,
        zh="算作慢付款的超期档",
        en="days-beyond-terms bands that mark a slow payer",
        allowed=PAYMENT_BANDS,
        details="days-beyond-terms bands that mark a customer as a slow payer; `[]` marks nobody; customers "
        "without a due date on their lines have no band and are slow payers when their P = 1 whatever the "
        "bands say — the page gives their count",
    ),
    Parameter(
        name="clusters",
        default=0,
        type=int,
        check=lambda v: _is_int(v) and (v == 0 or v >= 2),
        hint="0 (choose) or an integer ≥ 2",
        notebooks=R02,
        zh="k-means 簇数,0 表示按轮廓系数选择",
        en="number of clusters; 0: chosen by silhouette",
        details="number of k-means clusters; 0 chooses k from 2–8 by silhouette",
    ),
    Parameter(
        name="cluster_max_rows",
        default=MAX_FIT_ROWS,
        type=int,
        check=_integer(100),
        hint="an integer ≥ 100, e.g. 50000",
        notebooks=R02,
        zh="k-means 最多用多少位客户拟合(随机抽样)",
        en="customers k-means is fitted on at most",
        details="k-means is fitted on a seeded random sample of at most this many customers, then every "
        "customer is assigned to the nearest centre",
    ),
    _list_top("keep_list_top", KEEP_LIST_TOP, R02, "keep-list", "keep_lists"),
    # 03_value_dimensions
    _choice(
        name="target",
        default="overall_satisfaction",
        allowed=dimensions.TARGETS,
        notebooks=R03,
        zh="导出重要性的目标 {choices}",
        en="outcome explained",
    ),
    _choice(
        name="importance_method",
        default="auto",
        allowed=dimensions.METHODS,
        notebooks=R03,
        zh="导出重要性方法 {choices}",
        en="derived importance method",
        details="`shapley` (exact, ≤ 15 dimensions), `johnson` (relative weights), "
        "`forest` (random-forest permutation), `auto` (Shapley when exact, else Johnson)",
    ),
    _choice(
        name="ipa_center",
        default="data",
        allowed=dimensions.IPA_CENTERS,
        notebooks=R03,
        zh="IPA 十字线 {choices}",
        en="crosshair of the IPA quadrants",
        details="IPA crosshair: `data` (mean of the dimensions), `median`, or `scale` (midpoint of 1–7; the page "
        "names the midpoint used)",
    ),
    Parameter(
        name="wave_order",
        default=[],
        type=list,
        check=_is_wave_order,
        hint="a list of distinct wave labels, earliest first, e.g. ['2023-spring', '2023-autumn']",
        notebooks=R03,
        zh="调查批次从早到晚的顺序,空表示按编号或时间排序",
        en="survey waves earliest first; empty: by number or time",
        details="survey waves earliest first, e.g. `['第一次', '第二次']`; empty: waves that are all numbers sort "
        "numerically, waves that all name a time sort by time — year `2023`, half `2023-H1`/`2023年上半年`, "
        "quarter `2023-Q3`/`Q3 2023`/`2023年第三季度`, month `2023-05`/`2023/5`/`2023年5月`, day "
        "`2023-05-20`/`2023年5月20日`, season `2023-spring`/`spring 2023`/`2023春`/`2023年秋季` (spring "
        "March–May, summer June–August, autumn September–November, winter December–February). Labels of "
        "neither kind, numbers mixed with times, or times whose spans overlap (`2023` and `2023-spring`, "
        "`2022冬` and `2023-01`, two spellings of one season) are an error that asks for `wave_order`; labels "
        "of `wave_order` that no survey row holds are ignored and named on the page, and with only one wave "
        "step 3 is skipped with a note",
    ),
    # 04_value_grading and 05_resources_retention, which grades customers with the same chain
    Parameter(
        name="horizon_years",
        default=5,
        type=int,
        check=_integer(1, 50),
        hint="whole years from 1 to 50, e.g. 5",
        notebooks=GRADING,
        zh="未来价值的年数",
        en="years of future value",
        replaces=("horizon", "unit"),
        details="future value = the margin of the next "
        "`horizon_years` years, each counted at its year's end and discounted at `discount_rate` a year (the "
        "method reference's H = 5; the course's exercise 2-7 uses 3 years)",
    ),
    Parameter(
        name="discount_rate",
        default=0.10,
        type=float,
        check=_number(0, 1, high_open=True),
        hint="a yearly rate from 0 to below 1, e.g. 0.10",
        notebooks=GRADING,
        zh="年折现率",
        en="yearly discount rate",
        replaces=("discount",),
        details="yearly discount rate of future value (the method reference's d = 10 %)",
    ),
    _choice(
        name="future_method",
        default="auto",
        allowed=grading.FUTURE_METHODS,
        notebooks=GRADING,
        zh="未来价值方法 {choices}",
        en="future-value method",
        details="`models` (BG/NBD × Gamma-Gamma), `migration` (the recency–frequency–value migration model) or "
        "`auto`: the models, and the migration model when BG/NBD cannot be fitted — the page says which ran and "
        "why",
    ),
    Parameter(
        name="margin_rate",
        default=0.0,
        type=float,
        check=_number(0, 1),
        hint="0 (from the data) or a rate up to 1",
        notebooks=GRADING,
        zh="毛利率,0 表示由成本数据计算",
        en="margin on revenue; 0: from the cost data",
        details="margin on revenue for "
        "future value; 0 takes it from the cost data (1.0 without cost); not used by the migration model on "
        "data with costs (it values each customer's own margin, also when `future_method: auto` falls back to "
        "it): the page says so and `model_params.json` records `margin_rate_used: null`",
    ),
    Parameter(
        name="grade_layout",
        default="ACB/DEF",
        type=str,
        check=_is_layout,
        hint="two rows of three grades, each of A–F once, like ACB/DEF",
        notebooks=GRADING,
        zh="A–F 排列,见教材图 2-2",
        en="grid layout, compare with figure 2-2",
        details="A–F grid: the "
        "future-high row then the future-low row, each for current value high, medium, low — compare with "
        "figure 2-2 of your textbook",
    ),
    Parameter(
        name="grade_cuts",
        default={},
        type=dict,
        check=_is_grade_cuts,
        hint="{current: [low, high], future: [cut]} with increasing numbers in (0, 1]",
        notebooks=GRADING,
        zh="分档界限,空表示分档方法的默认值",
        en="level cuts; empty: the method's defaults",
        details="level cuts; empty: the method's defaults, e.g. `{current: [0.8, 0.95], future: [0.8]}` with "
        "`grade_method: share`",
    ),
    _choice(
        name="grade_method",
        default="quantile",
        allowed=grading.CUT_METHODS,
        notebooks=GRADING,
        zh="分档方法 {choices}",
        en="cut method",
        details="`quantile` (top 20 % high, next 30 % medium; future above the median high) or `share` "
        "(cumulative value shares from the top, as in ABC)",
    ),
    Parameter(
        name="dwyer_by",
        default="cohort",
        type=str,
        check=_text,
        hint="cohort or a column of the transactions or customers table",
        notebooks=R04,
        zh="DWYER 分组:cohort 或交易表、客户表的任一列",
        en="DWYER groups: cohort or any column",
        details="DWYER groups: `cohort` (year of first purchase) or any column of the transactions table (the "
        "customer's first line: region, channel …) or the customers table (customer_type, industry, "
        "income_band, company_size, acquisition_channel …); ids, dates, amounts and empty columns form no "
        "groups; a name that is in neither, or is one of those, is an error listing the columns that can",
    ),
    Parameter(
        name="service_cost",
        default=0.0,
        type=float,
        check=_number(0),
        hint="a number ≥ 0",
        notebooks=R04,
        zh="DWYER:每位客户每年的服务成本",
        en="DWYER service cost per customer and year",
        details="DWYER service cost per customer and year; the page says when a set value was not used",
    ),
    Parameter(
        name="acquisition_cost",
        default=0.0,
        type=float,
        check=_number(0),
        hint="a number ≥ 0",
        notebooks=GRADING,
        zh="获客成本(客户表无此列时)",
        en="acquisition cost when the customers table has none",
        details="acquisition cost per customer when the "
        "customers table has no `acquisition_cost` column (or, in DWYER, for groups none of whose customers "
        "has one there); otherwise not used — 05 names the source of the acquisition cost, and both pages say "
        "when a set value was not used and which DWYER groups took it",
    ),
    _list_top("key_list_top", grading.KEY_LIST_TOP, R04, "key-customer", "key_customers"),
    # 05_resources_retention
    Parameter(
        name="fit_weights",
        default=dict(allocation.DEFAULT_WEIGHTS),
        type=dict,
        check=_is_fit_weights,
        hint=_WEIGHTS,
        notebooks=R05,
        zh="匹配度权重",
        en="fit weights",
        allowed=allocation.DEFAULT_WEIGHTS,
        details="weights of the "
        "customer–salesperson fit terms (normalised to sum 1); a term without data (e.g. no `region` in the "
        "salespeople table) is the same for every pair, so its weight has no effect — the page lists those "
        "terms",
    ),
    Parameter(
        name="continuity_bonus",
        default=0.2,
        type=float,
        check=_number(0),
        hint="a number ≥ 0",
        notebooks=R05,
        zh="保留原客户经理的奖励",
        en="bonus for keeping the current owner",
    ),
    Parameter(
        name="balance",
        default=0.3,
        type=float,
        check=_number(0, 1),
        hint="a share from 0 to 1",
        notebooks=R05,
        zh="工作量可偏离公平份额的比例",
        en="allowed deviation from the fair workload share",
        details="each salesperson's workload stays within "
        "±30 % of a fair share (total × their capacity / all capacity), never above capacity",
    ),
    Parameter(
        name="hours_per_grade",
        default=dict(allocation.HOURS_PER_GRADE),
        type=dict,
        check=_is_hours,
        hint="hours for each of A–F",
        notebooks=R05,
        zh="每月服务小时",
        en="hours per month",
        allowed=grading.GRADES,
        details="service hours per customer per month by grade (the capacity rule)",
    ),
    Parameter(
        name="sales_target_growth",
        default=0.10,
        type=float,
        check=_number(-1, low_open=True),
        hint="a growth rate, e.g. 0.10",
        notebooks=R05,
        zh="销售目标增长率",
        en="target growth on the last 12 months",
        details="company target = last 12 months' sales × (1 + growth)",
    ),
    Parameter(
        name="retention_steps",
        default=[0.02, 0.05],
        type=list,
        check=_is_steps,
        hint="two increases in points, e.g. [0.02, 0.05]",
        notebooks=R05,
        zh="保留率提升情景",
        en="retention scenarios in points",
        details="retention increases (in points) tested against a 10 % cost cut",
    ),
    Parameter(
        name="fixed_cost_share",
        default=0.3,
        type=float,
        check=_number(0, 1, high_open=True),
        hint="a share from 0 to below 1",
        notebooks=R05,
        zh="固定成本占稳态贡献的比例",
        en="fixed cost as a share of steady-state contribution",
        details="fixed cost (not in the data) as a share of the steady-state contribution, for the retention economics",
    ),
    # the exercise notebooks
    Parameter(
        name="answers",
        default="data/exercises/example",
        type=str,
        check=_text,
        hint="a folder, e.g. data/exercises/example",
        notebooks=(),
        zh="练习答案文件夹(相对于配置文件)",
        en="folder of exercise answers, relative to the config file",
        exercises=True,
        path=True,
    ),
    # filled in by custval report
    Parameter(
        name="previous_grades",
        default="",
        type=str,
        notebooks=R04,
        zh="上次运行的 grades.csv,由 custval report 传入",
        en="previous run's grades",
        role=OPTIONAL,
    ),
    Parameter(
        name="output_dir",
        default="",
        type=str,
        notebooks=ALL,
        zh="运行目录,由 custval report 传入",
        en="run folder, set by custval report",
        role=RUNNER,
        exercises=True,
    ),
)
BY_NAME = {p.name: p for p in REGISTRY}
CONFIGURED = tuple(p for p in REGISTRY if p.role == CONFIG)


def defaults() -> dict:
    """The configured parameters' defaults, each a fresh copy."""
    return {p.name: copy.deepcopy(p.default) for p in CONFIGURED}


def rule_set(values: dict) -> str:
    """The RFM rule set a run uses: ``rfm_rules``, or by default cn-8 for Chinese and rfm-0.3 for English."""
    return values["rfm_rules"] or ("cn-8" if values["lang"] == "zh" else "rfm-0.3")


def conflicts(values: dict) -> dict[str, str]:
    """Values that pass their own check but would have no effect with the others (name → hint): an error, so a
    setting the user wrote never silently does nothing."""
    rules, found = rule_set(values), {}
    if values["rfm_rules"] == "custom" and not values["custom_segments"]:
        found["custom_segments"] = "rules, because rfm_rules is custom"
    if values["custom_segments"] and values["rfm_rules"] != "custom":
        found["custom_segments"] = f"[] — the rules are used only with rfm_rules: custom, and this run uses {rules}"
    if values["rfm_center"] != BY_NAME["rfm_center"].default and rules != "cn-8":
        found["rfm_center"] = f"mean — only the cn-8 rule set compares with a centre, and this run uses {rules}"
    return found


def problems(values: dict) -> list[tuple[str, str]]:
    """(name, hint) of every configured parameter whose value is invalid, in registry order."""
    found = {p.name: p.hint for p in CONFIGURED if not p.check(values[p.name])}
    found.update(conflicts(values))
    return [(p.name, found[p.name]) for p in CONFIGURED if p.name in found]


def converted(values: dict) -> dict:
    """Checked values in their canonical form (the analysis date as YYYY-MM-DD or None)."""
    return {k: BY_NAME[k].convert(v) if BY_NAME[k].convert else v for k, v in values.items()}


def _literal(value) -> str:
    """A default as Python source for the notebook cell."""
    if isinstance(value, (bool, type(None))):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def cell_source(stem: str) -> str:
    """The parameters cell of report notebook ``stem``: one annotated line with help per parameter it uses."""
    used = [p for p in REGISTRY if stem in p.notebooks]
    if not used:
        raise ValueError(f"{stem!r} is not a report notebook; known: {', '.join(REPORTS)}")
    lines = (f"{p.name}: {p.type.__name__} = {_literal(p.notebook_default)}  # {p.help_zh()} / {p.en}" for p in used)
    return "\n".join(lines)


def _yaml(value) -> str:
    """A default as it is written in custval.yml."""
    if value in (None, ""):
        return '""'
    return (
        yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False)
        .strip()
        .removesuffix("\n...")
    )


def _used_by(p: Parameter) -> str:
    if p.exercises and not p.notebooks:
        return "exercises"
    return "all" if p.notebooks == REPORTS else ", ".join(stem[:2] for stem in p.notebooks)


def _row(p: Parameter) -> str:
    meaning = p.details or p.en
    if p.replaces:
        old = ", ".join(f"`{name}`" for name in p.replaces)
        meaning += f"; replaces the old {old}, refused with a message naming `{p.name}`"
    cells = (f"`{p.name}`", f"`{_yaml(p.notebook_default)}`", p.hint, _used_by(p), p.help_zh(), meaning)
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def readme_table() -> str:
    """The README's parameter table: every parameter custval.yml may set."""
    head = "| parameter | default | valid values | notebooks | 说明 | meaning |\n|---|---|---|---|---|---|\n"
    return head + "\n".join(_row(p) for p in CONFIGURED) + "\n"


def readme_section(text: str) -> str:
    """The part of the README between the parameter markers."""
    found = re.search(re.escape(README_START) + r"\n(.*?)" + re.escape(README_END), text, flags=re.S)
    if not found:
        raise ValueError(f"the README has no {README_START} … {README_END} markers")
    return found.group(1)
