"""Bench results kept as files: one JSON file per run, the latest as a table in bench/README.md.

Each bench ends with ``save(name, figures)``.  ``make bench`` sets
``BENCH_RUN`` (a UTC timestamp) for all of its benches, so one run of it is
one file, ``bench/results/<BENCH_RUN>.json``, holding each bench's figures
under its name, with the machine's CPU count and the commit measured.  A bench
run alone writes a file of its own.  ``python -m bench.results`` rewrites the
table in bench/README.md from the newest file; ``python -m bench.chart``
draws the history.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"
START, END = "<!-- bench results: start -->", "<!-- bench results: end -->"

# What the table shows of each bench: (bench, key in its figures, label, goal).
ROWS = (
    ("import_snapshot", "ratio", "import ÷ COPY", "≤ 1.5"),
    ("import_snapshot", "rss_peak_mb", "import peak RSS, MB", "flat"),
    ("pages", "paper_cached_ratio", "cached paper page ÷ static", "≥ 0.8"),
    ("pages", "digest_cached_ratio", "cached digest page ÷ static", "≥ 0.8"),
    ("pages", "paper_uncached_p99_ms", "uncached paper p99, ms", "< 50"),
    ("pages", "digest_uncached_p99_ms", "uncached digest p99, ms", "< 50"),
    ("pages", "search_common_p95_ms", "search p95, common words, ms", "< 50"),
    ("pages", "search_rare_p95_ms", "search p95, rare words, ms", "< 50"),
    ("pages", "index_worst_p99_ms", "uncached index pages, home, feeds: slowest p99, ms", "< 50"),
    ("desk", "worst_p95_ms", "desk: slowest page p95, ms", "< 200"),
    ("pipeline", "ratio", "pipeline wall ÷ ideal", "≤ 1.05"),
    ("pipeline_c32", "ratio", "pipeline wall ÷ ideal, concurrency 32", "≤ 1.10"),
    ("pipeline_c32", "worker_cpu_ms_per_paper", "pipeline worker CPU per paper, ms", "≤ 8"),
    ("review_day", "actions_per_entry", "review day: actions per entry", "≤ 1.5"),
)


def run_id() -> str:
    return os.environ.get("BENCH_RUN") or dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def save(name: str, figures: dict, run: str | None = None) -> Path:
    """Merge one bench's figures into this run's file (created if new); returns its path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    run = run or run_id()
    path = RESULTS_DIR / f"{run}.json"
    data = json.loads(path.read_text()) if path.exists() else {"run": run, "cpus": os.cpu_count(), "commit": commit(),
                                                                   "benches": {}}
    data["benches"][name] = {**figures, "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {path}")
    return path


def history() -> list[dict]:
    """Every run's file, oldest first (file names are UTC timestamps)."""
    return [json.loads(path.read_text()) for path in sorted(RESULTS_DIR.glob("*.json"))]


def latest_figures(runs: list[dict]) -> dict[tuple[str, str], tuple[object, str, dict]]:
    """For each table row, the newest run that measured it: (value, run, that bench's figures)."""
    found = {}
    for data in runs:
        for bench, key, _, _ in ROWS:
            figures = data.get("benches", {}).get(bench, {})
            if key in figures:
                found[(bench, key)] = (figures[key], data["run"], figures)
    return found


def table(runs: list[dict]) -> str:
    found = latest_figures(runs)
    lines = ["| measure | latest | goal | run | at |", "|---|---|---|---|---|"]
    for bench, key, label, goal in ROWS:
        if (bench, key) not in found:
            lines.append(f"| {label} | – | {goal} | not measured yet | |")
            continue
        value, run, figures = found[(bench, key)]
        scale = figures.get("papers") or figures.get("records") or ""
        at = f"{scale:,} papers" if isinstance(scale, int) else ""
        if bench.startswith("pipeline"):
            at = f"{figures.get('papers', '?')} papers, concurrency {figures.get('concurrency', '?')}"
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        lines.append(f"| {label} | {shown} | {goal} | {run} | {at} |")
    return "\n".join(lines)


def update_readme(runs: list[dict] | None = None) -> None:
    runs = history() if runs is None else runs
    text = README.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"bench.results: {README} has no {START} … {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table(runs)}\n{END}{tail}")


def main() -> int:
    runs = history()
    if not runs:
        print("bench.results: no results yet (bench/results/*.json)", file=sys.stderr)
        return 1
    update_readme(runs)
    print(table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
