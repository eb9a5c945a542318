"""Customer lifetime value models and calculations (``from custval.clv import BetaGeo, ...``)."""

from custval.clv.base import FitError
from custval.clv.beta_geo import BetaGeo
from custval.clv.bgbb import BetaGeoBetaBinom
from custval.clv.gamma_gamma import GammaGamma
from custval.clv.pareto import ParetoNBD
from custval.clv.sbg import ShiftedBetaGeometric
from custval.clv.value import (
    calibration_holdout_check,
    clv,
    cumulative_tracking,
    dwyer_inputs,
    dwyer_table,
    event_value,
    fit_value_models,
    frequency_recency_matrix,
    markov_clv,
    retention_clv,
)

__all__ = [
    "BetaGeo", "BetaGeoBetaBinom", "FitError", "GammaGamma", "ParetoNBD", "ShiftedBetaGeometric", "calibration_holdout_check", "clv", "cumulative_tracking",
    "dwyer_inputs", "dwyer_table", "event_value", "fit_value_models", "frequency_recency_matrix", "markov_clv", "retention_clv",
]  # fmt: skip
