"""Exercise 2-7 (the second of the two numbered 2-7; table 2-25): grade 30 typical customers A/B/C
by current and future value, with a service suggestion and a marketing strategy per grade.

Grades are consistent with the values when no customer is graded below another whose current
and future values are both no higher (and one lower): a dominance rule, so it needs no cut-offs
and accepts any sensible way of weighing the two values. The analysis then puts the same
customers through custval's A–F grid (:func:`custval.grading.grade`) for comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custval import grading
from custval.exercises.base import AMOUNT, CHOICE, NUMBER, ROW, WARNING, Exercise, Field, every_choice_used, unique
from custval.i18n import TEXT, get_lang

GRADES = {"A": ("A", "A", "a类", "a 类"), "B": ("B", "B", "b类", "b 类"), "C": ("C", "C", "c类", "c 类")}
RANK = {"A": 0, "B": 1, "C": 2}
MIN_CUSTOMERS = 30


def _rules(answer: pd.DataFrame, problems) -> None:
    unique(answer, "customer_id", problems)
    every_choice_used(answer, "grade", problems, severity=WARNING)
    for record in inconsistent_grades(answer).to_dict("records"):
        problems.add(
            "grade_inconsistent",
            row=record["row"],
            column="grade",
            customer=record["customer_id"],
            grade=record["grade"],
            other_row=record["other_row"],
            other=record["other_id"],
            other_grade=record["other_grade"],
        )
    graded, note = problems.readable(answer, "grade")
    for grade in sorted(set(graded["grade"])):
        rows = graded[graded["grade"] == grade]
        for column in ("service", "marketing"):
            if (rows[column] == "").all():
                problems.add("grade_without_advice", column=column, grade=grade, note=note)


EXERCISE = Exercise(
    id="2-7b",
    slug="2-7_customer_grades",
    fields=(
        Field("customer_id", "客户编号", "customer id"),
        Field("name", "客户名称", "customer name", required=False),
        Field(
            "current_value",
            "目前价值",
            "current value",
            NUMBER,
            low=0,
            help_zh="近一年为企业带来的利润(或销售额),元",
            help_en="profit (or sales) over the last year, in yuan",
            measure=AMOUNT,
        ),
        Field(
            "future_value",
            "未来价值",
            "future value",
            NUMBER,
            low=0,
            help_zh="预计未来三年能带来的利润,元",
            help_en="expected profit over the next three years, in yuan",
            measure=AMOUNT,
        ),
        Field(
            "grade",
            "等级",
            "grade",
            CHOICE,
            choices=GRADES,
            help_zh="A 价值最高,C 最低",
            help_en="A most valuable, C least",
        ),
        Field(
            "service",
            "服务建议",
            "service suggestion",
            required=False,
            help_zh="每个等级至少一位客户写上",
            help_en="at least one customer of each grade",
        ),
        Field(
            "marketing",
            "营销策略",
            "marketing strategy",
            required=False,
            help_zh="每个等级至少一位客户写上",
            help_en="at least one customer of each grade",
        ),
    ),
    rules=_rules,
    min_rows=MIN_CUSTOMERS,
)


def inconsistent_grades(answer: pd.DataFrame) -> pd.DataFrame:
    """Customers graded below someone they dominate (both values ≥, one >), with that someone.

    One row per wrongly graded customer, paired with the best-graded customer it dominates
    (first in row order on ties), sorted by row. Rows are spreadsheet rows (``__row__``, or the
    position + 2 when the answer has no such column).
    """
    sheet_rows = answer[ROW] if ROW in answer.columns else pd.Series(np.arange(len(answer)) + 2, index=answer.index)
    current = answer["current_value"].to_numpy(float)
    future = answer["future_value"].to_numpy(float)
    rank = answer["grade"].map(RANK).to_numpy()
    dominates = (current[:, None] >= current[None, :]) & (future[:, None] >= future[None, :])
    dominates &= (current[:, None] > current[None, :]) | (future[:, None] > future[None, :])
    worse = dominates & (rank[:, None] > rank[None, :])
    rows = []
    for i in np.flatnonzero(worse.any(axis=1)):
        candidates = np.flatnonzero(worse[i])
        j = candidates[np.argmin(rank[candidates])]  # argmin returns the first of equals
        rows.append(
            {
                "row": int(sheet_rows.iloc[i]),
                "customer_id": answer["customer_id"].iloc[i],
                "grade": answer["grade"].iloc[i],
                "other_row": int(sheet_rows.iloc[j]),
                "other_id": answer["customer_id"].iloc[j],
                "other_grade": answer["grade"].iloc[j],
            }
        )
    return pd.DataFrame(rows, columns=["row", "customer_id", "grade", "other_row", "other_id", "other_grade"])


def grade_summary(answer: pd.DataFrame) -> pd.DataFrame:
    """Customers, share of customers and share of current and future value per grade A/B/C."""
    table = answer.groupby("grade", sort=True).agg(
        customers=("customer_id", "size"), current_value=("current_value", "sum"), future_value=("future_value", "sum")
    )
    table = table.reindex(list(GRADES), fill_value=0)
    table["share_customers"] = table["customers"] / table["customers"].sum()
    for column in ("current_value", "future_value"):
        total = table[column].sum()
        table[f"share_{column}"] = table[column] / total if total else np.nan
    return table.rename_axis("grade").reset_index()


def compare_with_grid(answer: pd.DataFrame, layout: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The customers graded A–F by custval's grid, and a count table student grade × grid grade."""
    graded = grading.grade(answer.rename(columns={"grade": "student_grade"}), layout=layout)
    table = pd.crosstab(graded["student_grade"], graded["grade"]).reindex(
        index=list(GRADES), columns=list(grading.GRADES), fill_value=0
    )
    return graded, table.rename_axis(index="student_grade", columns=None).reset_index()


# The worked example: 30 customers of 甜趣食品 — shops and companies buying for staff or resale,
# and individual members. Values in yuan; grades by the sum of the two values (6 A, 9 B, 15 C).
ADVICE = {
    "A": ("专属客户经理,每月回访,新品优先试吃", "定制礼盒和年度框架协议,交叉销售高端系列"),
    "B": ("季度回访,会员积分加倍,投诉 24 小时内解决", "用满减和组合装提高购买频次,争取升为 A 类"),
    "C": ("标准化线上服务,自助查询和社群答疑", "低成本的社群促销和节日推送,观察是否有增长"),
}
CUSTOMERS = [
    ("K001", "星河便利店", 4030, 6510, "B"),
    ("K002", "城东超市", 3060, 2420, "C"),
    ("K003", "蓝湾写字楼(团购)", 2550, 1900, "C"),
    ("K004", "王女士(金卡会员)", 4270, 12880, "A"),
    ("K005", "李先生(会员)", 2460, 2290, "C"),
    ("K006", "阳光小学小卖部", 6570, 10990, "A"),
    ("K007", "悦动健身房", 4470, 3450, "C"),
    ("K008", "青禾咖啡馆", 3910, 8010, "B"),
    ("K009", "张女士(会员)", 1050, 1080, "C"),
    ("K010", "海岸连锁便利店", 600, 370, "C"),
    ("K011", "明德中学团委", 640, 750, "C"),
    ("K012", "陈先生(会员)", 1130, 1790, "C"),
    ("K013", "晨光物业(节日福利)", 4710, 5680, "B"),
    ("K014", "赵女士(银卡会员)", 320, 310, "C"),
    ("K015", "旅途客运站商店", 3830, 5530, "C"),
    ("K016", "刘先生(新会员)", 870, 880, "C"),
    ("K017", "花语婚庆公司", 1510, 1250, "C"),
    ("K018", "周女士(会员)", 11620, 9660, "A"),
    ("K019", "校园书店", 3900, 8950, "B"),
    ("K020", "孙先生(会员)", 2240, 2830, "C"),
    ("K021", "云端科技(员工福利)", 4490, 6300, "B"),
    ("K022", "吴女士(会员)", 1180, 1670, "C"),
    ("K023", "乐乐亲子乐园", 15660, 8350, "A"),
    ("K024", "郑先生(会员)", 9500, 13780, "A"),
    ("K025", "老街茶馆", 2120, 9500, "B"),
    ("K026", "钱女士(新会员)", 8620, 5670, "B"),
    ("K027", "社区团购团长小杨", 4340, 8280, "B"),
    ("K028", "冯先生(会员)", 3330, 6770, "C"),
    ("K029", "绿野户外俱乐部", 3760, 7570, "B"),
    ("K030", "何女士(会员)", 16960, 15260, "A"),
]


def example() -> pd.DataFrame:
    rows = [(*customer, *ADVICE[customer[-1]]) for customer in CUSTOMERS]
    return pd.DataFrame(rows, columns=[f.zh for f in EXERCISE.fields])


COUNT_WORDS = {"zh": {2: "两", 3: "三"}, "en": {2: "two", 3: "three"}}


def summary_sentence(summary: pd.DataFrame, lang: str | None = None) -> str:
    """The sentence under :func:`grade_summary`: names only the classes the student used ("全部为
    A 类" when every customer is A) and the value share of the best class used."""
    lang = lang or get_lang()
    used = summary[summary["customers"] > 0].reset_index(drop=True)
    customers = int(used["customers"].sum())
    if len(used) == 1:
        return TEXT[lang]["ex27b_summary_one"].format(customers=customers, grade=used.loc[0, "grade"])
    classes = list(used["grade"])
    joined = "、".join(classes) if lang == "zh" else ", ".join(classes[:-1]) + " and " + classes[-1]
    top = used.iloc[0]
    return TEXT[lang]["ex27b_summary_many"].format(
        customers=customers,
        classes=joined,
        count=COUNT_WORDS[lang][len(used)],
        top=top["grade"],
        top_customers=int(top["customers"]),
        share=top["share_current_value"],
        future=top["share_future_value"],
    )


def versus_table(versus: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """:func:`compare_with_grid`'s count table labelled so the two letterings cannot be confused:
    the student's value classes (价值类 A/B/C, 表 2-25) down, the grid's grades (等级 A–F, 图 2-2)
    across."""
    lang = lang or get_lang()
    grid = {g: TEXT[lang]["ex27b_grid_grade"].format(grade=g) for g in grading.GRADES}
    classes = [TEXT[lang]["ex27b_value_class"].format(grade=g) for g in versus["student_grade"]]
    return versus.assign(student_grade=classes).rename(columns={"student_grade": "value_class", **grid})
