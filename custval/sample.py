"""Synthetic, fictional sample data: a distributor's customers, orders, surveys and market.

A distributor of office products sells to individuals (个人) and enterprises (企业) in seven
regions of China. Every table of the data contract is generated from seeded numpy generators, so
the same arguments give byte-identical files. The structure an analysis should find is planted on
purpose and recorded in ``Sample.truth``: four customer archetypes with their own BG/NBD and
Gamma-Gamma processes, regions growing at different rates, categories with very different
margins, late-paying enterprises, survey drivers of satisfaction, Kano categories, competitor
profiles and a handful of data problems in the CSV export.

All names (people, companies, brands) are invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from custval.outputs import write_csv
from custval.schema import TABLES

REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")
CATEGORIES = ("电子设备", "办公用品", "办公家具", "打印耗材", "软件与服务")
CHANNELS = ("门店", "电话", "网络")
BRANDS = ("本公司", "华信商贸", "联拓供应链")
POSITIONING_BRANDS = BRANDS + ("速达电商",)
CUSTOMER_TYPES = ("个人", "企业")

SERVICE_NEEDS = (
    ("合理的价格", "reasonable price"),
    ("优质的礼貌", "genuine courtesy"),
    ("舒适的环境", "comfortable surroundings"),
    ("令人感觉愉快的环境", "pleasant atmosphere"),
    ("温馨的感觉", "a feeling of warmth"),
    ("可以让顾客成长的事物", "things that help the customer grow"),
    ("让顾客得到满意", "leaving the customer satisfied"),
    ("方便", "convenience"),
    ("提供全面的售后服务", "full after-sales service"),
    ("认识并热情服务", "being recognised and served warmly"),
    ("高品质的吸引力", "the appeal of high quality"),
    ("兴趣", "interest"),
    ("提供多种选择", "a wide choice"),
    ("站在顾客角度处理问题", "handling problems from the customer's side"),
    ("没有刁难顾客的制度", "no rules that make things hard for customers"),
    ("倾听", "being listened to"),
    ("全面处理个别顾客的问题", "thorough handling of an individual's problem"),
    ("放心", "peace of mind"),
    ("显示自我尊严", "a sense of dignity"),
    ("认同感", "a sense of belonging"),
    ("受到重视", "feeling valued"),
    ("有迅速处理顾客问题的渠道", "a quick channel for resolving problems"),
    ("不用等待太久", "no long waits"),
    ("专业的服务人员", "professional staff"),
    ("拥有一致的待客态度", "a consistent attitude towards customers"),
    ("理解顾客期望的层次", "understanding the levels of customer expectations"),
)

VALUE_ITEMS = (
    ("产品价值", "product value"),
    ("服务价值", "service value"),
    ("人员价值", "personnel value"),
    ("形象价值", "image value"),
    ("货币成本", "monetary cost"),
    ("时间成本", "time cost"),
    ("体力成本", "physical (energy) cost"),
    ("精神成本", "psychic cost"),
)
VALUE_ITEM_KIND = {zh: ("value" if i < 4 else "cost") for i, (zh, _) in enumerate(VALUE_ITEMS)}

KANO_FEATURES = (
    ("送货上门", "M"),
    ("发票准确及时", "M"),
    ("在线订单跟踪", "O"),
    ("延长保修", "O"),
    ("专属客户经理", "A"),
    ("当日达配送", "A"),
    ("会员积分", "I"),
    ("节日问候短信", "I"),
)

POSITIONING_ATTRIBUTES = ("价格", "质量", "服务", "交付速度", "品牌形象", "产品种类")

ACQUISITION_CHANNELS = ("门店到访", "网络推广", "电话营销", "展会", "推荐")

PLANTED_PROBLEM_KINDS = ("return", "zero_amount", "duplicate", "impossible_date", "empty_customer_id")

# CSV headers of the two tables exported the way an Excel user would see them.
CSV_HEADERS = {
    "transactions": {
        "order_id": "订单编号",
        "customer_id": "客户编号",
        "order_date": "下单日期",
        "product_category": "产品类别",
        "product": "产品",
        "quantity": "数量",
        "amount": "金额",
        "cost": "成本",
        "region": "地区",
        "channel": "渠道",
        "salesperson_id": "销售员",
        "invoice_date": "开票日期",
        "due_date": "到期日",
        "paid_date": "付款日期",
    },
    "customers": {
        "customer_id": "客户编号",
        "name": "客户名称",
        "customer_type": "客户类型",
        "gender": "性别",
        "birth_year": "出生年份",
        "region": "地区",
        "city": "城市",
        "income_band": "收入水平",
        "occupation": "职业",
        "industry": "行业",
        "company_size": "企业规模",
        "need_type": "需求类型",
        "preference": "偏好",
        "acquired_on": "获客日期",
        "acquisition_channel": "获客渠道",
        "acquisition_cost": "获客成本",
        "owner_id": "客户经理",
        "referred_by": "推荐人",
    },
}


@dataclass(frozen=True)
class Archetype:
    """One planted customer group: its BG/NBD and Gamma-Gamma parameters (time unit: days)."""

    key: str
    label: str
    customer_type: str
    share: float
    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    gamma: float

    @property
    def mean_order_value(self) -> float:
        """Gamma-Gamma mean spend per order, p·γ/(q−1)."""
        return self.p * self.gamma / (self.q - 1)

    def as_dict(self) -> dict:
        """Plain parameters for ``truth``."""
        return {
            "label": self.label,
            "customer_type": self.customer_type,
            "share": self.share,
            "bgnbd": {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b},
            "gamma_gamma": {"p": self.p, "q": self.q, "gamma": self.gamma},
            "mean_order_value": self.mean_order_value,
        }


ARCHETYPES = (
    Archetype("occasional_individual", "偶购个人", "个人", 0.46, 1.2, 640.0, 1.5, 2.0, 3.0, 10.0, 900.0),
    Archetype("frequent_individual", "常购个人", "个人", 0.26, 6.0, 295.0, 1.2, 30.0, 4.0, 10.0, 2250.0),
    Archetype("small_enterprise", "小型企业客户", "企业", 0.20, 6.0, 295.0, 1.0, 12.0, 3.5, 10.0, 6430.0),
    Archetype("key_enterprise", "重点企业客户", "企业", 0.08, 6.0, 117.0, 0.8, 22.0, 5.0, 10.0, 36000.0),
)

# Region: relative acquisition intensity at the start, and annual growth of market and intake.
REGION_BASE = np.array([0.26, 0.18, 0.16, 0.13, 0.11, 0.07, 0.09])
REGION_GROWTH = np.array([0.40, 0.15, 0.00, 0.10, 0.30, -0.15, -0.30])
CITIES = (
    ("上海", "杭州", "南京", "苏州", "合肥"),
    ("广州", "深圳", "厦门", "南宁"),
    ("北京", "天津", "石家庄", "太原"),
    ("武汉", "长沙", "郑州", "南昌"),
    ("成都", "重庆", "昆明", "贵阳"),
    ("西安", "兰州", "银川"),
    ("沈阳", "大连", "长春", "哈尔滨"),
)

# Category: gross margin, annual market growth, order share for individuals and enterprises.
CATEGORY_MARGIN = np.array([0.05, 0.22, 0.15, 0.35, 0.48])
CATEGORY_GROWTH = np.array([0.00, -0.05, 0.02, -0.08, 0.30])
CATEGORY_MIX = np.array([[0.30, 0.32, 0.08, 0.24, 0.06], [0.40, 0.18, 0.16, 0.14, 0.12]])
PRODUCTS = (
    (("鼠标键盘套装", 120.0), ("显示器", 1100.0), ("打印机", 1900.0), ("笔记本电脑", 5200.0)),
    (("签字笔(盒)", 25.0), ("打印纸(箱)", 160.0), ("文件收纳套装", 240.0), ("白板", 520.0)),
    (("办公椅", 480.0), ("文件柜", 850.0), ("办公桌", 1300.0), ("会议桌", 3600.0)),
    (("色带", 45.0), ("墨盒", 130.0), ("硒鼓", 320.0), ("碳粉(箱)", 900.0)),
    (("上门维修", 300.0), ("云存储年费", 900.0), ("办公软件授权", 1600.0), ("设备维保合同", 6800.0)),
)

# Channel mix per customer type (rows 个人, 企业), columns in CHANNELS order.
CHANNEL_MIX = np.array([[0.45, 0.10, 0.45], [0.15, 0.50, 0.35]])

SALESPEOPLE = (
    ("S01", "陈思远", "华东", ("制造业", "信息技术"), 12, 160),
    ("S02", "林晓梅", "华东", ("零售业", "金融"), 7, 168),
    ("S03", "周浩然", "华东", ("教育", "医疗"), 3, 168),
    ("S04", "黄嘉怡", "华南", ("制造业", "物流"), 9, 160),
    ("S05", "吴俊杰", "华南", ("零售业", "信息技术"), 4, 168),
    ("S06", "赵文博", "华北", ("金融", "建筑"), 15, 152),
    ("S07", "孙雅琪", "华北", ("教育", "信息技术"), 6, 168),
    ("S08", "李明轩", "华中", ("制造业", "建筑"), 8, 160),
    ("S09", "何静", "华中", ("医疗", "零售业"), 2, 168),
    ("S10", "杨志强", "西南", ("制造业", "零售业", "教育"), 11, 160),
    ("S11", "马丽娜", "西北", ("建筑", "医疗", "物流"), 10, 152),
    ("S12", "刘国栋", "东北", ("制造业", "金融", "物流"), 14, 144),
)
INDUSTRIES = ("制造业", "零售业", "教育", "医疗", "金融", "信息技术", "物流", "建筑")
INDUSTRY_WORDS = ("制造", "商贸", "教育科技", "医疗器械", "投资", "信息技术", "物流", "建设工程")

SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
GIVEN_CHARS = tuple("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉晨宇欣怡浩然")
COMPANY_WORDS = tuple(
    ("恒达", "鼎盛", "华美", "瑞丰", "金桥", "远航", "新元", "博雅", "天成", "宏图", "启明", "嘉禾", "永信", "中和")
)
INCOME_BANDS = ("3000以下", "3000-6000", "6000-10000", "10000-20000", "20000以上")
OCCUPATIONS = ("企业职员", "公务员", "教师", "个体经营", "自由职业", "学生", "退休")
COMPANY_SIZES = ("小型", "中型", "大型")
NEED_TYPES = ("个人使用", "日常补货", "办公升级", "项目采购", "礼品采购")
PREFERENCES = ("价格优先", "品质优先", "服务优先", "便利优先", "品牌优先")

# Survey: base importance per dimension (26 needs then 8 value items), own performance, changes.
IMPORTANCE = np.array(
    [6.0, 5.2, 4.6, 4.4, 4.2, 3.8, 5.6, 5.5, 5.8, 4.6, 5.6, 3.6, 5.0, 5.3, 4.9, 4.8, 4.7, 5.4,
     3.9, 4.0, 4.6, 5.0, 4.8, 5.6, 4.9, 4.5, 6.0, 5.5, 4.8, 4.2, 5.8, 4.9, 4.0, 4.4]
)
OWN_PERFORMANCE = np.array(
    [4.4, 5.6, 5.0, 4.9, 5.0, 4.3, 5.2, 5.3, 5.6, 5.2, 5.1, 4.5, 4.8, 5.2, 4.9, 5.1, 4.9, 5.3,
     4.8, 4.6, 5.0, 4.0, 3.6, 5.8, 5.1, 4.7, 5.2, 5.6, 5.4, 4.8, 4.6, 3.4, 3.0, 2.8]
)
SATISFACTION_DRIVERS = {"合理的价格": 0.55, "提供全面的售后服务": 0.45, "有迅速处理顾客问题的渠道": 0.40,
                        "专业的服务人员": 0.35}
RISING_DIMENSIONS = ("有迅速处理顾客问题的渠道", "不用等待太久")
FADING_DIMENSIONS = ("舒适的环境", "令人感觉愉快的环境")
WAVE_SHIFT = 1.0
# Competitor offsets on performance, by dimension (all others 0).
BRAND_OFFSETS = {
    "华信商贸": {"合理的价格": 1.2, "优质的礼貌": -0.8, "提供全面的售后服务": -0.8, "认识并热情服务": -0.8,
             "站在顾客角度处理问题": -0.8, "倾听": -0.8, "全面处理个别顾客的问题": -0.8, "受到重视": -0.8,
             "专业的服务人员": -0.8, "舒适的环境": -0.5, "令人感觉愉快的环境": -0.5,
             "产品价值": -0.6, "服务价值": -1.6, "人员价值": -1.4, "形象价值": -0.8, "货币成本": -1.0,
             "时间成本": 0.8, "体力成本": 1.0, "精神成本": 1.0},
    "联拓供应链": {"合理的价格": -0.8, "高品质的吸引力": 0.6, "舒适的环境": 0.6, "令人感觉愉快的环境": 0.6,
              "温馨的感觉": 0.6, "不用等待太久": 0.8, "有迅速处理顾客问题的渠道": 0.6,
              "产品价值": 0.4, "服务价值": -0.6, "人员价值": -0.4, "形象价值": 1.0, "货币成本": 1.0,
              "时间成本": 0.2, "体力成本": 0.2, "精神成本": 0.2},
}
SURVEY_RESPONDENTS = 300
SURVEY_BRAND_SHARE = (0.6, 0.2, 0.2)
# Respondents who left the importance of the cost items blank: of all four, or of one to three.
SKIPPED_COST_IMPORTANCE = {"all": 5, "some": 8}
# The firm's own ranking of the 26 needs (most important first), as its managers filled in the sheet:
# near its customers' view but for four planted disagreements — it overrates the surroundings and
# underrates quick problem handling and short waits (whose importance rises in wave 2).
FIRM_RANKING = (
    "合理的价格", "高品质的吸引力", "舒适的环境", "提供全面的售后服务", "令人感觉愉快的环境", "提供多种选择",
    "专业的服务人员", "让顾客得到满意", "优质的礼貌", "方便", "放心", "站在顾客角度处理问题", "拥有一致的待客态度",
    "认识并热情服务", "没有刁难顾客的制度", "温馨的感觉", "全面处理个别顾客的问题", "受到重视",
    "有迅速处理顾客问题的渠道", "理解顾客期望的层次", "不用等待太久", "倾听", "认同感", "显示自我尊严", "兴趣",
    "可以让顾客成长的事物",
)
FIRM_DISAGREEMENTS = ("舒适的环境", "令人感觉愉快的环境", "有迅速处理顾客问题的渠道", "不用等待太久")
POSITIONING_RESPONDENTS = 200
POSITIONING_PROFILES = np.array(
    [[4.3, 5.4, 6.0, 4.8, 4.9, 4.6],
     [5.9, 4.0, 3.8, 4.4, 3.9, 4.8],
     [3.4, 6.0, 5.0, 4.6, 6.1, 4.2],
     [5.2, 4.5, 3.5, 6.2, 4.4, 6.0]]
)

# SWOT rows: (factor, kind, weight, rating, note); weights are exact decimals.
SWOT_FACTORS = (
    ("客户经理服务专业、响应快", "S", "0.20", 4, "客户满意度调查中专业服务得分最高"),
    ("华东、华南网点密集", "S", "0.15", 4, ""),
    ("重点企业客户关系稳定", "S", "0.10", 3, ""),
    ("软件与服务毛利率高", "S", "0.08", 3, ""),
    ("电子设备毛利率低", "W", "0.15", 1, "销售额最大的品类，毛利率仅约5%"),
    ("线上渠道体验落后", "W", "0.14", 1, ""),
    ("东北、西北新客户减少", "W", "0.10", 2, ""),
    ("应收账款回收慢", "W", "0.08", 2, "部分企业客户长期逾期付款"),
    ("中小企业数字化采购需求增长", "O", "0.15", 3, ""),
    ("软件与服务市场快速增长", "O", "0.14", 2, ""),
    ("中西部地区政策支持", "O", "0.10", 2, ""),
    ("企业集中采购外包趋势", "O", "0.09", 3, ""),
    ("以旧换新补贴政策", "O", "0.07", 2, ""),
    ("电商平台价格竞争", "T", "0.15", 2, ""),
    ("华信商贸低价扩张", "T", "0.12", 2, "主要竞争对手在电子设备品类降价"),
    ("上游厂商直销", "T", "0.08", 1, ""),
    ("客户IT预算收缩", "T", "0.06", 3, ""),
    ("物流成本上升", "T", "0.04", 3, ""),
)
# PEST rows: (factor, kind, impact 1–3, probability 1–5, direction, note).
PEST_FACTORS = (
    ("政府采购向中小企业倾斜", "P", 3, 4, "+", ""),
    ("数据安全与个人信息保护法规趋严", "P", 2, 4, "-", "影响客户资料的收集和使用"),
    ("区域协调发展政策支持中西部", "P", 2, 3, "+", ""),
    ("企业IT预算增速放缓", "E", 3, 3, "-", ""),
    ("居民可支配收入稳步增长", "E", 2, 4, "+", ""),
    ("原材料与物流成本上升", "E", 2, 3, "-", ""),
    ("远程与混合办公普及", "S", 2, 4, "+", ""),
    ("客户更重视服务体验", "S", 3, 4, "+", ""),
    ("东北人口外流", "S", 1, 3, "-", ""),
    ("电商平台冲击传统渠道", "T", 3, 5, "-", ""),
    ("云服务与SaaS普及", "T", 3, 4, "+", ""),
    ("智能仓储与配送技术成熟", "T", 1, 3, "+", ""),
)

# Market: own share by region, scaled by category; seasonal factors by quarter.
REGION_SHARE = np.array([0.22, 0.18, 0.14, 0.20, 0.12, 0.10, 0.16])
CATEGORY_SHARE_FACTOR = np.array([0.8, 1.3, 1.0, 1.2, 0.7])
SEASON = np.array([0.92, 1.0, 0.96, 1.12])
# Where the two competitors are strong: extra share by category and by region.
RIVAL_CATEGORY_LEAD = np.array([[0.12, 0, 0, 0, 0], [0, 0, 0.10, 0, 0.10]])
RIVAL_REGION_LEAD = np.array([[0, 0.08, 0, 0, 0.08, 0.02, 0], [0, 0, 0.08, 0, 0, 0, 0.10]])
FACTOR_COLUMNS = [
    "factor", "framework", "kind", "weight", "rating", "impact", "probability", "direction", "note"]
_NULL_TEXT = pa.scalar(None, pa.string())

RETURN_SHARE = 0.01
DUPLICATES = 10
IMPOSSIBLE_DATES = 2
EMPTY_CUSTOMER_IDS = 1
CHRONIC_LATE_SHARE = 0.2
# Yearly selling expense per salesperson (元): base pay, pay per year of experience, commission on
# the salesperson's yearly sales, and travel and entertainment (lognormal around the median).
SELLING_BASE_PAY = 60_000.0
SELLING_PAY_PER_YEAR = 6_000.0
SELLING_COMMISSION = 0.02
SELLING_TRAVEL_MEDIAN = 40_000.0

# Independent random streams, so that changing one table never changes another.
_STREAMS = {"customers": 1, "purchases": 2, "lines": 3, "settlement": 4, "survey": 5, "kano": 6,
            "market": 7, "positioning": 8, "problems": 9, "salespeople": 10}


@dataclass
class Sample:
    """Generated tables (clean, contract column names and dtypes) and what was planted in them.

    ``truth`` keys: ``archetypes`` (BG/NBD r, alpha, a, b and Gamma-Gamma p, q, gamma per
    archetype, time unit days), ``customers`` (per customer: archetype, λ, p, ν, alive at the end,
    payment habits), ``region_growth``, ``category_margin``, ``category_growth``, ``settlement``,
    ``survey`` (drivers, rising and fading dimensions, means), ``kano``, ``market`` (shares),
    ``positioning``, ``factors`` (EFE/IFE totals) and ``planted_problems`` (CSV only, with counts).
    """

    tables: dict[str, pd.DataFrame]
    truth: dict
    csv_problems: dict = field(default_factory=dict, repr=False)

    def frames(self, fmt: str = "csv") -> dict[str, pd.DataFrame]:
        """The tables as they are written: CSV gets Chinese headers, text dates and the problems."""
        if fmt == "parquet":
            return dict(self.tables)
        if fmt != "csv":
            raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
        out = {name: _csv_text(frame) for name, frame in self.tables.items()}
        out["transactions"] = _messy_transactions(self.tables["transactions"], self.csv_problems)
        for name, headers in CSV_HEADERS.items():
            out[name] = out[name].rename(columns=headers)
        return out


def generate(customers: int = 2000, years: int = 3, seed: int = 0, start: str = "2022-01-01") -> Sample:
    """Generate every table and the truth behind them; pure, no file I/O."""
    if customers < 20:
        raise ValueError("customers must be at least 20")
    cal = _calendar(start, years)
    cust = _draw_customers(_rng(seed, "customers"), customers, cal)
    purchases = _draw_purchases(_rng(seed, "purchases"), cust, cal)
    lines = _order_lines(_rng(seed, "lines"), cust, purchases, cal)
    lines.update(_settlement(_rng(seed, "settlement"), cust, purchases["customer"], purchases["day"], cal))
    transactions = _transactions_frame(cust, purchases, lines, cal)
    survey, survey_truth = _survey(_rng(seed, "survey"), cust, cal)
    wave_two = _ids("R", np.arange(SURVEY_RESPONDENTS + 1, 2 * SURVEY_RESPONDENTS + 1), 4)
    market, market_truth = _market(_rng(seed, "market"), cust, purchases, lines, cal)
    problems, problems_truth = _plan_problems(_rng(seed, "problems"), transactions, cal)
    tables = {
        "transactions": transactions,
        "customers": _customers_frame(cust, cal),
        "survey": survey,
        "kano": _kano(_rng(seed, "kano"), wave_two),
        "firm_ranking": _firm_ranking(),
        "market": market,
        "positioning": _positioning(_rng(seed, "positioning")),
        "factors": _factors(),
        "salespeople": _salespeople(_rng(seed, "salespeople"), cust, purchases, lines, cal),
    }
    truth = {
        "arguments": {"customers": customers, "years": years, "seed": seed, "start": start},
        "period": {"start": str(cal["start"]), "end": str(cal["end"]), "days": cal["days"]},
        "time_unit": "D",
        "archetypes": {a.key: a.as_dict() for a in ARCHETYPES},
        "customers": _customer_truth(cust, purchases),
        "region_growth": dict(zip(REGIONS, REGION_GROWTH.tolist())),
        "category_margin": dict(zip(CATEGORIES, CATEGORY_MARGIN.tolist())),
        "category_growth": dict(zip(CATEGORIES, CATEGORY_GROWTH.tolist())),
        "settlement": {"terms_days": (30, 60), "chronic_late_share": CHRONIC_LATE_SHARE,
                       "chronic_late_payers": int(cust["chronic_late"].sum()),
                       "open_invoices": int((lines["paid"] < 0).sum())},
        "survey": survey_truth,
        "kano": dict(KANO_FEATURES),
        "firm_ranking": {"ranking": list(FIRM_RANKING), "disagreements": list(FIRM_DISAGREEMENTS)},
        "market": market_truth,
        "positioning": {b: dict(zip(POSITIONING_ATTRIBUTES, row.tolist()))
                        for b, row in zip(POSITIONING_BRANDS, POSITIONING_PROFILES)},
        "factors": _factor_scores(),
        "planted_problems": problems_truth,
    }
    return Sample(tables=tables, truth=truth, csv_problems=problems)


def write_sample(out, *, customers: int = 2000, years: int = 3, seed: int = 0, fmt: str = "csv",
                 start: str = "2022-01-01") -> dict[str, Path]:
    """Write every table to ``out/<table>.<fmt>`` (byte-identical for equal arguments)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = generate(customers=customers, years=years, seed=seed, start=start).frames(fmt)
    paths = {}
    for name in TABLES:
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            write_csv(frames[name], path, encoding="utf-8", float_format="%.2f")
        else:
            table = pa.Table.from_pandas(frames[name], preserve_index=False)
            pq.write_table(table, path, compression="zstd")
        paths[name] = path
    return paths


# --- customers and purchases -------------------------------------------------------------


def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per table, derived from the user's seed."""
    return np.random.default_rng([seed, _STREAMS[stream]])


def _calendar(start: str, years: int) -> dict:
    """The observation window: first day, last day and its length in days."""
    first = np.datetime64(pd.Timestamp(start).date(), "D")
    end = pd.Timestamp(start) + pd.DateOffset(years=years) - pd.Timedelta(days=1)
    last = np.datetime64(end.date(), "D")
    return {"start": first, "end": last, "days": int((last - first).astype(int)) + 1, "years": years}


def _draw(rng: np.random.Generator, probs, size: int) -> np.ndarray:
    """``size`` categorical draws from one distribution."""
    cum = np.cumsum(probs, dtype=float)
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(cum) - 1)


def _draw_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One categorical draw per element of ``rows`` from the distribution ``table[row]``."""
    cum = np.cumsum(table, axis=1, dtype=float)
    cum /= np.where(cum[:, -1:] > 0, cum[:, -1:], 1.0)
    u = rng.random(len(rows))
    out = np.zeros(len(rows), dtype=np.int64)
    for k in np.unique(rows):
        mask = rows == k
        out[mask] = np.searchsorted(cum[k], u[mask], side="right")
    return np.minimum(out, table.shape[1] - 1)


def _acquisition_days(rng: np.random.Generator, region: np.ndarray, cal: dict) -> np.ndarray:
    """Acquisition times (days, continuous) with intake in each region growing at its own rate."""
    rate = np.log1p(REGION_GROWTH)[region]
    u = rng.random(len(region))
    years = cal["years"]
    flat = np.abs(rate) < 1e-12
    safe = np.where(flat, 1.0, rate)
    t = np.where(flat, u * years, np.log1p(u * np.expm1(safe * years)) / safe)
    return np.minimum(t / years * cal["days"], np.nextafter(cal["days"], 0))


def _region_weights(years: int) -> np.ndarray:
    """Share of all customers acquired in each region over the whole window."""
    rate = np.log1p(REGION_GROWTH)
    flat = np.abs(rate) < 1e-12
    mass = np.where(flat, years, np.expm1(rate * years) / np.where(flat, 1.0, rate))
    return REGION_BASE * mass


def _draw_customers(rng: np.random.Generator, n: int, cal: dict) -> dict:
    """Archetype, region, acquisition and latent purchase traits, sorted by acquisition time."""
    arch = _draw(rng, [a.share for a in ARCHETYPES], n)
    region = _draw(rng, _region_weights(cal["years"]), n)
    acq = _acquisition_days(rng, region, cal)
    order = np.argsort(acq, kind="stable")
    arch, region, acq = arch[order], region[order], acq[order]
    params = np.array([[a.r, a.alpha, a.a, a.b, a.p, a.q, a.gamma] for a in ARCHETYPES])[arch]
    cust = {
        "n": n,
        "arch": arch,
        "ctype": np.array([CUSTOMER_TYPES.index(a.customer_type) for a in ARCHETYPES])[arch],
        "region": region,
        "acq": acq,
        "first_day": np.floor(acq).astype(np.int64),
        "lam": rng.gamma(params[:, 0], 1.0 / params[:, 1]),
        "p_drop": np.clip(rng.beta(params[:, 2], params[:, 3]), 1e-12, 1.0),
        "gg_p": params[:, 4],
        "nu": rng.gamma(params[:, 5], 1.0 / params[:, 6]),
    }
    cust.update(_profile(rng, cust))
    cust.update(_acquisition(rng, cust))
    cust.update(_ownership(rng, cust))
    cust.update(_payment_habits(rng, cust))
    return cust


def _profile(rng: np.random.Generator, cust: dict) -> dict:
    """Demographic and firmographic attributes that depend on the archetype."""
    n, arch, region = cust["n"], cust["arch"], cust["region"]
    income = np.array([[0.20, 0.30, 0.28, 0.15, 0.07], [0.05, 0.15, 0.30, 0.32, 0.18],
                       [1, 0, 0, 0, 0], [1, 0, 0, 0, 0]])
    size = np.array([[1, 0, 0]] * 2 + [[0.75, 0.25, 0.0], [0.0, 0.35, 0.65]])
    need = np.array([[0.55, 0.15, 0.15, 0.0, 0.15], [0.40, 0.25, 0.25, 0.0, 0.10],
                     [0.0, 0.45, 0.30, 0.15, 0.10], [0.0, 0.35, 0.25, 0.35, 0.05]])
    preference = np.array([[0.45, 0.15, 0.10, 0.20, 0.10], [0.15, 0.25, 0.20, 0.25, 0.15],
                           [0.35, 0.20, 0.25, 0.15, 0.05], [0.10, 0.30, 0.40, 0.10, 0.10]])
    offsets = np.cumsum([0] + [len(c) for c in CITIES])
    counts = np.diff(offsets)
    return {
        "gender": rng.integers(0, 2, n),
        "birth_year": np.clip(np.rint(rng.normal(1985, 12, n)), 1950, 2005).astype(np.int64),
        "income": _draw_rows(rng, income, arch),
        "occupation": _draw(rng, [0.38, 0.08, 0.07, 0.14, 0.13, 0.10, 0.10], n),
        "industry": _draw(rng, [0.22, 0.18, 0.10, 0.09, 0.08, 0.14, 0.10, 0.09], n),
        "size": _draw_rows(rng, size, arch),
        "need": _draw_rows(rng, need, arch),
        "preference": _draw_rows(rng, preference, arch),
        "city": offsets[region] + np.floor(rng.random(n) * counts[region]).astype(np.int64),
        "given": rng.integers(0, len(GIVEN_CHARS), (2, n)),
        "two_char": rng.random(n) < 0.6,
        "surname": rng.integers(0, len(SURNAMES), n),
        "company_word": rng.integers(0, len(COMPANY_WORDS), n),
    }


def _acquisition(rng: np.random.Generator, cust: dict) -> dict:
    """Acquisition channel and cost, and for referrals an earlier-acquired referrer."""
    n, ctype, first_day = cust["n"], cust["ctype"], cust["first_day"]
    mix = np.array([[0.35, 0.35, 0.10, 0.0, 0.20], [0.0, 0.20, 0.30, 0.25, 0.25]])
    channel = _draw_rows(rng, mix, ctype)
    earlier = np.searchsorted(first_day, first_day, side="left")
    referral = channel == ACQUISITION_CHANNELS.index("推荐")
    channel = np.where(referral & (earlier == 0), ACQUISITION_CHANNELS.index("网络推广"), channel)
    referral &= earlier > 0
    referrer = np.where(referral, np.floor(rng.random(n) * earlier).astype(np.int64), -1)
    base = np.array([60.0, 80.0, 120.0, 200.0, 30.0])[channel] * np.where(ctype == 1, 8.0, 1.0)
    cost = np.round(base * rng.lognormal(0.0, 0.3, n), 2)
    return {"acq_channel": channel, "acq_cost": cost, "referrer": referrer}


def _ownership(rng: np.random.Generator, cust: dict) -> dict:
    """Owner (a salesperson of the customer's region, industry specialists preferred) and channel."""
    sp_region = np.array([REGIONS.index(s[2]) for s in SALESPEOPLE])
    weights = np.zeros((len(REGIONS) * (len(INDUSTRIES) + 1), len(SALESPEOPLE)))
    for r in range(len(REGIONS)):
        for i in range(len(INDUSTRIES) + 1):
            match = np.array([i < len(INDUSTRIES) and INDUSTRIES[i] in s[3] for s in SALESPEOPLE])
            weights[r * (len(INDUSTRIES) + 1) + i] = (sp_region == r) * (1.0 + 3.0 * match)
    industry_key = np.where(cust["ctype"] == 1, cust["industry"], len(INDUSTRIES))
    owner = _draw_rows(rng, weights, cust["region"] * (len(INDUSTRIES) + 1) + industry_key)
    channel = _draw_rows(rng, CHANNEL_MIX, cust["ctype"])
    return {"owner": owner, "pref_channel": channel}


def _payment_habits(rng: np.random.Generator, cust: dict) -> dict:
    """Payment terms and each enterprise's usual delay past the due date (chronic late payers)."""
    n, arch = cust["n"], cust["arch"]
    enterprise = cust["ctype"] == 1
    key = arch == [a.key for a in ARCHETYPES].index("key_enterprise")
    long_terms = rng.random(n) < np.where(key, 0.7, 0.2)
    chronic = enterprise & (rng.random(n) < CHRONIC_LATE_SHARE)
    delay = np.where(chronic, rng.uniform(20.0, 60.0, n), rng.normal(1.0, 3.0, n))
    return {
        "terms": np.where(enterprise, np.where(long_terms, 60, 30), 0),
        "chronic_late": chronic,
        "delay": np.where(enterprise, delay, np.nan),
    }


def _draw_purchases(rng: np.random.Generator, cust: dict, cal: dict) -> dict:
    """BG/NBD purchase days: a first purchase at acquisition, then Poisson(λ) until dropout.

    As in Fader, Hardie & Lee (2005) the customer drops out after each repeat purchase with
    probability p, so the number G of repeat purchases up to and including the last one is
    geometric on 1, 2, ...; of the N Poisson arrivals in the remaining window the first min(G, N)
    are kept. Their times are the first order statistics of N uniforms, drawn from exponential
    spacings so that the work is proportional to the purchases kept.
    """
    remaining = cal["days"] - cust["acq"]
    drops = rng.geometric(cust["p_drop"])
    arrivals = rng.poisson(cust["lam"] * remaining)
    repeats = np.minimum(drops, arrivals)
    owner = np.repeat(np.arange(cust["n"]), repeats)
    cum = np.concatenate([[0.0], np.cumsum(rng.standard_exponential(len(owner)))])
    ends = np.cumsum(repeats)
    starts = ends - repeats
    partial = cum[1:] - np.repeat(cum[starts], repeats)
    total = np.ones(cust["n"])
    has = repeats > 0
    total[has] = cum[ends[has]] - cum[starts[has]] + rng.gamma(arrivals[has] - repeats[has] + 1.0)
    times = cust["acq"][owner] + remaining[owner] * partial / np.repeat(total, repeats)
    days = np.concatenate([cust["first_day"], np.minimum(np.floor(times), cal["days"] - 1).astype(np.int64)])
    who = np.concatenate([np.arange(cust["n"]), owner])
    order = np.argsort(days * cust["n"] + who, kind="stable")
    return {
        "customer": who[order],
        "day": days[order],
        "count": repeats + 1,
        "alive": drops > arrivals,
    }


def _order_lines(rng: np.random.Generator, cust: dict, purchases: dict, cal: dict) -> dict:
    """What each order contains: category, product, quantity, Gamma-Gamma amount, cost, channel."""
    who, day = purchases["customer"], purchases["day"]
    n = len(who)
    ctype = cust["ctype"][who]
    years = cal["years"]
    year = np.minimum(day * years // cal["days"], years - 1)
    trend = (1.0 + CATEGORY_GROWTH) ** (np.arange(years)[:, None] + 0.5)
    mix = (CATEGORY_MIX[:, None, :] * trend[None, :, :]).reshape(-1, len(CATEGORIES))
    category = _draw_rows(rng, mix, ctype * years + year)
    amount = np.maximum(np.round(rng.gamma(cust["gg_p"][who], 1.0 / cust["nu"][who]), 2), 0.01)
    prices = np.array([[price for _, price in products] for products in PRODUCTS])
    small = np.where((amount >= prices[3, 0]) & (rng.random(n) < 0.5), 3, 1)
    category = np.where(amount < prices[category, 0], small, category)
    affordable = np.maximum((prices[category] <= amount[:, None]).sum(axis=1), 1)
    pick = affordable - 1 - (rng.random(n) < 0.5) * (affordable > 1)
    product = category * prices.shape[1] + pick
    quantity = np.maximum(np.rint(amount / prices.ravel()[product]), 1).astype(np.int64)
    factor = np.clip(1.0 - CATEGORY_MARGIN[category] + rng.normal(0.0, 0.03, n), 0.2, 1.2)
    cost = np.round(amount * factor, 2)
    usual = rng.random(n) < 0.8
    channel = np.where(usual, cust["pref_channel"][who], _draw_rows(rng, CHANNEL_MIX, ctype))
    return {
        "category": category,
        "product": product,
        "quantity": quantity,
        "amount": amount,
        "cost": cost,
        "channel": channel,
        "salesperson": _transaction_salesperson(rng, cust["owner"][who], cust["region"][who]),
    }


def _transaction_salesperson(rng: np.random.Generator, owner: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Usually the owner; otherwise a colleague from the same region."""
    sp_region = np.array([REGIONS.index(s[2]) for s in SALESPEOPLE])
    table = np.array([(sp_region == r).astype(float) for r in range(len(REGIONS))])
    colleague = _draw_rows(rng, table, region)
    return np.where(rng.random(len(owner)) < 0.9, owner, colleague)


def _settlement(rng: np.random.Generator, cust: dict, who: np.ndarray, day: np.ndarray, cal: dict) -> dict:
    """Invoice, due and paid days: individuals pay at once, enterprises on terms with their delay."""
    n = len(who)
    enterprise = cust["ctype"][who] == 1
    invoice = np.minimum(day + np.where(enterprise, _draw(rng, [0.6, 0.3, 0.1], n), 0), cal["days"] - 1)
    due = invoice + cust["terms"][who]
    delay = np.rint(np.nan_to_num(cust["delay"][who]) + rng.normal(0.0, 4.0, n))
    paid = np.where(enterprise, np.maximum(due + delay, invoice), day)
    paid = np.where(paid > cal["days"] - 1, -1, paid).astype(np.int64)
    return {"invoice": invoice, "due": due, "paid": paid}


# --- frames ------------------------------------------------------------------------------------


def _text(labels, codes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Labels looked up by integer codes as an Arrow string array; ``valid`` False gives nulls."""
    mask = None if valid is None else ~np.asarray(valid)
    return pa.array(list(labels), pa.string()).take(pa.array(codes, mask=mask))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers like C000123 built without Python strings."""
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _series(values) -> pd.Series:
    """A pandas string column backed by the Arrow array."""
    return pd.Series(values, dtype="str")


def _dates(cal: dict, days: np.ndarray) -> np.ndarray:
    """Day offsets to calendar dates; negative offsets mean missing."""
    dates = (cal["start"] + days.astype("timedelta64[D]")).astype("datetime64[s]")
    return np.where(days < 0, np.datetime64("NaT"), dates)


def _customer_ids(n: int) -> pa.Array:
    """Customer ids in acquisition order."""
    return _ids("C", np.arange(1, n + 1), max(6, len(str(n))))


def _transactions_frame(cust: dict, purchases: dict, lines: dict, cal: dict) -> pd.DataFrame:
    """The clean transaction table, one line per order, sorted by date then order id."""
    who = purchases["customer"]
    n = len(who)
    product_names = [name for products in PRODUCTS for name, _ in products]
    ids = _customer_ids(cust["n"])
    return pd.DataFrame({
        "order_id": _series(_ids("SO", np.arange(1, n + 1), max(8, len(str(n))))),
        "customer_id": _series(ids.take(pa.array(who))),
        "order_date": _dates(cal, purchases["day"]),
        "product_category": _series(_text(CATEGORIES, lines["category"])),
        "product": _series(_text(product_names, lines["product"])),
        "quantity": lines["quantity"],
        "amount": lines["amount"],
        "cost": lines["cost"],
        "region": _series(_text(REGIONS, cust["region"][who])),
        "channel": _series(_text(CHANNELS, lines["channel"])),
        "salesperson_id": _series(_text([s[0] for s in SALESPEOPLE], lines["salesperson"])),
        "invoice_date": _dates(cal, lines["invoice"]),
        "due_date": _dates(cal, lines["due"]),
        "paid_date": _dates(cal, lines["paid"]),
    })


def _names(cust: dict) -> pa.Array:
    """Invented personal names for individuals and company names for enterprises."""
    given = [_text(GIVEN_CHARS, cust["given"][k]) for k in range(2)]
    second = pc.if_else(pa.array(cust["two_char"]), given[1], pa.scalar(""))
    person = pc.binary_join_element_wise(_text(SURNAMES, cust["surname"]), given[0], second, "")
    cities = [c for group in CITIES for c in group]
    company = pc.binary_join_element_wise(
        _text(cities, cust["city"]), _text(COMPANY_WORDS, cust["company_word"]),
        _text(INDUSTRY_WORDS, cust["industry"]), pa.scalar("有限公司"), "")
    return pc.if_else(pa.array(cust["ctype"] == 1), company, person)


def _customers_frame(cust: dict, cal: dict) -> pd.DataFrame:
    """The customer master table in contract columns."""
    ind, ent = cust["ctype"] == 0, cust["ctype"] == 1
    ids = _customer_ids(cust["n"])
    referral = cust["referrer"] >= 0
    referrer = pa.array(np.maximum(cust["referrer"], 0))
    return pd.DataFrame({
        "customer_id": _series(ids),
        "name": _series(_names(cust)),
        "customer_type": _series(_text(CUSTOMER_TYPES, cust["ctype"])),
        "gender": _series(_text(("男", "女"), cust["gender"], ind)),
        "birth_year": pd.arrays.IntegerArray(cust["birth_year"], ~ind),
        "region": _series(_text(REGIONS, cust["region"])),
        "city": _series(_text([c for group in CITIES for c in group], cust["city"])),
        "income_band": _series(_text(INCOME_BANDS, cust["income"], ind)),
        "occupation": _series(_text(OCCUPATIONS, cust["occupation"], ind)),
        "industry": _series(_text(INDUSTRIES, cust["industry"], ent)),
        "company_size": _series(_text(COMPANY_SIZES, cust["size"], ent)),
        "need_type": _series(_text(NEED_TYPES, cust["need"])),
        "preference": _series(_text(PREFERENCES, cust["preference"])),
        "acquired_on": _dates(cal, cust["first_day"]),
        "acquisition_channel": _series(_text(ACQUISITION_CHANNELS, cust["acq_channel"])),
        "acquisition_cost": cust["acq_cost"],
        "owner_id": _series(_text([s[0] for s in SALESPEOPLE], cust["owner"])),
        "referred_by": _series(pc.if_else(pa.array(referral), ids.take(referrer), _NULL_TEXT)),
    })


def _customer_truth(cust: dict, purchases: dict) -> pd.DataFrame:
    """Per-customer latent traits: archetype, λ, p, ν, alive at the end, payment habits."""
    return pd.DataFrame({
        "customer_id": _series(_customer_ids(cust["n"])),
        "archetype": _series(_text([a.key for a in ARCHETYPES], cust["arch"])),
        "lam": cust["lam"],
        "p": cust["p_drop"],
        "nu": cust["nu"],
        "mean_order_value": cust["gg_p"] * 1.0 / cust["nu"],
        "n_orders": purchases["count"],
        "alive": purchases["alive"],
        "terms": cust["terms"],
        "chronic_late": cust["chronic_late"],
        "payment_delay": cust["delay"],
    })


def _salespeople(rng: np.random.Generator, cust: dict, purchases: dict, lines: dict, cal: dict) -> pd.DataFrame:
    """The sales force with past yearly sales (万元) per customer segment from the transactions and
    the yearly selling expense (元): pay, commission on their yearly sales, travel."""
    k = len(SALESPEOPLE)
    ctype = cust["ctype"][purchases["customer"]]
    sales = np.zeros((2, k))
    for t in range(2):
        mask = ctype == t
        sales[t] = np.bincount(lines["salesperson"][mask], weights=lines["amount"][mask], minlength=k)
    yearly = np.round(sales / (cal["days"] / 365.25) / 10_000, 2)
    experience = np.array([s[4] for s in SALESPEOPLE], dtype=np.int64)
    travel = SELLING_TRAVEL_MEDIAN * rng.lognormal(0.0, 0.35, k)
    expense = SELLING_BASE_PAY + SELLING_PAY_PER_YEAR * experience + SELLING_COMMISSION * yearly.sum(axis=0) * 10_000 + travel
    return pd.DataFrame({
        "salesperson_id": _series(pa.array([s[0] for s in SALESPEOPLE])),
        "name": _series(pa.array([s[1] for s in SALESPEOPLE])),
        "region": _series(pa.array([s[2] for s in SALESPEOPLE])),
        "industries": _series(pa.array(["|".join(s[3]) for s in SALESPEOPLE])),
        "experience_years": experience,
        "capacity": np.array([s[5] for s in SALESPEOPLE], dtype=np.int64),
        "selling_expense": np.round(expense, -2),
        "perf_individual": yearly[0],
        "perf_enterprise": yearly[1],
    })


# --- survey, Kano, positioning, market, factors --------------------------------------------------


def _dimensions() -> list[str]:
    """Survey dimensions in questionnaire order: the 26 service needs, then the value items."""
    return [zh for zh, _ in SERVICE_NEEDS] + [zh for zh, _ in VALUE_ITEMS]


def _wave_importance(wave: int) -> np.ndarray:
    """Mean importance per dimension in a wave: some needs rise, some fade in wave 2."""
    dims = _dimensions()
    shift = np.zeros(len(dims))
    if wave == 2:
        shift[[dims.index(d) for d in RISING_DIMENSIONS]] = WAVE_SHIFT
        shift[[dims.index(d) for d in FADING_DIMENSIONS]] = -WAVE_SHIFT
    return IMPORTANCE + shift


def _brand_performance() -> np.ndarray:
    """Mean performance per brand (rows, BRANDS order) and dimension."""
    dims = _dimensions()
    table = np.tile(OWN_PERFORMANCE, (len(BRANDS), 1))
    for b, offsets in BRAND_OFFSETS.items():
        for dim, delta in offsets.items():
            table[BRANDS.index(b), dims.index(dim)] += delta
    return table


def _expectation() -> np.ndarray:
    """Mean expectation per dimension: higher where the dimension matters more."""
    return 3.0 + 0.45 * IMPORTANCE


def _scale(values: np.ndarray, low: int, high: int) -> np.ndarray:
    """Round to an integer rating scale."""
    return np.clip(np.rint(values), low, high).astype(np.int64)


def _survey(rng: np.random.Generator, cust: dict, cal: dict) -> tuple[pd.DataFrame, dict]:
    """Two survey waves in long format, and what drives their answers."""
    frames = [_survey_wave(rng, wave, cust, cal) for wave in (1, 2)]
    survey, skipped = _skip_cost_importance(rng, pd.concat(frames, ignore_index=True))
    dims = _dimensions()
    truth = {
        "drivers": dict(SATISFACTION_DRIVERS),
        "satisfaction_model": "round(6 + Σ β·(performance − 5) + N(0, 0.8)), clipped to 1–10",
        "switch_model": "round(5.6 − 0.5·satisfaction + N(0, 0.6)), clipped to 1–5",
        "rising": list(RISING_DIMENSIONS),
        "fading": list(FADING_DIMENSIONS),
        "wave_shift": WAVE_SHIFT,
        "importance": {w: dict(zip(dims, _wave_importance(w).round(2).tolist())) for w in (1, 2)},
        "performance": {b: dict(zip(dims, row.round(2).tolist()))
                        for b, row in zip(BRANDS, _brand_performance())},
        "expectation": dict(zip(dims, _expectation().round(2).tolist())),
        "cost_items_rate": "the size of the cost (higher = costlier)",
        "skipped_cost_importance": skipped,
        "brand_share": dict(zip(BRANDS, SURVEY_BRAND_SHARE)),
    }
    return survey, truth


def _skip_cost_importance(rng: np.random.Generator, survey: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Blank the importance of every cost item for a few respondents and of some for a few more
    (drawn after both waves, so the answers themselves stay as they were)."""
    respondents = survey["respondent_id"].unique()
    picked = rng.choice(len(respondents), SKIPPED_COST_IMPORTANCE["all"] + SKIPPED_COST_IMPORTANCE["some"], replace=False)
    costs = [d for d, kind in VALUE_ITEM_KIND.items() if kind == "cost"]
    skipped = {"all": sorted(respondents[picked[: SKIPPED_COST_IMPORTANCE["all"]]]), "some": {}}
    blank = survey["respondent_id"].isin(skipped["all"]) & survey["dimension"].isin(costs)
    for i in picked[SKIPPED_COST_IMPORTANCE["all"]:]:
        items = sorted(np.array(costs)[rng.permutation(len(costs))[: rng.integers(1, len(costs))]].tolist())
        skipped["some"][respondents[i]] = items
        blank |= (survey["respondent_id"] == respondents[i]) & survey["dimension"].isin(items)
    importance = survey["importance"].astype("Int64").mask(blank)
    return survey.assign(importance=importance), {"all": skipped["all"], "some": dict(sorted(skipped["some"].items()))}


def _firm_ranking() -> pd.DataFrame:
    """The firm's ranking sheet: one row per need, rank 1 = most important."""
    return pd.DataFrame({"dimension": _series(list(FIRM_RANKING)),
                         "rank": np.arange(1, len(FIRM_RANKING) + 1, dtype=np.int64)})


def _survey_wave(rng: np.random.Generator, wave: int, cust: dict, cal: dict) -> pd.DataFrame:
    """One wave: importance, performance, expectation per dimension and the overall judgements.

    Satisfaction depends only on the performance of the driver dimensions; a respondent-level halo
    (reversed for cost items) and scale use add the correlation real answers have.
    """
    dims = _dimensions()
    m, k = SURVEY_RESPONDENTS, len(dims)
    cost = np.array([VALUE_ITEM_KIND.get(d) == "cost" for d in dims])
    drivers = np.array([dims.index(d) for d in SATISFACTION_DRIVERS])
    beta = np.array(list(SATISFACTION_DRIVERS.values()))
    brand = _draw(rng, SURVEY_BRAND_SHARE, m)
    halo = rng.normal(0.0, 0.35, m)[:, None] * np.where(cost, -1.0, 1.0)
    scale_use = rng.normal(0.0, 0.4, (m, 1))
    importance = _scale(_wave_importance(wave) + scale_use + rng.normal(0.0, 0.9, (m, k)), 1, 7)
    performance = _scale(_brand_performance()[brand] + halo + rng.normal(0.0, 1.0, (m, k)), 1, 7)
    expectation = _scale(_expectation() + rng.normal(0.0, 0.9, (m, k)), 1, 7)
    latent = 6.0 + (performance[:, drivers] - 5.0) @ beta + rng.normal(0.0, 0.8, m)
    satisfaction = _scale(latent, 1, 10)
    switch = _scale(5.6 - 0.5 * satisfaction + rng.normal(0.0, 0.6, m), 1, 5)
    customer = _survey_customers(rng, cust, brand == 0, cal, 0.45 if wave == 1 else 0.9)
    first = (wave - 1) * m + 1
    row = np.repeat(np.arange(m), k)
    return pd.DataFrame({
        "respondent_id": _series(_ids("R", first + row, 4)),
        "customer_id": _series(customer.take(pa.array(row))),
        "wave": np.full(m * k, wave, dtype=np.int64),
        "brand": _series(_text(BRANDS, brand[row])),
        "dimension": _series(_text(dims, np.tile(np.arange(k), m))),
        "importance": importance.ravel(),
        "performance": performance.ravel(),
        "expectation": expectation.ravel(),
        "overall_satisfaction": satisfaction[row],
        "switch_intent": switch[row],
    })


def _survey_customers(rng: np.random.Generator, cust: dict, own: np.ndarray, cal: dict,
                      at: float) -> pa.Array:
    """Customer ids of own-brand respondents, drawn from customers acquired before the wave."""
    eligible = int(np.searchsorted(cust["first_day"], at * cal["days"], side="left"))
    m = len(own)
    chosen = rng.choice(max(eligible, 1), size=min(int(own.sum()), eligible), replace=False)
    codes = np.zeros(m, dtype=np.int64)
    valid = np.zeros(m, dtype=bool)
    slots = np.flatnonzero(own)[: len(chosen)]
    codes[slots], valid[slots] = chosen, True
    return _customer_ids(cust["n"]).take(pa.array(codes, mask=~valid))


def _kano(rng: np.random.Generator, respondents: pa.Array) -> pd.DataFrame:
    """Kano answer pairs per respondent and feature; each feature has a planted category.

    A respondent answers in the feature's category with probability 0.64, otherwise in another
    (A, O, M, I 0.09 each, reverse 0.05, questionable 0.04); the pair is then drawn from the cells
    of the Kano evaluation table that give that category.
    """
    m, k = len(respondents), len(KANO_FEATURES)
    table = np.full((4, 6), 0.09)
    table[:, 4], table[:, 5] = 0.05, 0.04
    np.fill_diagonal(table, 0.64)
    planted = np.array(["AOMI".index(c) for _, c in KANO_FEATURES])
    answer = _draw_rows(rng, table, np.tile(planted, m))
    low = 2 + _draw(rng, [0.3, 0.45, 0.25], m * k)
    mid = 2 + _draw(rng, [0.2, 0.5, 0.3], m * k)
    odd = np.where(rng.random(m * k) < 0.5, 1, 5)
    functional = np.select([answer <= 1, answer == 4, answer == 5], [1, low + 1, odd], low)
    dysfunctional = np.select([(answer == 0) | (answer == 3), answer == 4, answer == 5], [mid, 1, odd], 5)
    return pd.DataFrame({
        "respondent_id": _series(respondents.take(pa.array(np.repeat(np.arange(m), k)))),
        "feature": _series(_text([f for f, _ in KANO_FEATURES], np.tile(np.arange(k), m))),
        "functional": functional.astype(np.int64),
        "dysfunctional": dysfunctional.astype(np.int64),
    })




def _planted_shares(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Own and competitor market shares per region × category (competitors lead some cells)."""
    shape = (len(REGIONS), len(CATEGORIES))
    own = REGION_SHARE[:, None] * CATEGORY_SHARE_FACTOR[None, :] * rng.lognormal(0, 0.1, shape)
    own = np.clip(own, 0.05, 0.5)
    cheap = 0.16 + RIVAL_CATEGORY_LEAD[0][None, :] + RIVAL_REGION_LEAD[0][:, None]
    premium = 0.12 + RIVAL_CATEGORY_LEAD[1][None, :] + RIVAL_REGION_LEAD[1][:, None]
    rivals = np.stack([cheap, premium]) * rng.lognormal(0, 0.1, (2,) + shape)
    room = np.minimum(1.0, (0.9 - own) / rivals.sum(axis=0))
    return own, rivals * room


def _quarters(cal: dict, days: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Quarter labels of the window, each day's quarter index, and quarter midpoints in years."""
    months = (cal["start"] + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(np.int64)
    first = int(cal["start"].astype("datetime64[M]").astype(np.int64)) // 3
    last = int(cal["end"].astype("datetime64[M]").astype(np.int64)) // 3
    labels = [f"{1970 + q // 4}Q{q % 4 + 1}" for q in range(first, last + 1)]
    start_month = float(cal["start"].astype("datetime64[M]").astype(np.int64))
    mid = (np.arange(first, last + 1) * 3 + 1.5 - start_month) / 12.0
    return labels, months // 3 - first, mid


def _market(rng: np.random.Generator, cust: dict, purchases: dict, lines: dict,
            cal: dict) -> tuple[pd.DataFrame, dict]:
    """Market size and competitor sales per quarter × region × category, calibrated to own sales.

    The market of each cell grows smoothly at (1 + region growth)·(1 + category growth) a year with
    a seasonal pattern; its level is set so that own sales over the window equal the planted share.
    """
    labels, quarter, mid = _quarters(cal, purchases["day"])
    nq, nr, nc = len(labels), len(REGIONS), len(CATEGORIES)
    cell = (quarter * nr + cust["region"][purchases["customer"]]) * nc + lines["category"]
    own_sales = np.bincount(cell, weights=lines["amount"], minlength=nq * nr * nc).reshape(nq, nr, nc)
    own_share, rival_share = _planted_shares(rng)
    growth = np.log1p(REGION_GROWTH)[:, None] + np.log1p(CATEGORY_GROWTH)[None, :]
    season = SEASON[[int(label[-1]) - 1 for label in labels]]
    noise = rng.lognormal(0, 0.03, (nq, nr, nc))
    trend = np.exp(mid[:, None, None] * growth[None]) * season[:, None, None] * noise
    own_total = own_sales.sum(axis=0)
    floor = 0.2 * own_total.mean() if own_total.mean() > 0 else 1.0
    level = np.maximum(own_total, floor) / (own_share * trend.sum(axis=0))
    market = level[None] * trend
    rivals = rival_share[:, None] * market[None] * rng.lognormal(0, 0.05, (2, nq, nr, nc))
    market = np.round(np.maximum(market, (own_sales + rivals.sum(axis=0)) / 0.95), 2)
    rivals = np.round(rivals, 2)
    q, r, c, k = np.meshgrid(np.arange(nq), np.arange(nr), np.arange(nc), np.arange(2), indexing="ij")
    frame = pd.DataFrame({
        "period": _series(_text(labels, q.ravel())),
        "region": _series(_text(REGIONS, r.ravel())),
        "product_category": _series(_text(CATEGORIES, c.ravel())),
        "market_sales": market[q, r, c].ravel(),
        "competitor": _series(_text(BRANDS[1:], k.ravel())),
        "competitor_sales": rivals[k, q, r, c].ravel(),
    })
    realised = own_total / market.sum(axis=0)
    truth = {
        "own_share": _nested(own_share),
        "competitor_share": {b: _nested(s) for b, s in zip(BRANDS[1:], rival_share)},
        "realised_own_share": _nested(realised),
        "growth_rule": "(1 + region_growth)·(1 + category_growth) per year, seasonal factors by quarter",
        "season": dict(zip(("Q1", "Q2", "Q3", "Q4"), SEASON.tolist())),
    }
    return frame, truth


def _nested(table: np.ndarray) -> dict:
    """A region × category array as {region: {category: value}}."""
    return {r: dict(zip(CATEGORIES, np.round(row, 4).tolist())) for r, row in zip(REGIONS, table)}


def _positioning(rng: np.random.Generator) -> pd.DataFrame:
    """Attribute ratings of the own brand and three competitors, each with a distinct profile."""
    m, nb, na = POSITIONING_RESPONDENTS, len(POSITIONING_BRANDS), len(POSITIONING_ATTRIBUTES)
    bias = rng.normal(0.0, 0.4, (m, 1, 1))
    rating = _scale(POSITIONING_PROFILES[None] + bias + rng.normal(0.0, 0.9, (m, nb, na)), 1, 7)
    i, b, a = np.meshgrid(np.arange(m), np.arange(nb), np.arange(na), indexing="ij")
    return pd.DataFrame({
        "respondent_id": _series(_ids("P", i.ravel() + 1, 4)),
        "brand": _series(_text(POSITIONING_BRANDS, b.ravel())),
        "attribute": _series(_text(POSITIONING_ATTRIBUTES, a.ravel())),
        "rating": rating.ravel(),
    })


def _factors() -> pd.DataFrame:
    """PEST factors (impact, probability, direction) and SWOT factors (EFE/IFE weights, ratings)."""
    pest = pd.DataFrame(PEST_FACTORS, columns=["factor", "kind", "impact", "probability", "direction",
                                               "note"])
    pest["framework"] = "PEST"
    swot = pd.DataFrame(SWOT_FACTORS, columns=["factor", "kind", "weight", "rating", "note"])
    swot["framework"] = "SWOT"
    swot["weight"] = swot["weight"].astype(float)
    frame = pd.concat([pest, swot], ignore_index=True)
    frame = frame[FACTOR_COLUMNS]
    for column in ("rating", "impact", "probability"):
        frame[column] = frame[column].astype("Int64")
    for column in ("factor", "framework", "kind", "direction", "note"):
        frame[column] = frame[column].replace("", None).astype("str")
    return frame


def _factor_scores() -> dict:
    """EFE and IFE totals (Σ weight × rating) of the planted SWOT factors, computed exactly."""
    scores = {"EFE": Decimal(0), "IFE": Decimal(0)}
    for _, kind, weight, rating, _ in SWOT_FACTORS:
        scores["EFE" if kind in "OT" else "IFE"] += Decimal(weight) * rating
    return {key: float(value) for key, value in scores.items()}


# --- planted data problems and CSV text -------------------------------------------------------


def _plan_problems(rng: np.random.Generator, tx: pd.DataFrame, cal: dict) -> tuple[dict, dict]:
    """Choose the lines that become data problems in the CSV export, and describe them."""
    n = len(tx)
    n_return = int(round(RETURN_SHARE * n))
    n_zero = max(5, int(round(0.0005 * n)))
    needed = n_return + n_zero + DUPLICATES + IMPOSSIBLE_DATES + EMPTY_CUSTOMER_IDS
    pool = np.sort(rng.choice(n, size=min(n, 4 * needed + 200), replace=False))
    pool = pool[rng.permutation(len(pool))]
    dates = tx["order_date"].to_numpy()[pool].astype("datetime64[D]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    taken = np.zeros(len(pool), dtype=bool)

    def take(k: int, allowed: np.ndarray) -> np.ndarray:
        """The next k unused pool positions that satisfy ``allowed``."""
        idx = np.flatnonzero(allowed & ~taken)[:k]
        if len(idx) < k:
            raise ValueError("too few transactions to plant the data problems; use more customers")
        taken[idx] = True
        return pool[idx]

    bad = take(IMPOSSIBLE_DATES, np.isin(month, (2, 4, 6, 9, 11)))
    returned = take(n_return, dates <= cal["end"] - np.timedelta64(30, "D"))
    gifts = take(n_zero, np.ones(len(pool), dtype=bool))
    duplicated = take(DUPLICATES, np.ones(len(pool), dtype=bool))
    empty = take(EMPTY_CUSTOMER_IDS, np.ones(len(pool), dtype=bool))
    returns = _return_lines(rng, tx.iloc[np.sort(returned)])
    zeros = _gift_lines(rng, tx.iloc[np.sort(gifts)], n)
    duplicates = tx.iloc[np.sort(duplicated)]
    bad_rows = tx.iloc[np.sort(bad)]
    bad_values = [_impossible_date(d) for d in bad_rows["order_date"]]
    patch = {
        "extra": pd.concat([returns, zeros, duplicates], ignore_index=True),
        "bad_dates": dict(zip(bad_rows["order_id"], bad_values)),
        "empty_ids": tx["order_id"].iloc[np.sort(empty)].tolist(),
    }
    truth = {
        "return": _problem(returns["order_id"], "return line: negative quantity, amount and cost, order id "
                           "of the original plus '-R', dated 1–30 days after the original"),
        "zero_amount": _problem(zeros["order_id"], "free gift (赠品) order: amount 0, cost > 0, on the same "
                                "day as another order of the customer"),
        "duplicate": _problem(duplicates["order_id"], "line repeated exactly (every column identical)"),
        "impossible_date": _problem(bad_rows["order_id"], "order date that does not exist, e.g. 2023-02-30",
                                    values=bad_values),
        "empty_customer_id": _problem(patch["empty_ids"], "line with an empty customer id"),
    }
    return patch, truth


def _problem(order_ids, description: str, **extra) -> dict:
    """One entry of ``truth['planted_problems']``."""
    ids = [str(i) for i in order_ids]
    return {"table": "transactions", "format": "csv", "count": len(ids), "description": description,
            "order_ids": ids, **extra}


def _return_lines(rng: np.random.Generator, rows: pd.DataFrame) -> pd.DataFrame:
    """Full returns of the given lines, booked and refunded 1–30 days later."""
    out = rows.reset_index(drop=True)
    lag = pd.to_timedelta(rng.integers(1, 31, len(rows)), unit="D")
    out["order_id"] = out["order_id"] + "-R"
    out["order_date"] = out["order_date"] + lag
    for column in ("quantity", "amount", "cost"):
        out[column] = -out[column]
    for column in ("invoice_date", "due_date", "paid_date"):
        out[column] = out["order_date"]
    return out


def _gift_lines(rng: np.random.Generator, rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """Free gifts handed out with an order: separate zero-amount orders on the same day."""
    out = rows.reset_index(drop=True)
    category = np.where(rng.random(len(rows)) < 0.5, 1, 3)
    pick = rng.integers(0, 2, len(rows))
    out["order_id"] = _series(_ids("SO", np.arange(n + 1, n + 1 + len(rows)), max(8, len(str(n)))))
    out["product_category"] = _series(_text(CATEGORIES, category))
    out["product"] = _series(pa.array([PRODUCTS[c][j][0] for c, j in zip(category, pick)], pa.string()))
    out["quantity"] = 1
    out["amount"] = 0.0
    prices = np.array([PRODUCTS[c][j][1] for c, j in zip(category, pick)])
    out["cost"] = np.round(prices * (1.0 - CATEGORY_MARGIN[category]), 2)
    for column in ("invoice_date", "due_date", "paid_date"):
        out[column] = out["order_date"]
    return out


def _impossible_date(date) -> str:
    """A date in the same month that does not exist (30 February, 31 April, ...)."""
    stamp = pd.Timestamp(date)
    return f"{stamp.year}-{stamp.month:02d}-{30 if stamp.month == 2 else 31}"


def _csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO text; other columns keep their values (floats are written with 2 decimals)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = _series(pc.strftime(pa.array(out[column]), format="%Y-%m-%d"))
    return out


def _messy_transactions(tx: pd.DataFrame, patch: dict) -> pd.DataFrame:
    """The transactions CSV: clean lines plus returns, gifts, duplicates, bad dates and an empty id."""
    frame = _csv_text(pd.concat([tx, patch["extra"]], ignore_index=True))
    bad = frame["order_id"].isin(list(patch["bad_dates"]))
    frame.loc[bad, "order_date"] = frame.loc[bad, "order_id"].map(patch["bad_dates"])
    frame.loc[frame["order_id"].isin(patch["empty_ids"]), "customer_id"] = None
    return frame.sort_values(["order_date", "order_id"], kind="mergesort", ignore_index=True)
