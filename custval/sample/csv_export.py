"""The CSV export as an Excel user sees it: Chinese headers, text dates and planted data problems
(returns, zero-amount gifts, duplicates, impossible dates, an empty customer id)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from custval.sample.constants import CATEGORIES, CATEGORY_MARGIN, PRODUCTS
from custval.sample.frames import id_array, lookup, str_series

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

# How many lines carry each problem (returns as a share of all lines).
RETURN_SHARE = 0.01
DUPLICATES = 10
IMPOSSIBLE_DATES = 2
EMPTY_CUSTOMER_IDS = 1


def plan_problems(rng: np.random.Generator, tx: pd.DataFrame, cal: dict) -> tuple[dict, dict]:
    """Choose the lines that become data problems in the CSV export, and describe them."""
    n = len(tx)
    n_return = round(RETURN_SHARE * n)
    n_zero = max(5, round(0.0005 * n))
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
        "return": _problem(
            returns["order_id"],
            "return line: negative quantity, amount and cost, order id "
            "of the original plus '-R', dated 1–30 days after the original",
        ),
        "zero_amount": _problem(
            zeros["order_id"],
            "free gift (赠品) order: amount 0, cost > 0, on the same day as another order of the customer",
        ),
        "duplicate": _problem(duplicates["order_id"], "line repeated exactly (every column identical)"),
        "impossible_date": _problem(
            bad_rows["order_id"], "order date that does not exist, e.g. 2023-02-30", values=bad_values
        ),
        "empty_customer_id": _problem(patch["empty_ids"], "line with an empty customer id"),
    }
    return patch, truth


def _problem(order_ids, description: str, **extra) -> dict:
    """One entry of ``truth['planted_problems']``."""
    ids = [str(i) for i in order_ids]
    return {
        "table": "transactions",
        "format": "csv",
        "count": len(ids),
        "description": description,
        "order_ids": ids,
        **extra,
    }


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
    out["order_id"] = str_series(id_array("SO", np.arange(n + 1, n + 1 + len(rows)), max(8, len(str(n)))))
    out["product_category"] = str_series(lookup(CATEGORIES, category))
    out["product"] = str_series(pa.array([PRODUCTS[c][j][0] for c, j in zip(category, pick)], pa.string()))
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
            out[column] = str_series(pc.strftime(pa.array(out[column]), format="%Y-%m-%d"))
    return out


def _messy_transactions(tx: pd.DataFrame, patch: dict) -> pd.DataFrame:
    """The transactions CSV: clean lines plus returns, gifts, duplicates, bad dates and an empty id."""
    frame = _csv_text(pd.concat([tx, patch["extra"]], ignore_index=True))
    bad = frame["order_id"].isin(list(patch["bad_dates"]))
    frame.loc[bad, "order_date"] = frame.loc[bad, "order_id"].map(patch["bad_dates"])
    frame.loc[frame["order_id"].isin(patch["empty_ids"]), "customer_id"] = None
    return frame.sort_values(["order_date", "order_id"], kind="mergesort", ignore_index=True)


def csv_frames(tables: dict[str, pd.DataFrame], problems: dict) -> dict[str, pd.DataFrame]:
    """The tables as the CSV files hold them: text dates, the planted problems, Chinese headers."""
    out = {name: _csv_text(frame) for name, frame in tables.items()}
    out["transactions"] = _messy_transactions(tables["transactions"], problems)
    for name, headers in CSV_HEADERS.items():
        out[name] = out[name].rename(columns=headers)
    return out
