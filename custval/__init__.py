"""custval: customer resource analysis and customer value evaluation (客户资源分析与客户价值评价)."""

from custval.dataset import Dataset, load
from custval.errors import DataError
from custval.io import (
    read_customers,
    read_factors,
    read_firm_ranking,
    read_kano,
    read_market,
    read_positioning,
    read_salespeople,
    read_survey,
    read_transactions,
)
from custval.summary import summarize

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "Dataset",
    "__version__",
    "load",
    "read_customers",
    "read_factors",
    "read_firm_ranking",
    "read_kano",
    "read_market",
    "read_positioning",
    "read_salespeople",
    "read_survey",
    "read_transactions",
    "summarize",
]
