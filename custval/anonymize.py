"""Stable pseudonyms for customer ids and names (parameter ``anonymize: true``).

A pseudonym is a keyed hash (HMAC-SHA256) of the original text, so the same customer gets the
same pseudonym in every table, chart and run that uses the same key, and nobody without the key
can recompute the mapping from a list of known ids. The key comes from the environment variable
``CUSTVAL_ANONYMIZE_KEY`` or, failing that, from a key file next to the configuration file that is
created once with random content (keep it out of version control: it is in ``.gitignore``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

KEY_ENV = "CUSTVAL_ANONYMIZE_KEY"
KEY_FILE = ".custval-anonymize-key"
# Which columns of which tables hold customer identities, and the pseudonym prefix for each.
IDENTITY_COLUMNS = {"customer_id": "C", "referred_by": "C", "name": "N"}


def load_key(folder) -> bytes:
    """The anonymisation key: the environment variable, else the project's key file (created once)."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode("utf-8")
    path = Path(folder) / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode("ascii")


def pseudonym(value: str, key: bytes, prefix: str = "C") -> str:
    """``prefix-`` and 10 hex digits of the keyed hash of ``value``."""
    digest = hmac.new(key, str(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest[:10]}"


def pseudonymize(values: pd.Series, key: bytes, prefix: str = "C") -> pd.Series:
    """Replace every non-empty value by its pseudonym; each distinct value is hashed once."""
    present = values.dropna().unique()
    mapping = {v: pseudonym(v, key, prefix) for v in present}
    return values.map(mapping).astype(values.dtype if values.dtype != object else "string")


def anonymize_frame(frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """A copy of ``frame`` with every identity column replaced by pseudonyms."""
    columns = {c: pseudonymize(frame[c], key, p) for c, p in IDENTITY_COLUMNS.items() if c in frame.columns}
    return frame.assign(**columns) if columns else frame


def anonymize_rejected(rejected: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Rejected rows with the offending value replaced where it is an identity."""
    if rejected.empty:
        return rejected
    out = rejected.copy()
    for column, prefix in IDENTITY_COLUMNS.items():
        rows = (out["column"] == column) & out["value"].astype("string").str.len().gt(0).fillna(False)
        out.loc[rows, "value"] = [pseudonym(v, key, prefix) for v in out.loc[rows, "value"]]
    return out
