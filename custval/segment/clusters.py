"""k-means clusters of customers on their order value, purchase rate and type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custval.errors import DataError, examples
from custval.segment.profiles import ENTERPRISE, yearly_rate


def features(summary: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Clustering features per customer: average order value, purchases per year, enterprise flag.

    purchases per year = occasions / max(T, 30 days) × 365.25 (``T`` of a daily summary); the
    enterprise flag (1/0) is added when the customers table has ``customer_type``.
    """
    data = summary.set_index("customer_id").sort_index()
    order_value = data["revenue"] / data["n_orders"].where(data["n_orders"] > 0)
    out = pd.DataFrame(
        {
            "average_order_value": order_value.fillna(0).clip(lower=0),
            "purchases_per_year": yearly_rate(data["frequency"] + 1, data["T"]),
        }
    )
    if customers is not None and "customer_type" in customers.columns:
        kinds = customers.drop_duplicates("customer_id").set_index("customer_id")["customer_type"]
        out["enterprise"] = (kinds.reindex(out.index) == ENTERPRISE).astype(float)
    return out


def _fewest_clusters(k: int | None, k_range) -> int:
    """The smallest number of clusters to try: ``k``, else the low end of ``k_range`` (both at least 2)."""
    low, high = (k, k) if k is not None else k_range
    if low < 2 or high < low:
        raise ValueError(
            f"k must be at least 2 and k_range a pair (low, high) with 2 ≤ low ≤ high, got k={k!r}, k_range={k_range!r}"
        )
    return low


@dataclass
class Clusters:
    """The result of :func:`cluster`: labels, centres in original units, silhouette per k, and the
    number of customers k-means was fitted on (``sample_size``; all of them when it equals ``n``)."""

    k: int
    labels: pd.Series
    centres: pd.DataFrame
    silhouette: pd.Series
    sample_size: int = 0
    n: int = 0

    @property
    def sampled(self) -> bool:
        return self.sample_size < self.n


MAX_FIT_ROWS = 50_000  # k-means is fitted on a seeded sample of at most this many customers


def cluster(
    data: pd.DataFrame, k: int | None = None, k_range=(2, 8), random_state: int = 0, max_rows: int = MAX_FIT_ROWS
) -> Clusters:
    """k-means on log-transformed skewed columns, standardised; k by silhouette when not given.

    Columns with more than two distinct non-negative values and skewness above 1 are log1p
    transformed. With more than ``max_rows`` customers, each k is fitted on a seeded sample of
    ``max_rows`` of them and every customer is then assigned to the nearest centre (``predict``),
    so large data costs one pass over all rows, not ten fits per k. Clusters are numbered 1… by
    descending mean of the first column, so the same data always gives the same labels. The
    silhouette is computed on at most 5,000 of the fitted rows (seeded).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    if max_rows < 2:
        raise ValueError(f"max_rows must be at least 2, got {max_rows}")
    data = data.sort_index()
    if data.isna().any().any():
        raise DataError(f"cluster features have missing values in {', '.join(data.columns[data.isna().any()])}")
    fewest = _fewest_clusters(k, k_range)
    if len(data) <= fewest:
        raise DataError(
            f"k-means needs more customers than clusters: the cluster features have {len(data)} "
            f"customer(s) ({examples(data.index) or 'none'}) for k={fewest}"
        )
    if max_rows <= fewest:
        raise ValueError(f"max_rows must be more than the {fewest} clusters, got {max_rows}")
    skewed = [c for c in data.columns if data[c].nunique() > 2 and data[c].min() >= 0 and data[c].skew() > 1]
    transformed = data.assign(**{c: np.log1p(data[c]) for c in skewed})
    scaler = StandardScaler().fit(transformed)
    x = scaler.transform(transformed)
    rows = (
        np.sort(np.random.default_rng(random_state).choice(len(x), max_rows, replace=False))
        if len(x) > max_rows
        else slice(None)
    )
    fitted = x[rows]
    candidates = [k] if k is not None else list(range(k_range[0], min(k_range[1], len(fitted) - 1) + 1))
    fits, scores = {}, {}
    with threadpool_limits(1):  # OpenMP threads spin while waiting: 10-20× the CPU time on a busy machine
        for n in candidates:
            fits[n] = KMeans(n_clusters=n, n_init=10, random_state=random_state).fit(fitted)
            sample = min(len(fitted), 5000)
            scores[n] = silhouette_score(fitted, fits[n].labels_, sample_size=sample, random_state=random_state)
        best = k if k is not None else max(scores, key=lambda n: (round(scores[n], 12), -n))
        fit = fits[best]
        assigned = fit.predict(x) if len(fitted) < len(x) else fit.labels_
    centres = pd.DataFrame(scaler.inverse_transform(fit.cluster_centers_), columns=data.columns)
    centres[skewed] = np.expm1(centres[skewed])
    order = centres.iloc[:, 0].sort_values(ascending=False, kind="stable").index
    relabel = {old: new for new, old in enumerate(order, start=1)}
    centres = centres.loc[order].set_axis(range(1, best + 1)).rename_axis("cluster").round(6) + 0.0  # no -0.0
    labels = pd.Series(assigned, index=data.index, name="cluster").map(relabel)
    centres["customers"] = labels.value_counts().reindex(centres.index, fill_value=0)
    return Clusters(
        k=best,
        labels=labels,
        centres=centres,
        silhouette=pd.Series(scores, name="silhouette").rename_axis("k"),
        sample_size=len(fitted),
        n=len(data),
    )
