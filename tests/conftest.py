"""Shared pytest settings and fixtures."""

import pytest

import custval as cv
from custval.datasets import read_cdnow

# Fixture notebooks fail or hang on purpose; they are run by test_report.py, not collected by nbval.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def cdnow():
    """The CDNOW sample as the papers summarise it: calibration to 1997-09-30, weeks."""
    return cv.summarize(read_cdnow(), calibration_end="1997-09-30", unit="W")
