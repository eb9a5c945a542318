"""Questionnaire templates (``data/templates/``) in exactly the format the readers accept.

The value-dimension survey is wide — one row per respondent and brand rated, a column
``重要性:<维度>``, ``表现:<维度>`` and ``期望:<维度>`` per dimension — with the 26 service needs of the
course material and the eight delivered-value items as the default dimensions. The Kano sheet is
long: one row per respondent and feature with the answers 1–5 to the functional and the
dysfunctional question. The firm-ranking sheet lists the 26 needs for the firm to rank (1 = most
important), to set against its customers' ranking. ``write_templates`` writes empty templates,
filled examples (a few made-up respondents, seeded) and a bilingual instructions sheet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from custval.outputs import write_csv, write_xlsx
from custval.sample.constants import FIRM_RANKING, KANO_FEATURES, SERVICE_NEEDS, VALUE_ITEMS

SURVEY_KEYS = ["受访者编号", "客户编号", "调查批次", "品牌", "总体满意度", "转换意向"]
MEASURES = ("重要性", "表现", "期望")
KANO_KEYS = ["受访者编号", "功能", "正向", "反向"]
FIRM_KEYS = ["需求", "企业排序", "排序人"]
SHEETS = {"survey_template": "问卷 survey", "kano_template": "Kano", "firm_ranking_template": "企业排序 firm ranking"}
INSTRUCTIONS = [
    (
        "受访者编号 / respondent id",
        "每位受访者一个编号;同一人评价多个品牌时每个品牌一行 / one id per respondent; one row per brand rated",
    ),
    ("客户编号 / customer id", "可选,与交易数据中的客户编号一致 / optional, as in the transactions"),
    (
        "调查批次 / wave",
        (
            "第几次调查:编号 1、2,或时间 2023-05、2023-Q3、2023-H1、2023-spring、2023春;"
            "其他写法请在参数 wave_order 中从早到晚列出 / "
            "survey wave: a number 1, 2 or a time 2023-05, 2023-Q3, 2023-H1, 2023-spring; otherwise list the waves, "
            "earliest first, in the wave_order parameter"
        ),
    ),
    ("品牌 / brand", "被评价的品牌:本公司或竞争对手 / the brand rated: own or a competitor"),
    ("总体满意度 / overall satisfaction", "1–10"),
    ("转换意向 / switching intent", "1–5,越高越可能转向其他供应商 / 1–5, higher = more likely to switch"),
    ("重要性:维度 / importance", "1–7,该维度对您有多重要 / 1–7, how important the dimension is"),
    (
        "表现:维度 / performance",
        (
            "1–7,该品牌在该维度上做得如何;成本类项目分数越高表示成本越大 / "
            "1–7, how well the brand does; for cost items higher = costlier"
        ),
    ),
    ("期望:维度 / expectation", "1–7,您期望的水平(可选)/ 1–7, the level you expect (optional)"),
    (
        "Kano 正向 / functional",
        (
            "如果提供该功能,您觉得:1 喜欢 2 理应如此 3 无所谓 4 能忍受 5 不喜欢 / "
            "if the feature is present: 1 like … 5 dislike"
        ),
    ),
    ("Kano 反向 / dysfunctional", "如果不提供该功能,您觉得:同上 / if it is absent: same answers"),
    (
        "企业排序表:需求 / firm ranking: need",
        (
            "问卷中的每项需求一行,与问卷的维度名称完全一致 / "
            "one row per need of the survey, named exactly as in the survey"
        ),
    ),
    (
        "企业排序表:企业排序 / firm rank",
        "企业认为顾客最看重的需求排第 1,依次往后 / 1 = the need the firm believes its customers value most, and so on",
    ),
    (
        "企业排序表:排序人 / ranker",
        (
            "可选;几个人分别排序时写上各自的名字,结果取平均名次 / "
            "optional; when several people rank, each one's name — their ranks are averaged"
        ),
    ),
]


def dimensions() -> list[str]:
    """The default survey dimensions: the 26 service needs, then the 8 delivered-value items."""
    return [zh for zh, _ in SERVICE_NEEDS] + [zh for zh, _ in VALUE_ITEMS]


def survey_columns(dims=None) -> list[str]:
    return SURVEY_KEYS + [f"{m}:{d}" for d in (dims or dimensions()) for m in MEASURES]


def survey_example(respondents: int = 6, seed: int = 0) -> pd.DataFrame:
    """A filled survey for a few made-up respondents (two brands, two waves)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(respondents):
        row = {
            "受访者编号": f"S{i + 1:03d}",
            "客户编号": f"C{i + 1:06d}",
            "调查批次": 1 + i % 2,
            "品牌": "本公司" if i % 3 else "竞争对手甲",
            "总体满意度": int(rng.integers(4, 11)),
            "转换意向": int(rng.integers(1, 6)),
        }
        for dim in dimensions():
            for measure in MEASURES:
                row[f"{measure}:{dim}"] = int(rng.integers(2, 8))
        rows.append(row)
    return pd.DataFrame(rows, columns=survey_columns())


def firm_ranking_template() -> pd.DataFrame:
    """The firm-ranking sheet: the 26 needs, ranks left for the firm to fill in."""
    return pd.DataFrame(
        {"需求": [zh for zh, _ in SERVICE_NEEDS], "企业排序": pd.NA, "排序人": pd.NA}, columns=FIRM_KEYS
    )


def firm_ranking_example(seed: int = 0) -> pd.DataFrame:
    """The sheet filled in by two managers: the sample's firm ranking and a variant of it."""
    rng = np.random.default_rng(seed + 2)
    second = list(FIRM_RANKING)
    for i in rng.choice(len(second) - 1, size=6, replace=False):
        second[i], second[i + 1] = second[i + 1], second[i]
    rows = [
        (need, rank, who)
        for who, order in (("销售经理", FIRM_RANKING), ("客服经理", second))
        for rank, need in enumerate(order, start=1)
    ]
    return pd.DataFrame(rows, columns=FIRM_KEYS)


def kano_example(respondents: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    rows = [
        (f"S{i + 1:03d}", feature, int(rng.integers(1, 6)), int(rng.integers(1, 6)))
        for i in range(respondents)
        for feature, _ in KANO_FEATURES
    ]
    return pd.DataFrame(rows, columns=KANO_KEYS)


def write_templates(out) -> dict[str, Path]:
    """Write the survey, Kano and firm-ranking templates (CSV and XLSX) and filled examples into
    ``out``; the survey workbook carries the firm-ranking sheet too."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "survey_template": pd.DataFrame(columns=survey_columns()),
        "survey_example": survey_example(),
        "kano_template": pd.DataFrame(columns=KANO_KEYS),
        "kano_example": kano_example(),
        "firm_ranking_template": firm_ranking_template(),
        "firm_ranking_example": firm_ranking_example(),
    }
    notes = pd.DataFrame(INSTRUCTIONS, columns=["列 / column", "填写说明 / how to fill it in"])
    paths = {}
    for name, frame in frames.items():
        paths[f"{name}.csv"] = write_csv(frame, out / f"{name}.csv")
        if name.endswith("template"):
            sheets = {SHEETS[name]: frame}
            if name == "survey_template":
                sheets[SHEETS["firm_ranking_template"]] = frames["firm_ranking_template"]
            paths[f"{name}.xlsx"] = write_xlsx({**sheets, "说明 instructions": notes}, out / f"{name}.xlsx")
    return paths
