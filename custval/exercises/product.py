"""Exercise 2-3: the company's products against its competitors — features, advantages and gaps.

Long format, one row per brand × attribute: the brand, whether it is the company's own, the
attribute (taste, price, packaging, health, convenience, service …), a rating 1–5 and an optional
note. Every brand rates every attribute exactly once. The analysis is custval's positioning map
(:func:`custval.market.positioning_map`, a PCA biplot), a brand × attribute heat map and, per
attribute, the own brand against the best competitor. Product features and industry trends are
written in words in the notebook.
"""

from __future__ import annotations

import pandas as pd

from custval import market
from custval.exercises.base import CHOICE, INTEGER, RATING, ROW, Exercise, Field, Problems
from custval.exercises.service import no_discrimination
from custval.i18n import get_lang

OWN = {
    "yes": ("是", "yes", "y", "本企业", "本公司", "own", "true", "1"),
    "no": ("否", "no", "n", "竞争对手", "竞品", "competitor", "false", "0"),
}
MIN_COMPETITORS = 2
MIN_ATTRIBUTES = 3


def _rules(answer: pd.DataFrame, problems: Problems) -> None:
    """Brands, own-brand marks and pairs are judged on every row where those cells are sound, so an
    error in a rating does not make a brand or a pair look missing."""
    sep = "、" if (problems.lang or get_lang()) == "zh" else ", "
    marked, note = problems.readable(answer, "brand", "own")
    own = marked["own"] == "yes"
    flags = own.groupby(marked["brand"], sort=True)
    for brand, marks in flags:
        if marks.nunique() > 1:
            minority = marks.value_counts().idxmin()
            rows = marked.loc[marks.index[marks == minority], ROW]
            problems.add(
                "own_brand_mixed",
                row=int(rows.iloc[0]),
                column="own",
                value=brand,
                rows=", ".join(map(str, rows)),
                note="",
            )
    consistent = flags.all()
    owned = consistent[consistent].index.tolist()
    if not owned and flags.any().sum() == 0:
        problems.add("own_brand_missing", column="own", note=note)
    elif len(owned) > 1:
        problems.add("own_brand_several", column="own", value=sep.join(owned), note="")
    competitors = int((~flags.any()).sum())
    if competitors < MIN_COMPETITORS:
        problems.add("too_few_competitors", column="brand", count=competitors, minimum=MIN_COMPETITORS, note=note)
    rated, note = problems.readable(answer, "attribute")
    attributes = rated["attribute"].nunique()
    if attributes < MIN_ATTRIBUTES:
        problems.add("too_few_attributes", column="attribute", count=attributes, minimum=MIN_ATTRIBUTES, note=note)
    _pairs(answer, problems)
    no_discrimination(answer, "rating", problems)


def _pairs(answer: pd.DataFrame, problems: Problems) -> None:
    """Every brand rates every attribute exactly once: name each missing and each repeated pair."""
    named, note = problems.readable(answer, "brand", "attribute")
    rows = named.groupby(["brand", "attribute"], sort=True)[ROW].agg(list)
    for (brand, attribute), where in rows.items():
        if len(where) > 1:
            problems.add(
                "pair_repeated",
                row=where[1],
                column="attribute",
                brand=brand,
                attribute=attribute,
                rows=", ".join(map(str, where)),
                note="",
            )
    for brand in sorted(named["brand"].unique()):
        for attribute in sorted(named["attribute"].unique()):
            if (brand, attribute) not in rows.index:
                problems.add("pair_missing", column="rating", brand=brand, attribute=attribute, note=note)


EXERCISE = Exercise(
    id="2-3",
    slug="2-3_product_competitors",
    fields=(
        Field(
            "brand",
            "品牌",
            "brand",
            help_zh="本企业或一个竞争对手的品牌名,同一品牌每行写法一致",
            help_en="the company's own brand or a competitor's, spelt the same on every row",
        ),
        Field(
            "own",
            "是否本企业",
            "own brand",
            CHOICE,
            choices=OWN,
            help_zh="本企业的品牌填“是”,竞争对手填“否”",
            help_en="'yes' for the company's own brand, 'no' for a competitor",
        ),
        Field(
            "attribute",
            "产品属性",
            "attribute",
            help_zh="顾客比较的一个方面,如口味、价格、包装、健康、购买便利、服务;每个品牌都评同样的属性",
            help_en=(
                "one thing customers compare, e.g. taste, price, packaging, health, convenience, service;"
                " every brand rates the same ones"
            ),
        ),
        Field(
            "rating",
            "评分",
            "rating",
            INTEGER,
            low=1,
            high=5,
            help_zh="这个品牌在这方面做得怎么样:5 很好 … 1 很差",
            help_en="how good the brand is at it: 5 very good … 1 very poor",
            measure=RATING,
        ),
        Field(
            "note", "说明", "note", required=False, help_zh="评分的依据或具体表现", help_en="what the rating rests on"
        ),
    ),
    rules=_rules,
    min_rows=MIN_ATTRIBUTES * (MIN_COMPETITORS + 1),
)

# The worked example: 甜趣食品 against three made-up snack brands.
RATINGS = {  # attribute: (甜趣食品, 果仁家, 味小鲜, 脆乐坊)
    "口味": (4, 5, 4, 3),
    "价格实惠": (3, 2, 4, 5),
    "包装设计": (4, 4, 3, 2),
    "健康低糖": (3, 4, 2, 2),
    "购买便利": (5, 3, 4, 3),
    "服务体验": (4, 3, 3, 2),
}
BRANDS = ("甜趣食品", "果仁家", "味小鲜", "脆乐坊")
NOTES = {
    ("甜趣食品", "购买便利"): "门店、小程序、外卖平台和直播间都能买到",
    ("甜趣食品", "健康低糖"): "低糖系列只有 6 款,配料表不够醒目",
    ("甜趣食品", "服务体验"): "门店可试吃,会员积分全渠道通用",
    ("果仁家", "口味"): "坚果烘焙香,网上好评最多",
    ("果仁家", "价格实惠"): "定位中高端,礼盒价格偏高",
    ("果仁家", "健康低糖"): "主打每日坚果和无添加",
    ("味小鲜", "价格实惠"): "经常做满减和第二件半价",
    ("脆乐坊", "价格实惠"): "大包装量贩,单价最低",
    ("脆乐坊", "服务体验"): "只在商超销售,没有自己的客服",
}


def example() -> pd.DataFrame:
    rows = [
        (brand, "是" if brand == BRANDS[0] else "否", attribute, ratings[i], NOTES.get((brand, attribute), ""))
        for i, brand in enumerate(BRANDS)
        for attribute, ratings in RATINGS.items()
    ]
    return pd.DataFrame(rows, columns=[f.zh for f in EXERCISE.fields])


# --------------------------------------------------------------------------- analysis


def own_brand(answer: pd.DataFrame) -> str:
    """The brand marked as the company's own."""
    return str(answer.loc[answer["own"] == "yes", "brand"].iloc[0])


def ratings(answer: pd.DataFrame) -> pd.DataFrame:
    """brand, attribute, rating: the table :func:`custval.market.positioning_map` reads."""
    return answer[["brand", "attribute", "rating"]].astype({"rating": float}).reset_index(drop=True)


def positioning(answer: pd.DataFrame) -> pd.DataFrame | None:
    """The positioning map of :func:`custval.market.positioning_map`, or None when no attribute
    separates the brands (each attribute rated the same for every brand: there is nothing to map)."""
    table = ratings(answer)
    if table.groupby("attribute")["rating"].nunique().max() <= 1:
        return None
    return market.positioning_map(table)


def brand_scores(answer: pd.DataFrame) -> pd.DataFrame:
    """Mean rating per brand over all attributes, best first, with the own brand marked."""
    scores = answer.groupby("brand", sort=True).agg(rating=("rating", "mean"), own=("own", "first")).reset_index()
    scores = scores.sort_values(["rating", "brand"], ascending=[False, True], kind="stable").reset_index(drop=True)
    scores.insert(0, "rank", scores["rating"].rank(method="min", ascending=False).astype(int))
    return scores


def advantages(answer: pd.DataFrame, sep: str = "、") -> pd.DataFrame:
    """Per attribute: the own brand's rating, the best competitor(s) and the gap own − best.

    ``position`` is ``advantage`` (gap > 0), ``par`` (0) or ``behind`` (gap < 0); rows are sorted
    from the largest advantage to the largest gap. Tied best competitors are named together.
    """
    own = answer["own"] == "yes"
    mine = answer[own].set_index("attribute")["rating"].astype(float)
    rivals = answer[~own]
    rows = []
    for attribute, part in rivals.groupby("attribute", sort=True):
        best = float(part["rating"].max())
        leaders = sorted(part.loc[part["rating"] == best, "brand"].astype(str))
        gap = float(mine[attribute]) - best
        position = "advantage" if gap > 0 else "par" if gap == 0 else "behind"
        rows.append(
            {
                "attribute": attribute,
                "own_rating": float(mine[attribute]),
                "best_competitor": sep.join(leaders),
                "competitor_rating": best,
                "gap": gap,
                "position": position,
            }
        )
    columns = ["attribute", "own_rating", "best_competitor", "competitor_rating", "gap", "position"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["gap", "attribute"], ascending=[False, True], kind="stable").reset_index(drop=True)
