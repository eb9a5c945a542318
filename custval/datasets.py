"""Public reference data shipped with the repository (data/reference/)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"


def read_cdnow(path: str | Path | None = None) -> pd.DataFrame:
    """Raw CDNOW transactions (sample or master file) in the transactions contract.

    The 2,357-customer sample file has five columns (master id, sample id, date, CDs, dollars);
    the master file has four and a header line. Customer ids are kept as text, as every reader does.
    """
    path = Path(path) if path is not None else REFERENCE_DIR / "CDNOW_sample.txt"
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str)
    if not raw.iloc[0, -1].replace(".", "", 1).isdigit():  # the master file starts with a header line
        raw = raw.iloc[1:].reset_index(drop=True)
    if raw.shape[1] == 5:
        raw = raw.drop(columns=0)
    raw.columns = ["customer_id", "order_date", "quantity", "amount"]
    return pd.DataFrame(
        {
            "customer_id": raw["customer_id"].astype("string"),
            "order_date": pd.to_datetime(raw["order_date"], format="%Y%m%d"),
            "amount": pd.to_numeric(raw["amount"]),
            "quantity": pd.to_numeric(raw["quantity"]),
        }
    )
