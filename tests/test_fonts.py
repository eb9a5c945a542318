"""The CJK font for charts: from the environment, the system, or the font shipped with custval."""

from __future__ import annotations

import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import seaborn as sns

from custval import fonts, plots

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_style():
    with matplotlib.rc_context():
        yield
    plt.close("all")


def test_vendored_font_is_used_without_a_system_font(only_vendored_font):
    assert plots.theme() == "WenQuanYi Micro Hei"
    assert plt.rcParams["font.family"] == ["DejaVu Sans", "WenQuanYi Micro Hei"]


@pytest.mark.filterwarnings("error")
def test_font_file_from_the_environment(monkeypatch, only_vendored_font, tmp_path):
    copy = tmp_path / "my-font.ttc"
    copy.write_bytes(fonts.VENDORED_FONT.read_bytes())
    monkeypatch.setattr(fonts, "VENDORED_FONT", tmp_path / "missing.ttc")  # only the env var can find it
    monkeypatch.setenv(fonts.FONT_ENV, str(copy))
    assert fonts.cjk_font() == "WenQuanYi Micro Hei"


def test_no_font_at_all_gives_one_warning_with_the_fix(monkeypatch, only_vendored_font, tmp_path):
    monkeypatch.setattr(fonts, "VENDORED_FONT", tmp_path / "missing.ttc")
    with pytest.warns(UserWarning) as caught:
        assert plots.theme() == ""
    assert len(caught) == 1 and "fonts-wqy-microhei" in str(caught[0].message)
    assert plt.rcParams["font.family"] == ["DejaVu Sans"]


def test_unknown_font_in_the_environment_warns_once_and_falls_back(monkeypatch, only_vendored_font):
    monkeypatch.setenv(fonts.FONT_ENV, "Comic Sans CJK")
    with pytest.warns(UserWarning, match="CUSTVAL_CJK_FONT"):
        assert fonts.cjk_font() == "WenQuanYi Micro Hei"


def test_an_installed_family_is_found_by_name_and_an_unreadable_file_registers_nothing(tmp_path):
    assert fonts.installed("DejaVu Sans") == "DejaVu Sans"
    assert fonts.installed("No Such Font SC") == ""
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    assert fonts.register(broken) == ""


def test_theme_survives_a_later_seaborn_reset(only_vendored_font):
    sns.set_theme()
    assert "WenQuanYi Micro Hei" not in plt.rcParams["font.family"]
    plots.theme()
    assert "WenQuanYi Micro Hei" in plt.rcParams["font.family"]


def test_the_font_ships_with_its_licence_as_package_data():
    folder = fonts.VENDORED_FONT.parent
    assert folder == ROOT / "custval" / "fonts"
    assert fonts.VENDORED_FONT.stat().st_size > 1_000_000
    licence = (folder / "LICENSE-wqy-microhei.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "WenQuanYi" in licence
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "fonts/*" in config["tool"]["setuptools"]["package-data"]["custval"]
    assert not (folder / "__init__.py").exists()  # a package custval.fonts would hide the module custval/fonts.py
