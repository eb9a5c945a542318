"""The data contract: every input table, its columns, their kinds and common header aliases.

A column's kind decides how the readers parse it:
``id`` text identifiers (leading zeros kept, Excel's ``123.0`` turned back into ``123``),
``text`` free text, ``date`` calendar dates, ``number`` decimal numbers.
Required columns must be present (after mapping) and non-empty in every used row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ID, TEXT, DATE, NUMBER = "id", "text", "date", "number"


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: dict[str, str]
    required: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # (column, low, high): values outside the closed range reject the row.
    ranges: tuple[tuple[str, float, float], ...] = ()

    def kind(self, column: str) -> str | None:
        return self.columns.get(column)


TRANSACTIONS = TableSpec(
    name="transactions",
    columns={
        "customer_id": ID,
        "order_date": DATE,
        "amount": NUMBER,
        "order_id": ID,
        "quantity": NUMBER,
        "cost": NUMBER,
        "profit": NUMBER,
        "region": TEXT,
        "product_category": TEXT,
        "product": TEXT,
        "channel": TEXT,
        "salesperson_id": ID,
        "invoice_date": DATE,
        "due_date": DATE,
        "paid_date": DATE,
    },
    required=("customer_id", "order_date", "amount"),
    aliases={
        "customer_id": ("客户编号", "客户id", "客户ID", "客户代码", "会员编号", "会员号", "customer", "cust_id"),
        "order_date": ("下单日期", "订单日期", "交易日期", "日期", "date", "orderdate"),
        "amount": ("金额", "订单金额", "交易金额", "销售额", "销售金额", "sales", "value"),
        "order_id": ("订单编号", "订单号", "单号"),
        "quantity": ("数量", "销量", "qty"),
        "cost": ("成本", "成本金额"),
        "profit": ("利润", "毛利", "毛利润"),
        "region": ("地区", "区域", "大区"),
        "product_category": ("产品类别", "品类", "商品类别", "category"),
        "product": ("产品", "商品", "产品名称", "商品名称"),
        "channel": ("渠道", "销售渠道"),
        "salesperson_id": ("销售员", "销售员编号", "业务员", "业务员编号", "销售代表"),
        "invoice_date": ("开票日期", "发票日期"),
        "due_date": ("到期日", "应收日期", "付款期限"),
        "paid_date": ("付款日期", "回款日期", "收款日期"),
    },
)

CUSTOMERS = TableSpec(
    name="customers",
    columns={
        "customer_id": ID,
        "name": TEXT,
        "customer_type": TEXT,
        "gender": TEXT,
        "birth_year": NUMBER,
        "age": NUMBER,
        "region": TEXT,
        "city": TEXT,
        "income_band": TEXT,
        "occupation": TEXT,
        "industry": TEXT,
        "company_size": TEXT,
        "need_type": TEXT,
        "preference": TEXT,
        "acquired_on": DATE,
        "acquisition_channel": TEXT,
        "acquisition_cost": NUMBER,
        "owner_id": ID,
        "referred_by": ID,
    },
    required=("customer_id",),
    aliases={
        "customer_id": ("客户编号", "客户id", "客户ID", "客户代码", "会员编号", "会员号"),
        "name": ("客户名称", "客户姓名", "姓名", "名称"),
        "customer_type": ("客户类型", "类型"),
        "gender": ("性别",),
        "birth_year": ("出生年份",),
        "age": ("年龄",),
        "region": ("地区", "区域", "大区"),
        "city": ("城市",),
        "income_band": ("收入", "收入水平", "收入段"),
        "occupation": ("职业",),
        "industry": ("行业",),
        "company_size": ("企业规模", "规模"),
        "need_type": ("需求类型",),
        "preference": ("偏好",),
        "acquired_on": ("获客日期", "注册日期", "开户日期"),
        "acquisition_channel": ("获客渠道", "来源渠道"),
        "acquisition_cost": ("获客成本",),
        "owner_id": ("负责人", "客户经理", "归属销售"),
        "referred_by": ("推荐人",),
    },
)

SURVEY = TableSpec(
    name="survey",
    columns={
        "respondent_id": ID,
        "dimension": TEXT,
        "importance": NUMBER,
        "performance": NUMBER,
        "expectation": NUMBER,
        "customer_id": ID,
        "wave": TEXT,
        "brand": TEXT,
        "overall_satisfaction": NUMBER,
        "switch_intent": NUMBER,
    },
    required=("respondent_id", "dimension"),
    aliases={
        "respondent_id": ("受访者编号", "问卷编号", "样本编号"),
        "dimension": ("维度", "价值维度", "服务需求"),
        "importance": ("重要性",),
        "performance": ("表现", "绩效", "满意程度"),
        "expectation": ("期望",),
        "customer_id": ("客户编号",),
        "wave": ("调查批次", "批次", "轮次"),
        "brand": ("品牌",),
        "overall_satisfaction": ("总体满意度",),
        "switch_intent": ("转换意向", "流失意向"),
    },
)

# Wide survey files carry one column per measure and dimension, "<measure>:<dimension>".
SURVEY_MEASURES = {
    "importance": ("importance", "重要性"),
    "performance": ("performance", "表现", "绩效"),
    "expectation": ("expectation", "期望"),
}

KANO = TableSpec(
    name="kano",
    columns={"respondent_id": ID, "feature": TEXT, "functional": NUMBER, "dysfunctional": NUMBER},
    required=("respondent_id", "feature", "functional", "dysfunctional"),
    aliases={
        "respondent_id": ("受访者编号", "问卷编号"),
        "feature": ("功能", "特性", "属性"),
        "functional": ("正向", "正向问题", "具备时"),
        "dysfunctional": ("反向", "反向问题", "不具备时"),
    },
    ranges=(("functional", 1, 5), ("dysfunctional", 1, 5)),
)

# The firm's own ranking of the survey's needs (1 = most important), to set against the customers'.
FIRM_RANKING = TableSpec(
    name="firm_ranking",
    columns={"dimension": TEXT, "rank": NUMBER, "ranker": TEXT},
    required=("dimension", "rank"),
    aliases={
        "dimension": ("需求", "服务需求", "维度", "价值维度", "need"),
        "rank": ("企业排序", "排序", "名次", "排名"),
        "ranker": ("排序人", "填写人"),
    },
    ranges=(("rank", 1, float("inf")),),
)

MARKET = TableSpec(
    name="market",
    columns={
        "period": TEXT,
        "region": TEXT,
        "product_category": TEXT,
        "market_sales": NUMBER,
        "competitor": TEXT,
        "competitor_sales": NUMBER,
    },
    required=("period",),
    aliases={
        "period": ("期间", "时期", "季度"),
        "region": ("地区", "区域"),
        "product_category": ("产品类别", "品类"),
        "market_sales": ("市场销售额", "市场规模"),
        "competitor": ("竞争对手", "竞品"),
        "competitor_sales": ("竞争对手销售额", "竞品销售额"),
    },
)

POSITIONING = TableSpec(
    name="positioning",
    columns={"brand": TEXT, "attribute": TEXT, "rating": NUMBER, "respondent_id": ID},
    required=("brand", "attribute", "rating"),
    aliases={"brand": ("品牌",), "attribute": ("属性",), "rating": ("评分",)},
)

FACTORS = TableSpec(
    name="factors",
    columns={
        "factor": TEXT,
        "kind": TEXT,
        "framework": TEXT,
        "weight": NUMBER,
        "rating": NUMBER,
        "impact": NUMBER,
        "probability": NUMBER,
        "direction": TEXT,
        "note": TEXT,
    },
    required=("factor", "kind"),
    aliases={
        "factor": ("因素", "因子"),
        "kind": ("类型", "类别"),
        "framework": ("框架",),
        "weight": ("权重",),
        "rating": ("评分",),
        "impact": ("影响程度",),
        "probability": ("可能性", "变化概率"),
        "direction": ("方向",),
        "note": ("说明", "备注"),
    },
)

# Canonical factor kinds and the spellings users write for them.
FACTOR_KINDS = {
    "political": ("political", "政治", "p"),
    "economic": ("economic", "经济", "e"),
    "social": ("social", "社会"),
    "technological": ("technological", "技术"),
    "strength": ("strength", "优势"),
    "weakness": ("weakness", "劣势", "w"),
    "opportunity": ("opportunity", "机会", "o"),
    "threat": ("threat", "威胁"),
}
# Letters whose meaning depends on the framework column.
FACTOR_LETTERS = {
    "pest": {"p": "political", "e": "economic", "s": "social", "t": "technological"},
    "swot": {"s": "strength", "w": "weakness", "o": "opportunity", "t": "threat"},
}

SALESPEOPLE = TableSpec(
    name="salespeople",
    columns={
        "salesperson_id": ID,
        "name": TEXT,
        "region": TEXT,
        "industries": TEXT,
        "experience_years": NUMBER,
        "capacity": NUMBER,
        "selling_expense": NUMBER,
    },
    required=("salesperson_id",),
    aliases={
        "salesperson_id": ("销售员编号", "业务员编号", "工号"),
        "name": ("姓名",),
        "region": ("地区", "区域"),
        "industries": ("擅长行业", "行业"),
        "experience_years": ("从业年限", "工作年限"),
        "capacity": ("工时", "可用工时", "容量"),
        "selling_expense": ("销售费用", "年销售费用", "营销费用"),
    },
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (TRANSACTIONS, CUSTOMERS, SURVEY, KANO, FIRM_RANKING, MARKET, POSITIONING, FACTORS, SALESPEOPLE)
}
