"""Exercise 2-2 (table 2-3): the current service level of the company chosen in exercise 2-1.

One row per service aspect (reception, response speed, product knowledge, after-sales, complaints,
online service …): how much it matters to customers (1–5), how well the company does it today
(1–5), the evidence behind the rating and, optionally, what to improve. The analysis is custval's
importance–performance analysis (:func:`custval.dimensions.ipa`) with the student as the only
respondent, so the crosshair sits at the mean of the student's own ratings.
"""

from __future__ import annotations

import pandas as pd

from custval import dimensions
from custval.exercises.base import INTEGER, RATING, Exercise, Field, Problems, headers, unique
from custval.i18n import get_lang

SCALE = (1, 5)
LIMITS = (0.5, 5.5)  # chart axes: the whole scale, with room for the quadrant names in the corners
POINT_SEPARATOR = " / "  # aspects that share one point of the chart are named together


def no_discrimination(typed: pd.DataFrame, column: str, problems: Problems) -> None:
    """A note when every row of ``column`` holds the same rating: nothing stands out."""
    rated, note = problems.readable(typed, column)
    values = rated[column].unique()
    if len(rated) > 1 and len(values) == 1:
        problems.add("no_discrimination", column=column, value=f"{values[0]:g}", severity="warning", note=note)


def _rules(answer: pd.DataFrame, problems: Problems) -> None:
    unique(answer, "aspect", problems)
    no_discrimination(answer, "performance", problems)
    no_discrimination(answer, "importance", problems)


EXERCISE = Exercise(
    id="2-2",
    slug="2-2_service_level",
    fields=(
        Field(
            "aspect",
            "服务项目",
            "service aspect",
            help_zh="一个具体的服务环节,如“接待礼仪”“线上客服响应速度”,每项只写一次",
            help_en="one concrete part of the service, e.g. 'greeting in shops', 'online response time'; each once",
        ),
        Field(
            "importance",
            "对顾客的重要性",
            "importance to customers",
            INTEGER,
            low=1,
            high=5,
            help_zh="顾客有多看重这一项:5 非常重要 … 1 不重要",
            help_en="how much customers care: 5 very much … 1 hardly",
            measure=RATING,
        ),
        Field(
            "performance",
            "目前表现",
            "current performance",
            INTEGER,
            low=1,
            high=5,
            help_zh="企业现在做得怎么样:5 很好 … 1 很差",
            help_en="how well the company does it today: 5 very well … 1 very poorly",
            measure=RATING,
        ),
        Field(
            "evidence",
            "依据与理由",
            "evidence and reason",
            help_zh="你凭什么这样打分:走访、体验、网上评价、数据",
            help_en="what the rating rests on: a visit, your own experience, online reviews, figures",
        ),
        Field(
            "suggestion",
            "改进建议",
            "improvement suggestion",
            required=False,
            help_zh="这一项可以怎样做得更好",
            help_en="how this aspect could be done better",
        ),
    ),
    rules=_rules,
    min_rows=5,
)

# The worked example: 甜趣食品, a made-up snack-food chain with shops, a mini-program, delivery and live streaming.
EXAMPLE = [
    ("门店接待礼仪", 4, 4, "走访 5 家门店,店员都会主动问好并递上试吃", ""),
    (
        "线上客服响应速度",
        5,
        1,
        "小程序客服晚高峰常常 10 分钟以上无人回复,差评里反复出现",
        "晚高峰加排客服,常见问题设自动回复",
    ),
    ("产品知识讲解", 4, 2, "问到低糖产品的配料和适合人群,店员多数说不清楚", "编写产品知识手册,每月抽查"),
    ("售后退换货", 4, 3, "支持 7 天无理由退换,但门店退款要 3 个工作日到账", "门店退款改为当场原路退回"),
    ("投诉处理", 5, 3, "400 热线能受理投诉,但处理结果很少回访顾客", "投诉结案后 48 小时内电话回访"),
    ("会员积分与权益", 3, 4, "积分在门店和小程序通用,可兑换的商品多", ""),
    ("直播间答疑", 3, 3, "主播回答价格问题很快,口味和过敏原问题常被跳过", "每场直播配一名懂产品的助播"),
    ("外卖配送时效", 4, 4, "同城 30 分钟送达,外卖平台显示准时率较高", ""),
    ("门店环境与陈列", 2, 5, "门店明亮整洁,货架和试吃台摆放整齐", "可把部分装修投入转到客服培训"),
]


def example() -> pd.DataFrame:
    return pd.DataFrame(EXAMPLE, columns=[f.zh for f in EXERCISE.fields])


# --------------------------------------------------------------------------- analysis


def survey(answer: pd.DataFrame) -> pd.DataFrame:
    """The answer as the long survey table :func:`custval.dimensions.ipa` reads: the student is
    respondent 1 and every service aspect a dimension."""
    return pd.DataFrame(
        {
            "respondent_id": 1,
            "dimension": answer["aspect"].astype(str).to_numpy(),
            "importance": answer["importance"].astype(float).to_numpy(),
            "performance": answer["performance"].astype(float).to_numpy(),
        }
    )


def ipa_table(answer: pd.DataFrame) -> pd.DataFrame:
    """Importance–performance analysis of the student's aspects, most urgent first.

    Crosshair at the mean importance and mean performance of the aspects (``center="data"``);
    ``priority`` = importance − performance. Ties are broken by importance, then by name.
    """
    table = dimensions.ipa(survey(answer), center="data", scale=SCALE).rename(columns={"dimension": "aspect"})
    table = table.merge(answer[["aspect", "evidence", "suggestion"]], on="aspect", how="left")
    columns = [
        "aspect",
        "importance",
        "performance",
        "priority",
        "quadrant",
        "center_importance",
        "center_performance",
        "evidence",
        "suggestion",
    ]
    order = table[columns].sort_values(
        ["priority", "importance", "aspect"], ascending=[False, False, True], kind="stable"
    )
    return order.reset_index(drop=True)


def concentrate_here(ipa: pd.DataFrame) -> list[str]:
    """The aspects to improve first: important to customers but performing below the crosshair,
    in the order of :func:`ipa_table` (largest priority first)."""
    return ipa.loc[ipa["quadrant"] == "concentrate_here", "aspect"].tolist()


def service_index(answer: pd.DataFrame) -> float:
    """Importance-weighted mean performance, on the 1–5 scale: Σ importance × performance / Σ importance."""
    weights = answer["importance"].astype(float)
    return float((weights * answer["performance"].astype(float)).sum() / weights.sum())


def chart_points(ipa: pd.DataFrame) -> pd.DataFrame:
    """One point per (performance, importance) position for the IPA chart.

    Whole-number ratings often coincide; aspects that share a position are named together so no
    label hides another.
    """
    points = ipa.groupby(["performance", "importance"], sort=True)["aspect"].agg(POINT_SEPARATOR.join)
    return points.reset_index()


def shown(
    frame: pd.DataFrame, exercise: Exercise = EXERCISE, prefix: str = "ex22_", lang: str | None = None
) -> pd.DataFrame:
    """``frame`` with headers in the student's language, template columns under their template
    headers (:func:`custval.exercises.base.headers`)."""
    lang = lang or get_lang()
    return headers(frame, prefix, lang, names={f.name: f.header(lang) for f in exercise.fields})


GOOD, POOR = 3.5, 2.5  # thresholds of the verdict on the weighted service level


def verdict(index: float) -> str:
    """The i18n key of the sentence judging a service level."""
    return "ex22_good" if index >= GOOD else "ex22_poor" if index < POOR else "ex22_middle"
