"""Recency–frequency–value migration model (always-a-share; Pfeifer & Carraway 2000, METHODS.md
§4.1): a customer's state at the end of a period is (periods since their last purchase, periods with
a purchase, value band); in the next period they buy with their state's probability. The
probabilities are the shares observed in the customers' own history, so the model needs no
parametric fit and works where BG/NBD cannot be fitted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custval.errors import DataError, FitError, NotFittedError, examples

STATE = ["recency", "frequency", "value_band"]


class RecencyMigration:
    """Purchase probability per (recency, frequency, value band) state, from period activity.

    ``activity`` (for ``fit`` and ``states``) has one row per customer and period with a purchase:
    ``customer_id``, ``period`` (0 = the latest period, 1 = the one before, …) and ``value`` (the
    customer's margin in that period). Recency is capped at ``max_recency`` periods, frequency at
    ``max_frequency`` active periods; the value band is the customer's margin per active period
    ranked into ``value_bands`` equal groups among the customers of that moment (1 = lowest), so
    big one-off buyers who rarely return and steady accounts who do get their own rates.

    A state seen for fewer than ``min_customers`` customers takes the rate of its recency and
    frequency (all value bands); failing that, of the same state with one active period fewer;
    for one active period, of its recency, then of the longest recency below it seen often enough
    (staying away does not make a return likelier), then of all customers. ``rates_["source"]``
    says which.
    """

    def __init__(self, max_recency: int = 3, max_frequency: int = 3, value_bands: int = 3, min_customers: int = 20):
        self.max_recency = max_recency
        self.max_frequency = max_frequency
        self.value_bands = value_bands
        self.min_customers = min_customers

    def fit(self, activity: pd.DataFrame):
        """Count, for every period k ≥ 1 taken as "now", each customer's state and whether they
        bought in period k − 1; returns ``self`` with ``rates_`` (one row per state)."""
        active = _activity(activity)
        last = int(active["period"].max()) if len(active) else 0
        if last < 1:
            raise FitError(
                "RecencyMigration: the history covers a single period, so no customer can be "
                "seen coming back or not; at least two periods are needed"
            )
        seen = pd.concat([self._observed(active, k) for k in range(1, last + 1)], ignore_index=True)
        counts = seen.groupby(STATE).agg(customers=("bought", "size"), bought=("bought", "sum"))
        self.rates_ = self._smoothed(counts)
        self.n_periods_ = last + 1
        return self

    def _observed(self, active: pd.DataFrame, k: int) -> pd.DataFrame:
        """States at the end of period k and whether each customer bought in period k − 1."""
        states = self._states(active[active["period"] >= k], k)
        bought = set(active.loc[active["period"] == k - 1, "customer_id"])
        return states.assign(bought=states["customer_id"].isin(bought))

    def _states(self, active: pd.DataFrame, now: int) -> pd.DataFrame:
        per = active.groupby("customer_id", sort=True).agg(
            latest=("period", "min"), periods=("period", "size"), value=("value", "sum")
        )
        per_period = per["value"] / per["periods"]
        bands = np.ceil(per_period.rank(method="first", pct=True) * self.value_bands).clip(1, self.value_bands)
        return pd.DataFrame(
            {
                "customer_id": per.index,
                "recency": np.minimum(per["latest"].to_numpy() - now, self.max_recency),
                "frequency": np.minimum(per["periods"].to_numpy(), self.max_frequency),
                "value_band": bands.to_numpy(dtype=np.int64),
            }
        )

    def _smoothed(self, counts: pd.DataFrame) -> pd.DataFrame:
        """Every state's rate: its own share when seen often enough, else the pooled rates (see the class)."""
        grid = pd.MultiIndex.from_product(
            [range(self.max_recency + 1), range(1, self.max_frequency + 1), range(1, self.value_bands + 1)], names=STATE
        )
        table = counts.reindex(grid, fill_value=0).reset_index()
        pooled = counts.groupby(level=["recency", "frequency"]).sum()
        pair = pooled.reindex(pd.MultiIndex.from_frame(table[["recency", "frequency"]]), fill_value=0)
        recency_rate, recency_source = self._recency_rates(counts)
        own = (table["customers"] >= self.min_customers).to_numpy()
        by_pair = (pair["customers"] >= self.min_customers).to_numpy()
        share = table["bought"].to_numpy() / np.maximum(table["customers"].to_numpy(), 1)
        pair_share = pair["bought"].to_numpy() / np.maximum(pair["customers"].to_numpy(), 1)
        rates, sources = np.empty(len(table)), np.empty(len(table), dtype=object)
        position = {state: i for i, state in enumerate(zip(table["recency"], table["frequency"], table["value_band"]))}
        for (r, f, v), i in position.items():  # frequencies in increasing order within each recency
            if own[i]:
                rates[i], sources[i] = share[i], "state"
            elif by_pair[i]:
                rates[i], sources[i] = pair_share[i], "recency and frequency"
            elif f > 1:  # one more active period does not make a customer less likely to return
                rates[i], sources[i] = rates[position[(r, f - 1, v)]], "fewer active periods"
            else:
                rates[i], sources[i] = recency_rate[r], recency_source[r]
        table["probability"], table["source"] = rates, sources
        return table

    def _recency_rates(self, counts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        by_recency = counts.groupby(level="recency").sum().reindex(range(self.max_recency + 1), fill_value=0)
        rates = np.full(self.max_recency + 1, counts["bought"].sum() / counts["customers"].sum())
        sources = np.full(self.max_recency + 1, "all", dtype=object)
        for r, row in by_recency.iterrows():
            if row["customers"] >= self.min_customers:
                rates[r], sources[r] = row["bought"] / row["customers"], "recency"
            elif r > 0 and sources[r - 1] != "all":
                rates[r], sources[r] = rates[r - 1], "shorter recency"
        return rates, sources

    def states(self, activity: pd.DataFrame) -> pd.DataFrame:
        """Each customer's state now (at the end of period 0)."""
        return self._states(_activity(activity), 0)

    def buy_probabilities(self, states: pd.DataFrame, periods: int) -> np.ndarray:
        """P(buying in period t) for t = 1…``periods`` (columns) for each row of ``states``.

        A purchase moves the customer to recency 0 and one more active period; no purchase adds a
        period to their recency; the value band stays.
        """
        self._fitted()
        rates = self.rates_.set_index(STATE)["probability"]
        index = {state: i for i, state in enumerate(rates.index)}
        p = rates.to_numpy()
        move = np.zeros((len(p), len(p)))
        for (r, f, v), i in index.items():
            move[i, index[(0, min(f + 1, self.max_frequency), v)]] += p[i]
            move[i, index[(min(r + 1, self.max_recency), f, v)]] += 1 - p[i]
        where = np.eye(len(p))
        by_state = np.empty((len(p), periods))
        for t in range(periods):
            by_state[:, t] = where @ p
            where = where @ move
        rows = [index[tuple(int(x) for x in state)] for state in states[STATE].itertuples(index=False)]
        return by_state[np.asarray(rows, dtype=np.int64)] if rows else np.zeros((0, periods))

    def _fitted(self) -> None:
        if not hasattr(self, "rates_"):
            raise NotFittedError("RecencyMigration is not fitted yet; call fit(activity) first")


def _activity(activity: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("customer_id", "period", "value") if c not in activity.columns]
    if missing:
        raise DataError(
            f"RecencyMigration needs the column(s) {', '.join(missing)} "
            "(one row per customer and period with a purchase, with its margin)"
        )
    twice = activity.duplicated(["customer_id", "period"])
    if twice.any():
        shown = examples(activity.loc[twice, "customer_id"])
        raise DataError(
            f"RecencyMigration: one row per customer and period, please; {int(twice.sum())} "
            f"pair(s) repeat, e.g. customer(s) {shown}"
        )
    return activity[["customer_id", "period", "value"]]
