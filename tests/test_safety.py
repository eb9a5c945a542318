"""Customer-supplied text is escaped in tables; anonymisation gives stable keyed pseudonyms."""

from __future__ import annotations

import pandas as pd
import pytest

import custval as cv
from custval import anonymize, i18n
from custval.config import RUN_PARAMETERS_ENV
from custval.display import table
from custval.notebook import start

PAYLOAD = "<script>alert(1)</script>"


def test_table_escapes_values_and_headers():
    frame = pd.DataFrame({"name": [PAYLOAD, "王伟"], PAYLOAD: [1, 2]})
    html = table(frame).to_html()
    assert PAYLOAD not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


def test_table_translates_headers_and_formats_numbers():
    frame = pd.DataFrame({"region": ["华东"], "amount": [1234567.891], "customers": [12345], "share_amount": [0.256]})
    html = table(frame, percent=("share_amount",), lang="zh").to_html()
    assert "地区" in html and "金额" in html and "1,234,567.89" in html and "12,345" in html and "25.6%" in html
    assert "region" in table(frame, lang="en").to_html()
    years = table(pd.DataFrame({"year": [2024], "birth_year": [1990], "lines": [2024]}), lang="en").to_html()
    assert ">2024<" in years and ">1990<" in years and ">2,024<" in years


def test_table_shows_at_most_max_rows():
    html = table(pd.DataFrame({"x": range(10)}), max_rows=3).to_html()
    assert "<td" in html and html.count("</tr>") == 4  # header + 3 rows


def test_pseudonyms_are_stable_keyed_and_distinct():
    a = anonymize.pseudonym("C000001", b"key-1")
    assert a == anonymize.pseudonym("C000001", b"key-1")
    assert a != anonymize.pseudonym("C000001", b"key-2")
    assert a != anonymize.pseudonym("C000002", b"key-1")
    assert a.startswith("C-") and len(a) == 12


def test_anonymize_frame_keeps_missing_values_and_other_columns():
    frame = pd.DataFrame({"customer_id": ["A", "B", "A"], "name": ["王伟", None, "王伟"], "region": ["华东"] * 3})
    out = anonymize.anonymize_frame(frame, b"k")
    assert out["customer_id"].iloc[0] == out["customer_id"].iloc[2] != out["customer_id"].iloc[1]
    assert out["name"].isna().tolist() == [False, True, False] and out["name"].iloc[0].startswith("N-")
    assert out["region"].tolist() == frame["region"].tolist()


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv(anonymize.KEY_ENV, raising=False)
    (tmp_path / "tx.csv").write_text(
        "customer_id,order_date,amount\nA1,2024-01-02,5\n,2024-01-03,1\n", encoding="utf-8"
    )
    (tmp_path / "custval.yml").write_text("inputs:\n  transactions: tx.csv\n", encoding="utf-8")
    return tmp_path


def test_load_with_anonymize_uses_a_key_file_created_once(project):
    first = cv.load(project / "custval.yml", anonymize=True)
    key_file = project / anonymize.KEY_FILE
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    again = cv.load(project / "custval.yml", anonymize=True)
    assert first.transactions["customer_id"].tolist() == again.transactions["customer_id"].tolist()
    assert first.transactions["customer_id"].item() != "A1"


def test_environment_key_wins(project, monkeypatch):
    monkeypatch.setenv(anonymize.KEY_ENV, "secret")
    ds = cv.load(project / "custval.yml", anonymize=True)
    assert ds.transactions["customer_id"].item() == anonymize.pseudonym("A1", b"secret")
    assert not (project / anonymize.KEY_FILE).exists()


def test_a_notebook_opened_by_hand_cannot_undo_the_files_anonymize(project, monkeypatch):
    monkeypatch.delenv(RUN_PARAMETERS_ENV, raising=False)
    config = project / "custval.yml"
    config.write_text(config.read_text(encoding="utf-8") + "parameters: {anonymize: true}\n", encoding="utf-8")
    hand = start(str(config), anonymize=False)  # the parameters cell's default
    assert hand.data.parameters["anonymize"] and hand.data.transactions["customer_id"].item() != "A1"
    monkeypatch.setenv(RUN_PARAMETERS_ENV, '{"anonymize": false}')  # a report run with --param anonymize=false
    assert start(str(config), anonymize=False).data.transactions["customer_id"].item() == "A1"


def test_both_languages_have_the_same_keys():
    assert set(i18n.TEXT["zh"]) == set(i18n.TEXT["en"])
    for key in i18n.TEXT["zh"]:
        zh_fields = set(_fields(i18n.TEXT["zh"][key]))
        assert zh_fields == set(_fields(i18n.TEXT["en"][key])), key


def _fields(text: str):
    import string

    return [name.split("!")[0].split(":")[0] for _, name, _, _ in string.Formatter().parse(text) if name]
