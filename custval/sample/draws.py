"""Seeded random streams, the observation window and categorical draws shared by every table."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Independent random streams, so that changing one table never changes another.
_STREAMS = {
    "customers": 1,
    "purchases": 2,
    "lines": 3,
    "settlement": 4,
    "survey": 5,
    "kano": 6,
    "market": 7,
    "positioning": 8,
    "problems": 9,
    "salespeople": 10,
}


def random_stream(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per table, derived from the user's seed."""
    return np.random.default_rng([seed, _STREAMS[stream]])


def observation_window(start: str, years: int) -> dict:
    """The observation window: first day, last day and its length in days."""
    first = np.datetime64(pd.Timestamp(start).date(), "D")
    end = pd.Timestamp(start) + pd.DateOffset(years=years) - pd.Timedelta(days=1)
    last = np.datetime64(end.date(), "D")
    return {"start": first, "end": last, "days": int((last - first).astype(int)) + 1, "years": years}


def draw(rng: np.random.Generator, probs, size: int) -> np.ndarray:
    """``size`` categorical draws from one distribution."""
    cum = np.cumsum(probs, dtype=float)
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(cum) - 1)


def draw_rows(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One categorical draw per element of ``rows`` from the distribution ``table[row]``."""
    cum = np.cumsum(table, axis=1, dtype=float)
    cum /= np.where(cum[:, -1:] > 0, cum[:, -1:], 1.0)
    u = rng.random(len(rows))
    out = np.zeros(len(rows), dtype=np.int64)
    for k in np.unique(rows):
        mask = rows == k
        out[mask] = np.searchsorted(cum[k], u[mask], side="right")
    return np.minimum(out, table.shape[1] - 1)
