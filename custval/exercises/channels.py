"""Exercise 2-7 (the first of the two so numbered): customers found through three channels.

The student gathers customers from the company's existing business (its own members and
orders), from a market survey, and from online platforms (shops, mini-programs, live-stream
rooms), one row per customer: gender, age band, city, yearly spend and main need. The analysis
profiles each channel — how many customers, their spend, the typical age band and need, the
share of women — so the student can say which channel brings which kind of customer.
"""

from __future__ import annotations

import pandas as pd

from custval.exercises.base import AMOUNT, CHOICE, NUMBER, WARNING, Exercise, Field, every_choice_used, headers, unique
from custval.i18n import get_lang

SOURCES = {
    "existing": ("现有业务", "existing business", "existing", "现有客户", "老客户", "会员"),
    "survey": ("市场调查", "market survey", "survey", "调查", "问卷", "问卷调查"),
    "online": ("网络平台", "online", "online platform", "网络", "线上", "网上"),
}
GENDERS = {
    "male": ("男", "male", "m", "男性"),
    "female": ("女", "female", "f", "女性"),
    "unknown": ("未知", "unknown", "不详", "?"),
}
AGE_BANDS = {
    "<18": ("<18", "<18", "18岁以下", "18 岁以下", "under 18", "＜18"),
    "18-25": ("18-25", "18-25", "18–25", "18~25", "18至25", "18-25岁", "18—25"),
    "26-35": ("26-35", "26-35", "26–35", "26~35", "26至35", "26-35岁", "26—35"),
    "36-45": ("36-45", "36-45", "36–45", "36~45", "36至45", "36-45岁", "36—45"),
    "46-60": ("46-60", "46-60", "46–60", "46~60", "46至60", "46-60岁", "46—60"),
    ">60": (">60", ">60", "60岁以上", "60 岁以上", "over 60", "＞60"),
}
FEW_PER_SOURCE = 3  # fewer customers than this from one channel say little about it


def _rules(answer: pd.DataFrame, problems) -> None:
    unique(answer, "customer_id", problems)
    every_choice_used(answer, "source", problems)
    field = problems.exercise.field("source")
    found, note = problems.readable(answer, "source")
    for source in SOURCES:
        count = int((found["source"] == source).sum())
        if 0 < count < FEW_PER_SOURCE:
            problems.add(
                "source_few",
                column="source",
                severity=WARNING,
                count=count,
                minimum=FEW_PER_SOURCE,
                value=field.choice_name(source, problems.lang or get_lang()),
                note=note,
            )


EXERCISE = Exercise(
    id="2-7a",
    slug="2-7_channel_groups",
    fields=(
        Field(
            "customer_id",
            "客户编号",
            "customer id",
            help_zh="每位客户一个编号,不能重复",
            help_en="one id per customer, each once",
        ),
        Field(
            "source",
            "来源渠道",
            "source channel",
            CHOICE,
            choices=SOURCES,
            help_zh="通过哪个渠道找到这位客户",
            help_en="the channel through which you found this customer",
        ),
        Field("gender", "性别", "gender", CHOICE, choices=GENDERS),
        Field("age_band", "年龄段", "age band", CHOICE, choices=AGE_BANDS),
        Field(
            "city", "城市或地区", "city or region", help_zh="客户所在的城市或地区", help_en="where the customer lives"
        ),
        Field(
            "spend",
            "年消费额(元)",
            "yearly spend (yuan)",
            NUMBER,
            low=0,
            help_zh="估计这位客户一年在本企业花多少钱",
            help_en="about how much the customer spends with the company in a year",
            measure=AMOUNT,
        ),
        Field(
            "need",
            "主要需求",
            "main need",
            help_zh="用几个字概括,同样的需求写法要一致,如“儿童零食”",
            help_en="a few words; write the same need the same way each time",
        ),
    ),
    rules=_rules,
    min_rows=15,
)

# The worked example: 甜趣食品, a made-up snack-food chain (休闲食品); 30 customers, fixed here.
EXAMPLE = [
    ("C01", "现有业务", "女", "26-35", "杭州", 2400, "下午茶零食"),
    ("C02", "现有业务", "男", "36-45", "杭州", 1800, "节日礼盒"),
    ("C03", "现有业务", "女", "36-45", "宁波", 3200, "儿童零食"),
    ("C04", "现有业务", "女", "26-35", "杭州", 2100, "下午茶零食"),
    ("C05", "现有业务", "男", "46-60", "绍兴", 2600, "节日礼盒"),
    ("C06", "现有业务", "女", "18-25", "杭州", 900, "新品尝鲜"),
    ("C07", "现有业务", "女", "26-35", "嘉兴", 1500, "下午茶零食"),
    ("C08", "现有业务", "男", "26-35", "杭州", 1200, "下午茶零食"),
    ("C09", "现有业务", "女", "36-45", "杭州", 2800, "儿童零食"),
    ("C10", "现有业务", "女", ">60", "宁波", 700, "低糖健康"),
    ("C11", "现有业务", "男", "46-60", "杭州", 5600, "企业福利"),
    ("C12", "现有业务", "未知", "46-60", "杭州", 4200, "企业福利"),
    ("S01", "市场调查", "女", "18-25", "杭州", 600, "新品尝鲜"),
    ("S02", "市场调查", "男", "18-25", "杭州", 450, "新品尝鲜"),
    ("S03", "市场调查", "女", "<18", "杭州", 300, "平价零食"),
    ("S04", "市场调查", "女", "18-25", "宁波", 800, "新品尝鲜"),
    ("S05", "市场调查", "男", "26-35", "杭州", 1000, "下午茶零食"),
    ("S06", "市场调查", "女", "46-60", "绍兴", 1100, "低糖健康"),
    ("S07", "市场调查", "男", "<18", "嘉兴", 250, "平价零食"),
    ("S08", "市场调查", "女", ">60", "杭州", 500, "低糖健康"),
    ("S09", "市场调查", "男", "18-25", "杭州", 700, "新品尝鲜"),
    ("O01", "网络平台", "女", "26-35", "上海", 1600, "低糖健康"),
    ("O02", "网络平台", "女", "26-35", "杭州", 2200, "儿童零食"),
    ("O03", "网络平台", "男", "18-25", "南京", 900, "新品尝鲜"),
    ("O04", "网络平台", "女", "36-45", "苏州", 3000, "儿童零食"),
    ("O05", "网络平台", "女", "26-35", "上海", 1300, "低糖健康"),
    ("O06", "网络平台", "未知", "18-25", "合肥", 500, "新品尝鲜"),
    ("O07", "网络平台", "女", "26-35", "杭州", 1900, "低糖健康"),
    ("O08", "网络平台", "男", "36-45", "上海", 2500, "节日礼盒"),
    ("O09", "网络平台", "女", "18-25", "武汉", 1100, "下午茶零食"),
]


def example() -> pd.DataFrame:
    return pd.DataFrame(EXAMPLE, columns=[f.zh for f in EXERCISE.fields])


def _most_common(values: pd.Series, order=None) -> str:
    """The most frequent value; ties go to the first in ``order`` (default: first seen)."""
    counts = values.value_counts(sort=False)
    order = list(order) if order is not None else list(dict.fromkeys(values))
    counts = counts.reindex([v for v in order if v in counts.index])
    return str(counts.idxmax()) if len(counts) else ""


def profile(answer: pd.DataFrame) -> pd.DataFrame:
    """One row per channel (in the template's order, channels without customers left out):
    customers, share of all customers, mean and median yearly spend, the most common age band
    (ties: the younger band) and need (ties: the one written first), and the share of women
    (customers of unknown gender count in the denominator)."""
    rows = []
    for source in SOURCES:
        part = answer[answer["source"] == source]
        if part.empty:
            continue
        rows.append(
            {
                "source": source,
                "customers": len(part),
                "share": len(part) / len(answer),
                "mean_spend": float(part["spend"].mean()),
                "median_spend": float(part["spend"].median()),
                "top_age_band": _most_common(part["age_band"], AGE_BANDS),
                "top_need": _most_common(part["need"]),
                "share_female": float((part["gender"] == "female").mean()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "source",
            "customers",
            "share",
            "mean_spend",
            "median_spend",
            "top_age_band",
            "top_need",
            "share_female",
        ],
    )


def age_mix(answer: pd.DataFrame) -> pd.DataFrame:
    """Customers per channel and age band (every band, zeros included) and each band's share of
    its channel: columns source, age_band (ordered categoricals), customers, share."""
    sources = [s for s in SOURCES if (answer["source"] == s).any()]
    grid = pd.MultiIndex.from_product([sources, list(AGE_BANDS)], names=["source", "age_band"])
    counts = answer.groupby(["source", "age_band"]).size().reindex(grid, fill_value=0).rename("customers").reset_index()
    counts["share"] = counts["customers"] / counts.groupby("source")["customers"].transform("sum")
    counts["source"] = pd.Categorical(counts["source"], categories=sources, ordered=True)
    counts["age_band"] = pd.Categorical(counts["age_band"], categories=list(AGE_BANDS), ordered=True)
    return counts


PERCENT = ("share", "share_female")


def named(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """``frame`` ready to chart: channels and genders by their names in ``lang`` (order kept)."""
    lang = lang or get_lang()
    out = frame.copy()
    for column in ("source", "gender"):
        if column in out:
            f = EXERCISE.field(column)
            if isinstance(out[column].dtype, pd.CategoricalDtype):
                out[column] = out[column].cat.rename_categories(lambda v, f=f: f.choice_name(v, lang))
            else:
                out[column] = [f.choice_name(v, lang) if v in f.choices else v for v in out[column]]
    return out


def shown(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """:func:`named`, with shares as percentages and headers in ``lang``: a table to show."""
    lang = lang or get_lang()
    out = named(frame, lang)
    for column in PERCENT:
        if column in out:
            out[column] = [f"{v:.1%}" for v in out[column]]
    return headers(out, "ex27a_", lang)
