"""The history of the bench figures as one picture: ``python -m bench.chart`` → docs/bench-history.png.

One panel per measure of ``bench.results.ROWS`` that some run recorded, its
value per run (oldest left), the goal as a dashed line where it is a number.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from bench.results import ROWS, history

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "bench-history.png"


def goal_value(goal: str) -> float | None:
    match = re.search(r"[\d.]+", goal)
    return float(match.group()) if match and goal[0] in "<≤≥>" else None


def series(runs: list[dict]) -> list[tuple[str, str, list[str], list[float]]]:
    found = []
    for bench, key, label, goal in ROWS:
        points = [(data["run"], data["benches"][bench][key]) for data in runs
                  if isinstance(data.get("benches", {}).get(bench, {}).get(key), (int, float))]
        if points:
            found.append((label, goal, [run for run, _ in points], [float(value) for _, value in points]))
    return found


def draw(runs: list[dict], output: Path = OUTPUT) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    panels = series(runs)
    if not panels:
        raise SystemExit("bench.chart: no figures in bench/results/*.json")
    columns = 3
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), squeeze=False)
    for ax, (label, goal, runs_shown, values) in zip(axes.flat, panels):
        ax.plot(range(len(values)), values, marker="o", color="#1f5fa8")
        target = goal_value(goal)
        if target is not None:
            ax.axhline(target, linestyle="--", color="#b03a2e", linewidth=1, label=f"goal {goal}")
            ax.legend(fontsize=7, loc="best")
        ax.set_title(label, fontsize=9)
        ax.set_xticks(range(len(values)), [run[4:8] + " " + run[9:13] for run in runs_shown], rotation=45,
                      fontsize=7, ha="right")
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(bottom=0)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    figure.suptitle("Paperdesk benchmarks by run (MMDD HHMM UTC)", fontsize=11)
    figure.tight_layout()
    output.parent.mkdir(exist_ok=True)
    figure.savefig(output, dpi=110)
    plt.close(figure)
    return output


def main() -> int:
    path = draw(history())
    print(f"chart: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
