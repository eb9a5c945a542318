"""The run object the report notebooks start with (custval.notebook)."""

import pytest

from custval import notebook
from custval.config import RUN_PARAMETERS_ENV


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv(RUN_PARAMETERS_ENV, raising=False)
    (tmp_path / "tx.csv").write_text(
        "customer_id,order_date,amount\nA,2024-01-05,10\nA,2024-03-01,20\nB,2024-02-10,5\n", encoding="utf-8"
    )
    (tmp_path / "custval.yml").write_text("inputs:\n  transactions: tx.csv\n", encoding="utf-8")
    return notebook.start(str(tmp_path / "custval.yml"), lang="en")


def test_the_summary_is_computed_once_and_every_caller_gets_its_own_copy(run, monkeypatch):
    calls = []
    real = notebook.summarize
    monkeypatch.setattr(notebook, "summarize", lambda *args, **kw: calls.append(kw) or real(*args, **kw))
    first = run.summary()
    first.loc[0, "revenue"] = -1.0  # a caller changing its copy
    second = run.summary()
    assert len(calls) == 1 and second.loc[0, "revenue"] == 30.0
    assert second["customer_id"].tolist() == ["A", "B"] and second.attrs["unit"] == "D"
    weekly = run.summary(unit="W")  # other options: computed as asked, not cached
    assert len(calls) == 2 and calls[1]["unit"] == "W" and weekly.attrs["unit"] == "W"
