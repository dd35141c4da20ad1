"""`track --audit-top`: the runtime column of the tracker and the site, on real wheels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gilfree.commands.track import audit_candidates, audit_top
from gilfree.site.data import load_site_data
from gilfree.site.generator import build_site
from gilfree.store.audits import audit_data, save_audit
from gilfree.store.db import Store
from gilfree.store.ranking import RankedPackage, Ranking
from gilfree.store.runs import SnapshotWriter, complete_run, open_run
from gilfree.verdicts.model import AuditResult, Verdict
from gilfree.verdicts.targets import default_targets

from conftest import make_status  # noqa: E402


def _store(path: Path, names_verdicts: list[tuple[str, Verdict]]) -> tuple[Store, object]:
    store = Store.open(path)
    ranking = Ranking("test", "2026-11-01", tuple(RankedPackage(i + 1, n, 1000 - i)
                                                   for i, (n, _) in enumerate(names_verdicts)))
    run = open_run(store, ranking, default_targets())
    writer = SnapshotWriter(store, run)
    for name, verdict in names_verdicts:
        writer.add(make_status(name, verdict, "1.0"))
    writer.flush()
    assert complete_run(store, run)
    return store, run


def test_candidates_are_the_top_ft_wheel_packages_not_yet_audited(tmp_path: Path) -> None:
    store, run = _store(tmp_path / "t.sqlite3", [
        ("pure-one", Verdict.PURE), ("ftr-declared", Verdict.FT_WHEEL), ("blocked", Verdict.NO_FT_WHEEL),
        ("ftr-two", Verdict.FT_WHEEL), ("ftr-single", Verdict.FT_WHEEL)])
    with store:
        assert audit_candidates(store, run, 2, "3.13") == [("ftr-declared", "1.0"), ("ftr-two", "1.0")]
        save_audit(store, "ftr-declared", AuditResult("ftr-declared", "1.0", "keeps-gil-disabled", python="3.13.5t"))
        # an audited release still counts towards the top 2
        assert audit_candidates(store, run, 2, "3.13") == [("ftr-two", "1.0")]
        # ... on that Python only: each series is audited on its own
        save_audit(store, "ftr-two", AuditResult("ftr-two", "1.0", "re-enables-gil", python="3.14.7t"))
        assert audit_candidates(store, run, 2, "3.13") == [("ftr-two", "1.0")]
        assert set(audit_data(store)["ftr-two"]) == {"3.14"}


@pytest.mark.ft
def test_audit_top_fills_the_store_and_the_site(tmp_path: Path, ft_python: Path, offline_pip_env) -> None:
    store, run = _store(tmp_path / "t.sqlite3", [
        ("ftr-declared", Verdict.FT_WHEEL), ("ftr-two", Verdict.FT_WHEEL), ("ftr-single", Verdict.FT_WHEEL)])
    with store:
        results = audit_top(store, run, 2, python=str(ft_python))
        assert [(r.package, r.outcome) for r in results] == [
            ("ftr-declared", "keeps-gil-disabled"), ("ftr-two", "re-enables-gil")]
        saved = audit_data(store)
        assert set(saved) == {"ftr-declared", "ftr-two"}
        [series] = saved["ftr-two"]  # one audit per package and Python series
        assert series == results[0].python[:4]
        assert {m["module"] for m in saved["ftr-two"][series]["modules"] if m["outcome"] == "gil-enabled"} == \
            {"ftr_two._a", "ftr_two._b"}
        out = tmp_path / "site"
        build_site(load_site_data(store, {}), out)
    table = (out / "packages.html").read_text()
    assert "Runtime" in table
    page = (out / "p" / "ftr-two.html").read_text()
    assert "re-enables the GIL: ftr_two._a, ftr_two._b" in page
    assert "Not audited yet" in (out / "p" / "ftr-single.html").read_text()
    records = json.loads((out / "data" / "packages.json").read_text())["results"]
    audits = {r["name"]: r["audits"] for r in records}
    assert audits["ftr-declared"][series]["outcome"] == "keeps-gil-disabled" and audits["ftr-single"] == {}


def test_audits_stored_before_per_python_keys_keep_their_series(tmp_path: Path) -> None:
    """Migration 5 keys audits by (package, Python series), taken from each audit's data."""
    import sqlite3

    from gilfree.store.schema import MIGRATIONS, migrate

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:4])
    conn.execute("INSERT INTO packages (id, name) VALUES (1, 'numpy')")
    data = json.dumps({"package": "numpy", "version": "2.4.6", "outcome": "keeps-gil-disabled", "python": "3.13.5t"})
    conn.execute("INSERT INTO audits VALUES (1, '2.4.6', 'keeps-gil-disabled', ?, '2026-11-01')", (data,))
    assert migrate(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT package_id, python, version FROM audits").fetchall() == [(1, "3.13", "2.4.6")]
    conn.close()
