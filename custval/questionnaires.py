"""Questionnaire templates (``data/templates/``) in exactly the format the readers accept.

The value-dimension survey is wide — one row per respondent and brand rated, a column
``重要性:<维度>``, ``表现:<维度>`` and ``期望:<维度>`` per dimension — with the 26 service needs of the
course material and the eight delivered-value items as the default dimensions. The Kano sheet is
long: one row per respondent and feature with the answers 1–5 to the functional and the
dysfunctional question. ``write_templates`` writes empty templates, filled examples (a few made-up
respondents, seeded) and a bilingual instructions sheet.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from custval.outputs import sheet_name
from custval.sample import KANO_FEATURES, SERVICE_NEEDS, VALUE_ITEMS

SURVEY_KEYS = ["受访者编号", "客户编号", "调查批次", "品牌", "总体满意度", "转换意向"]
MEASURES = ("重要性", "表现", "期望")
KANO_KEYS = ["受访者编号", "功能", "正向", "反向"]
INSTRUCTIONS = [
    ("受访者编号 / respondent id", "每位受访者一个编号;同一人评价多个品牌时每个品牌一行 / one id per respondent; one row per brand rated"),
    ("客户编号 / customer id", "可选,与交易数据中的客户编号一致 / optional, as in the transactions"),
    ("调查批次 / wave", "第几次调查,如 1、2 / survey wave, e.g. 1, 2"),
    ("品牌 / brand", "被评价的品牌:本公司或竞争对手 / the brand rated: own or a competitor"),
    ("总体满意度 / overall satisfaction", "1–10"),
    ("转换意向 / switching intent", "1–5,越高越可能转向其他供应商 / 1–5, higher = more likely to switch"),
    ("重要性:维度 / importance", "1–7,该维度对您有多重要 / 1–7, how important the dimension is"),
    ("表现:维度 / performance", "1–7,该品牌在该维度上做得如何;成本类项目分数越高表示成本越大 / 1–7, how well the brand does; for cost items higher = costlier"),
    ("期望:维度 / expectation", "1–7,您期望的水平(可选)/ 1–7, the level you expect (optional)"),
    ("Kano 正向 / functional", "如果提供该功能,您觉得:1 喜欢 2 理应如此 3 无所谓 4 能忍受 5 不喜欢 / if the feature is present: 1 like … 5 dislike"),
    ("Kano 反向 / dysfunctional", "如果不提供该功能,您觉得:同上 / if it is absent: same answers"),
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
        row = {"受访者编号": f"S{i + 1:03d}", "客户编号": f"C{i + 1:06d}", "调查批次": 1 + i % 2,
               "品牌": "本公司" if i % 3 else "竞争对手甲", "总体满意度": int(rng.integers(4, 11)),
               "转换意向": int(rng.integers(1, 6))}  # fmt: skip
        for dim in dimensions():
            for measure in MEASURES:
                row[f"{measure}:{dim}"] = int(rng.integers(2, 8))
        rows.append(row)
    return pd.DataFrame(rows, columns=survey_columns())


def kano_example(respondents: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    rows = [(f"S{i + 1:03d}", feature, int(rng.integers(1, 6)), int(rng.integers(1, 6)))
            for i in range(respondents) for feature, _ in KANO_FEATURES]  # fmt: skip
    return pd.DataFrame(rows, columns=KANO_KEYS)


def write_templates(out) -> dict[str, Path]:
    """Write the survey and Kano templates (CSV and XLSX) and filled examples into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "survey_template": pd.DataFrame(columns=survey_columns()),
        "survey_example": survey_example(),
        "kano_template": pd.DataFrame(columns=KANO_KEYS),
        "kano_example": kano_example(),
    }
    notes = pd.DataFrame(INSTRUCTIONS, columns=["列 / column", "填写说明 / how to fill it in"])
    paths = {}
    for name, frame in frames.items():
        paths[f"{name}.csv"] = out / f"{name}.csv"
        frame.to_csv(paths[f"{name}.csv"], index=False, encoding="utf-8-sig", lineterminator="\n")
        if name.endswith("template"):
            paths[f"{name}.xlsx"] = out / f"{name}.xlsx"
            with pd.ExcelWriter(paths[f"{name}.xlsx"], engine="openpyxl") as writer:
                used: set[str] = set()
                frame.to_excel(writer, sheet_name=sheet_name("问卷 survey" if "survey" in name else "Kano", used), index=False)
                notes.to_excel(writer, sheet_name=sheet_name("说明 instructions", used), index=False)
    return paths
