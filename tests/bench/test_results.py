"""bench.results: one JSON file per run, merged bench by bench, and the README's table from the newest figures."""
from __future__ import annotations

import json

import pytest

from bench import results


@pytest.fixture
def folder(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Benchmarks\n\nbefore\n\n{results.START}\nold table\n{results.END}\n\nafter\n")
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(results, "README", readme)
    return tmp_path


def test_the_benches_of_one_run_share_one_file(folder):
    results.save("import_snapshot", {"records": 1000, "ratio": 1.42, "rss_peak_mb": 110.0}, run="20260101T000000Z")
    path = results.save("pipeline", {"papers": 200, "concurrency": 8, "ratio": 1.04}, run="20260101T000000Z")
    data = json.loads(path.read_text())
    assert list(data["benches"]) == ["import_snapshot", "pipeline"]
    assert data["benches"]["import_snapshot"]["ratio"] == 1.42 and data["run"] == "20260101T000000Z"
    assert [p.name for p in (folder / "results").iterdir()] == ["20260101T000000Z.json"]


def test_the_table_shows_each_measure_from_the_newest_run_that_has_it(folder):
    results.save("import_snapshot", {"records": 1000, "ratio": 2.5, "rss_peak_mb": 100.0}, run="20260101T000000Z")
    results.save("pipeline", {"papers": 200, "concurrency": 8, "ratio": 1.2}, run="20260101T000000Z")
    results.save("import_snapshot", {"records": 1000, "ratio": 1.4, "rss_peak_mb": 101.0}, run="20260102T000000Z")
    results.update_readme()
    text = results.README.read_text()
    assert text.startswith("# Benchmarks\n\nbefore\n") and text.endswith("\n\nafter\n")
    assert "old table" not in text
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "| 1.40 |" in rows["import ÷ COPY"] and "20260102T000000Z" in rows["import ÷ COPY"]
    assert "| 1.20 |" in rows["pipeline wall ÷ ideal"] and "20260101T000000Z" in rows["pipeline wall ÷ ideal"]
    assert "not measured yet" in rows["desk: slowest page p95, ms"]


def test_the_chart_is_drawn_from_the_history(folder):
    from bench import chart

    results.save("pipeline", {"papers": 200, "concurrency": 8, "ratio": 1.2}, run="20260101T000000Z")
    results.save("pipeline", {"papers": 200, "concurrency": 8, "ratio": 1.05}, run="20260102T000000Z")
    [(label, goal, runs, values)] = chart.series(results.history())
    assert label == "pipeline wall ÷ ideal" and values == [1.2, 1.05]
    path = chart.draw(results.history(), folder / "history.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
