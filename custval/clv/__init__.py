"""Customer lifetime value models and calculations (``from custval.clv import BetaGeo, ...``).

What a model provides and what it gets is the contract of :class:`custval.clv.base.Model`.
"""

from custval.clv.base import Model, Rows
from custval.clv.beta_geo import BetaGeo
from custval.clv.bgbb import BetaGeoBetaBinom
from custval.clv.gamma_gamma import GammaGamma
from custval.clv.migration import RecencyMigration
from custval.clv.pareto import ParetoNBD
from custval.clv.sbg import ShiftedBetaGeometric
from custval.clv.value import (
    calibration_holdout_check,
    clv,
    dwyer_inputs,
    dwyer_table,
    event_value,
    fit_value_models,
    frequency_recency_matrix,
    markov_clv,
    retention_clv,
)
from custval.errors import FitError, NotFittedError

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "FitError",
    "GammaGamma",
    "Model",
    "NotFittedError",
    "ParetoNBD",
    "RecencyMigration",
    "Rows",
    "ShiftedBetaGeometric",
    "calibration_holdout_check",
    "clv",
    "dwyer_inputs",
    "dwyer_table",
    "event_value",
    "fit_value_models",
    "frequency_recency_matrix",
    "markov_clv",
    "retention_clv",
]
