"""Exercise 2-4 (table 2-5): the company's target customer groups, who buys and who benefits.

The student names each customer group (office workers, students, young mothers, company
buyers …), says who decides the purchase and who uses the product, what the group mainly needs,
how large a share of the customers and of the sales it makes up (each column adds up to 1),
through which channel it prefers to buy and what the service should focus on. The analysis
compares the two shares — a *value index* of sales share ÷ customer share, above 1 when a group
buys more than its size — and classes the groups A/B/C by sales share with custval's
:func:`custval.market.abc`, as notebook 01 classes products and customers.
"""

from __future__ import annotations

import pandas as pd

from custval import market
from custval.exercises.base import CHOICE, NUMBER, ROW, SHARE, Exercise, Field, headers, sums_to_one, unique
from custval.i18n import TEXT, get_lang

CHANNELS = {
    "store": ("门店", "store", "实体店", "线下", "shop", "offline"),
    "online": ("线上", "online", "网店", "小程序", "电商", "网络", "e-commerce"),
    "group": ("团购", "group purchase", "group", "集采", "企业团购"),
    "other": ("其他", "other", "其它"),
}
ABC_CUTS = (0.8, 0.95)  # cumulative sales share closing classes A and B, as in notebook 01


def _rules(answer: pd.DataFrame, problems) -> None:
    unique(answer, "group", problems)
    sums_to_one(answer, "customer_share", problems)
    sums_to_one(answer, "sales_share", problems)
    shares, _ = problems.readable(answer, "customer_share", "group")
    for row, group in zip(
        shares.loc[shares["customer_share"] == 0, ROW], shares.loc[shares["customer_share"] == 0, "group"]
    ):
        problems.add("group_no_customers", row=row, column="customer_share", group=group, note="")


EXERCISE = Exercise(
    id="2-4",
    slug="2-4_target_groups",
    fields=(
        Field(
            "group",
            "客户群体",
            "customer group",
            help_zh="给群体起一个简短的名字,如“上班族”“企业团购”,不能重复",
            help_en="a short name, e.g. 'office workers', 'company orders'; each name once",
        ),
        Field(
            "buyer",
            "购买者或决策者",
            "who buys or decides",
            help_zh="谁付钱、谁拍板",
            help_en="who pays and who decides",
        ),
        Field(
            "user",
            "受益者或使用者",
            "who benefits or uses",
            help_zh="谁真正吃到、用到产品",
            help_en="who actually eats or uses the product",
        ),
        Field("need", "主要需求", "main need", help_zh="这个群体最看重什么", help_en="what the group cares about most"),
        Field(
            "customer_share",
            "客户数占比",
            "share of customers",
            NUMBER,
            low=0,
            high=1,
            help_zh="该群体占全部客户的比例,整列合计为 1",
            help_en="the group's share of all customers; the column adds up to 1",
            measure=SHARE,
        ),
        Field(
            "sales_share",
            "销售额占比",
            "share of sales",
            NUMBER,
            low=0,
            high=1,
            help_zh="该群体贡献的销售额比例,整列合计为 1",
            help_en="the group's share of sales; the column adds up to 1",
            measure=SHARE,
        ),
        Field(
            "channel",
            "主要购买渠道",
            "preferred channel",
            CHOICE,
            choices=CHANNELS,
            help_zh="这个群体最常在哪里买",
            help_en="where the group buys most often",
        ),
        Field(
            "service_focus",
            "服务重点",
            "service focus",
            help_zh="客服对这个群体应重点做什么",
            help_en="what customer service should concentrate on for this group",
        ),
    ),
    rules=_rules,
    min_rows=3,
)

# The worked example: 甜趣食品, a made-up snack-food chain (休闲食品). Both share columns add up to 1.
EXAMPLE = [
    (
        "上班族",
        "本人",
        "本人及同事",
        "下午茶和加班零食,要方便、送得快",
        0.30,
        0.28,
        "线上",
        "小程序 30 分钟送达,推荐办公室分享装",
    ),
    ("学生", "学生本人", "学生本人", "价格实惠、口味新奇", 0.25, 0.12, "门店", "校园周边门店做会员积分和新品试吃"),
    (
        "宝妈",
        "妈妈",
        "孩子和家人",
        "配料干净、少糖、适合儿童",
        0.18,
        0.20,
        "线上",
        "耐心解答配料问题,建儿童零食专区和妈妈社群",
    ),
    (
        "企业团购",
        "行政或工会负责人",
        "企业员工",
        "节日福利礼盒,能开发票、按时送到",
        0.05,
        0.26,
        "团购",
        "专属客户经理,定制礼盒,节前提早确认交期",
    ),
    ("送礼人群", "走亲访友的消费者", "亲友和长辈", "包装体面、寓意好", 0.12, 0.10, "门店", "提供礼盒包装和节前预订"),
    ("游客", "外地游客", "游客本人及亲友", "本地特色伴手礼、方便携带", 0.10, 0.04, "其他", "景区快闪店提供快递到家"),
]


def example() -> pd.DataFrame:
    return pd.DataFrame(EXAMPLE, columns=[f.zh for f in EXERCISE.fields])


def _rescaled(answer: pd.DataFrame) -> pd.DataFrame:
    """Both share columns rescaled to add up to exactly 1 (hand-typed shares may miss by ±0.01)."""
    out = answer.copy()
    for column in ("customer_share", "sales_share"):
        total = out[column].sum()
        out[column] = out[column] / total if total > 0 else 0.0
    return out


def value_index(answer: pd.DataFrame) -> pd.DataFrame:
    """Sales share ÷ customer share per group, largest first (ties by group name).

    Above 1 the group buys more than its size would suggest; below 1, less. Columns: group,
    customer_share, sales_share, value_index (missing when the group has no customers), rank,
    buys_more (index above 1).
    """
    shares = _rescaled(answer)[["group", "customer_share", "sales_share"]]
    index = shares["sales_share"] / shares["customer_share"].where(shares["customer_share"] > 0)
    table = shares.assign(value_index=index.astype(float))
    table = table.sort_values(["value_index", "group"], ascending=[False, True], kind="stable", na_position="last")
    table = table.reset_index(drop=True)
    table["rank"] = range(1, len(table) + 1)
    table["buys_more"] = table["value_index"] > 1
    return table


def abc_groups(answer: pd.DataFrame) -> pd.DataFrame:
    """ABC classes of the groups by share of sales (custval.market.abc with cuts 0.8 / 0.95)."""
    return market.abc(_rescaled(answer)[["group", "sales_share"]], cuts=ABC_CUTS, by="sales_share", item="group")


def priorities(answer: pd.DataFrame) -> pd.DataFrame:
    """One row per group in value-index order: the shares, the index, the ABC class, the
    preferred channel and the service focus — the table a service plan starts from."""
    index = value_index(answer)
    classes = abc_groups(answer)[["item", "class"]].rename(columns={"item": "group"})
    details = answer[["group", "channel", "service_focus"]]
    return index.merge(classes, on="group", how="left").merge(details, on="group", how="left")


def shares_long(answer: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Customer share and sales share per group as a long frame (group, measure, share) for a
    grouped bar chart; ``measure`` is named in ``lang``."""
    shares = _rescaled(answer)
    parts = [
        pd.DataFrame(
            {
                "group": shares["group"],
                "measure": TEXT[lang or get_lang()][f"ex24_col_{column}"],
                "share": shares[column].astype(float),
            }
        )
        for column in ("customer_share", "sales_share")
    ]
    return pd.concat(parts, ignore_index=True)


PERCENT = ("customer_share", "sales_share", "share", "cum_share", "cum_items")


def named(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """``frame`` ready to show: shares as percentages, channels by their names, headers in ``lang``."""
    lang = lang or get_lang()
    out = frame.copy()
    for column in PERCENT:
        if column in out:
            out[column] = [f"{v:.1%}" for v in out[column]]
    if "channel" in out:
        field = EXERCISE.field("channel")
        out["channel"] = [field.choice_name(v, lang) if v in field.choices else v for v in out["channel"]]
    if "buys_more" in out:
        out["buys_more"] = [TEXT[lang]["ex24_yes" if v else "ex24_no"] for v in out["buys_more"]]
    return headers(out, "ex24_", lang)
