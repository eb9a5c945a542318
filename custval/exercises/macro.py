"""Exercise 2-1 (table 2-2): opportunities and risks the macro environment brings a company's
customer service market, weighed and rated like an external factor evaluation (EFE).

Each factor has a PEST kind, is an opportunity or a risk, carries a weight (the weights add up
to 1) and a rating 1–4 of how well the company responds today; the analysis is custval's
:func:`custval.market.efe`, so the student's total is read on David's scale (2.5 is average).
"""

from __future__ import annotations

import pandas as pd

from custval import market
from custval.exercises.base import (
    CHOICE,
    INTEGER,
    NUMBER,
    RATING,
    SHARE,
    Exercise,
    Field,
    every_choice_used,
    sums_to_one,
)

KINDS = {
    "political": ("政治", "political", "p", "政策", "法律"),
    "economic": ("经济", "economic", "e"),
    "social": ("社会", "social", "s", "社会文化"),
    "technological": ("技术", "technological", "t", "科技", "technology"),
}
EFFECTS = {"opportunity": ("机会", "opportunity", "o", "机遇"), "threat": ("风险", "risk", "threat", "r", "威胁")}
AVERAGE_EFE = 2.5  # the midpoint of David's 1–4 scale


def _rules(answer: pd.DataFrame, problems) -> None:
    sums_to_one(answer, "weight", problems)
    every_choice_used(answer, "effect", problems)
    every_choice_used(answer, "kind", problems, severity="warning")


EXERCISE = Exercise(
    id="2-1",
    slug="2-1_macro_environment",
    fields=(
        Field(
            "factor",
            "宏观环境因素",
            "factor",
            help_zh="一个具体的变化,如“居民收入增长”",
            help_en="one concrete change, e.g. 'rising household income'",
        ),
        Field(
            "kind",
            "类别",
            "kind",
            CHOICE,
            choices=KINDS,
            help_zh="属于政治、经济、社会还是技术",
            help_en="political, economic, social or technological",
        ),
        Field("effect", "机会或风险", "opportunity or risk", CHOICE, choices=EFFECTS),
        Field(
            "weight",
            "权重",
            "weight",
            NUMBER,
            low=0,
            high=1,
            help_zh="该因素有多重要,所有权重合计为 1",
            help_en="how much it matters; the weights add up to 1",
            measure=SHARE,
        ),
        Field(
            "rating",
            "应对评分",
            "rating",
            INTEGER,
            low=1,
            high=4,
            help_zh="企业目前应对得如何:4 很好,3 较好,2 一般,1 较差",
            help_en="how well the company responds today: 4 very well … 1 poorly",
            measure=RATING,
        ),
        Field(
            "judgement",
            "判断与结论",
            "judgement",
            help_zh="一两句话:带来什么机会或风险,企业该怎么做",
            help_en="a sentence or two: what it brings and what the company should do",
        ),
    ),
    rules=_rules,
    min_rows=4,
)

# The worked example: 甜趣食品, a made-up snack-food chain (休闲食品).
EXAMPLE = [
    ("食品安全法规趋严", "政治", "风险", 0.15, 3, "抽检更频繁,需完善追溯和客诉处理流程"),
    ("鼓励消费的政策与消费券", "政治", "机会", 0.08, 2, "门店和小程序可承接消费券带来的新客"),
    ("居民可支配收入增长", "经济", "机会", 0.12, 3, "中高端礼盒有空间,客服需提供选购建议"),
    ("原材料价格波动", "经济", "风险", 0.10, 2, "涨价时要提前向会员解释,避免投诉"),
    ("健康饮食观念普及", "社会", "机会", 0.15, 2, "低糖产品的咨询增多,客服需懂配料知识"),
    ("年轻人偏爱即时零售", "社会", "机会", 0.10, 3, "30 分钟送达带来更多售后咨询"),
    ("直播电商与社交平台", "技术", "机会", 0.12, 3, "直播间的实时答疑成为新的服务场景"),
    ("线上评价公开透明", "技术", "风险", 0.10, 2, "差评传播快,需要 24 小时内回应"),
    ("同质化竞品大量涌入", "经济", "风险", 0.08, 2, "靠服务体验和会员权益形成差异"),
]


def example() -> pd.DataFrame:
    return pd.DataFrame(EXAMPLE, columns=[f.zh for f in EXERCISE.fields])


def efe_table(answer: pd.DataFrame) -> pd.DataFrame:
    """The student's factors as an EFE: weight × rating per factor, largest score first.

    Weights typed by hand may miss 1 by up to the checker's tolerance; they are rescaled to add
    up to 1 exactly, as the EFE requires.
    """
    factors = answer.rename(columns={"effect": "kind", "kind": "pest"})
    factors = factors.assign(weight=factors["weight"] / factors["weight"].sum())
    table = market.efe(factors).merge(factors[["factor", "pest"]], on="factor", how="left")
    table = table.rename(columns={"kind": "effect", "pest": "kind"})[
        ["factor", "kind", "effect", "weight", "rating", "score"]
    ]
    return table.sort_values(["score", "factor"], ascending=[False, True], kind="stable").reset_index(drop=True)


def by_kind(answer: pd.DataFrame) -> pd.DataFrame:
    """Weight and weighted score per PEST kind and effect (every kind listed)."""
    scored = answer.assign(score=answer["weight"] * answer["rating"])
    table = scored.groupby(["kind", "effect"], sort=True).agg(
        factors=("factor", "size"), weight=("weight", "sum"), score=("score", "sum")
    )
    return table.reset_index()


def named(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Kinds and effects shown as the template names them (政治 …, 机会 / 风险)."""
    kind, effect = EXERCISE.field("kind"), EXERCISE.field("effect")
    out = table.copy()
    out["kind"] = [kind.choice_name(v, lang) for v in out["kind"]]
    out["effect"] = [effect.choice_name(v, lang) for v in out["effect"]]
    return out


def focus(efe: pd.DataFrame) -> pd.Series:
    """The factor with the largest weight × (4 − rating): most to gain from responding better."""
    gap = efe["weight"] * (4 - efe["rating"])
    return efe.loc[gap.sort_values(ascending=False, kind="stable").index[0]]
