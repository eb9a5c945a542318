"""The fictional distributor's planted structure: every list, rate and parameter the tables are drawn from.

Regions, cities, categories and products, channels, the four customer archetypes (BG/NBD and
Gamma-Gamma parameters), the sales force, the survey dimensions with their importance, performance
and competitor offsets, Kano features, positioning profiles, SWOT/PEST factors and market shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")
CATEGORIES = ("电子设备", "办公用品", "办公家具", "打印耗材", "软件与服务")
CHANNELS = ("门店", "电话", "网络")
BRANDS = ("本公司", "华信商贸", "联拓供应链")
POSITIONING_BRANDS = (*BRANDS, "速达电商")
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
COMPANY_WORDS = (
    "恒达",
    "鼎盛",
    "华美",
    "瑞丰",
    "金桥",
    "远航",
    "新元",
    "博雅",
    "天成",
    "宏图",
    "启明",
    "嘉禾",
    "永信",
    "中和",
)
INCOME_BANDS = ("3000以下", "3000-6000", "6000-10000", "10000-20000", "20000以上")
OCCUPATIONS = ("企业职员", "公务员", "教师", "个体经营", "自由职业", "学生", "退休")
COMPANY_SIZES = ("小型", "中型", "大型")
NEED_TYPES = ("个人使用", "日常补货", "办公升级", "项目采购", "礼品采购")
PREFERENCES = ("价格优先", "品质优先", "服务优先", "便利优先", "品牌优先")

# Survey: base importance per dimension (26 needs then 8 value items), own performance, changes.
IMPORTANCE = np.concatenate(
    [
        [6.0, 5.2, 4.6, 4.4, 4.2, 3.8, 5.6, 5.5, 5.8, 4.6, 5.6, 3.6, 5.0],  # needs 1-13
        [5.3, 4.9, 4.8, 4.7, 5.4, 3.9, 4.0, 4.6, 5.0, 4.8, 5.6, 4.9, 4.5],  # needs 14-26
        [6.0, 5.5, 4.8, 4.2, 5.8, 4.9, 4.0, 4.4],  # value items
    ]
)
OWN_PERFORMANCE = np.concatenate(
    [
        [4.4, 5.6, 5.0, 4.9, 5.0, 4.3, 5.2, 5.3, 5.6, 5.2, 5.1, 4.5, 4.8],
        [5.2, 4.9, 5.1, 4.9, 5.3, 4.8, 4.6, 5.0, 4.0, 3.6, 5.8, 5.1, 4.7],
        [5.2, 5.6, 5.4, 4.8, 4.6, 3.4, 3.0, 2.8],
    ]
)
SATISFACTION_DRIVERS = {
    "合理的价格": 0.55,
    "提供全面的售后服务": 0.45,
    "有迅速处理顾客问题的渠道": 0.40,
    "专业的服务人员": 0.35,
}
RISING_DIMENSIONS = ("有迅速处理顾客问题的渠道", "不用等待太久")
FADING_DIMENSIONS = ("舒适的环境", "令人感觉愉快的环境")
WAVE_SHIFT = 1.0
# Competitor offsets on performance, by dimension (all others 0).
BRAND_OFFSETS = {
    "华信商贸": {
        "合理的价格": 1.2,
        "优质的礼貌": -0.8,
        "提供全面的售后服务": -0.8,
        "认识并热情服务": -0.8,
        "站在顾客角度处理问题": -0.8,
        "倾听": -0.8,
        "全面处理个别顾客的问题": -0.8,
        "受到重视": -0.8,
        "专业的服务人员": -0.8,
        "舒适的环境": -0.5,
        "令人感觉愉快的环境": -0.5,
        "产品价值": -0.6,
        "服务价值": -1.6,
        "人员价值": -1.4,
        "形象价值": -0.8,
        "货币成本": -1.0,
        "时间成本": 0.8,
        "体力成本": 1.0,
        "精神成本": 1.0,
    },
    "联拓供应链": {
        "合理的价格": -0.8,
        "高品质的吸引力": 0.6,
        "舒适的环境": 0.6,
        "令人感觉愉快的环境": 0.6,
        "温馨的感觉": 0.6,
        "不用等待太久": 0.8,
        "有迅速处理顾客问题的渠道": 0.6,
        "产品价值": 0.4,
        "服务价值": -0.6,
        "人员价值": -0.4,
        "形象价值": 1.0,
        "货币成本": 1.0,
        "时间成本": 0.2,
        "体力成本": 0.2,
        "精神成本": 0.2,
    },
}
SURVEY_RESPONDENTS = 300
SURVEY_BRAND_SHARE = (0.6, 0.2, 0.2)
# Respondents who left the importance of the cost items blank: of all four, or of one to three.
SKIPPED_COST_IMPORTANCE = {"all": 5, "some": 8}
# The firm's own ranking of the 26 needs (most important first), as its managers filled in the sheet:
# near its customers' view but for four planted disagreements — it overrates the surroundings and
# underrates quick problem handling and short waits (whose importance rises in wave 2).
FIRM_RANKING = (
    "合理的价格",
    "高品质的吸引力",
    "舒适的环境",
    "提供全面的售后服务",
    "令人感觉愉快的环境",
    "提供多种选择",
    "专业的服务人员",
    "让顾客得到满意",
    "优质的礼貌",
    "方便",
    "放心",
    "站在顾客角度处理问题",
    "拥有一致的待客态度",
    "认识并热情服务",
    "没有刁难顾客的制度",
    "温馨的感觉",
    "全面处理个别顾客的问题",
    "受到重视",
    "有迅速处理顾客问题的渠道",
    "理解顾客期望的层次",
    "不用等待太久",
    "倾听",
    "认同感",
    "显示自我尊严",
    "兴趣",
    "可以让顾客成长的事物",
)
FIRM_DISAGREEMENTS = ("舒适的环境", "令人感觉愉快的环境", "有迅速处理顾客问题的渠道", "不用等待太久")
POSITIONING_RESPONDENTS = 200
POSITIONING_PROFILES = np.array(
    [
        [4.3, 5.4, 6.0, 4.8, 4.9, 4.6],
        [5.9, 4.0, 3.8, 4.4, 3.9, 4.8],
        [3.4, 6.0, 5.0, 4.6, 6.1, 4.2],
        [5.2, 4.5, 3.5, 6.2, 4.4, 6.0],
    ]
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
CHRONIC_LATE_SHARE = 0.2
# Yearly selling expense per salesperson (元): base pay, pay per year of experience, commission on
# the salesperson's yearly sales, and travel and entertainment (lognormal around the median).
SELLING_BASE_PAY = 60_000.0
SELLING_PAY_PER_YEAR = 6_000.0
SELLING_COMMISSION = 0.02
SELLING_TRAVEL_MEDIAN = 40_000.0
