"""Shared pytest settings and fixtures."""

import pytest

import custval as cv
from custval import fonts
from custval.datasets import read_cdnow

# Fixture notebooks fail or hang on purpose; they are run by test_report.py, not collected by nbval.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def cdnow():
    """The CDNOW sample as the papers summarise it: calibration to 1997-09-30, weeks."""
    return cv.summarize(read_cdnow(), calibration_end="1997-09-30", unit="W")


@pytest.fixture
def only_vendored_font(monkeypatch):
    """Pretend the machine has no CJK font at all, so only the shipped file can be found."""
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such Font SC",))
    monkeypatch.setattr(fonts, "SYSTEM_FONT_FILES", ())
    fonts.cjk_font.cache_clear()
    yield
    fonts.cjk_font.cache_clear()
