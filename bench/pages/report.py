"""The report: one line per scenario, and PASS/FAIL against the targets."""
from __future__ import annotations

import math

from bench.pages import CACHED_MIN_RATIO, INDEX_SCENARIOS, SEARCH_MAX_P95_MS, UNCACHED_MAX_P99_MS
from bench.pages.client import Result
from bench.pages.cpu import CPU_GROUPS

def print_table(results: list[Result], static: Result) -> None:
    print()
    print(f"{'scenario':<16} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'×static':>7} "
          f"{'KiB':>5}  {'CPUs: server db client other':<28}  {'reads/req: blocks ms':<20}  notes")
    for r in results:
        notes = [r.note] if r.note else []
        if r.hits or r.misses:
            notes.append(f"cache hits {r.hits / (r.hits + r.misses):.0%}")
        if r.errors:
            notes.append("errors " + ", ".join(f"{k}×{v}" for k, v in r.errors.items()))
        if r.cpu.get("other", 0) > 0.15:
            notes.append("other processes busy: noisy")
        cpu = "  ".join(f"{r.cpu[group]:>4.2f}" for group in CPU_GROUPS) if r.cpu else "n/a"
        reads = f"{r.reads[0]:>8.1f} {r.reads[1]:>6.2f}" if r.reads else "n/a"
        ratio = r.rps / static.rps if static.rps else float("nan")
        print(f"{r.name:<16} {r.rps:>7.0f} {r.percentile(50):>8.1f} {r.percentile(95):>8.1f} {r.percentile(99):>8.1f} "
              f"{ratio:>7.2f} {r.size / 1024:>5.1f}  {'':<6}{cpu:<22}  {'':<5}{reads:<15}  {'; '.join(notes)}")


def verdicts(results: dict[str, Result]) -> list[tuple[str, bool]]:
    static = results.get("static")
    checks = []
    for name in ("digest cached", "paper cached") if static else ():
        ratio = results[name].rps / static.rps
        checks.append(
            (f"{name}: {ratio:.2f}× static throughput (target ≥ {CACHED_MIN_RATIO})", ratio >= CACHED_MIN_RATIO)
        )
    latency_targets = (
        ("digest uncached", 99, UNCACHED_MAX_P99_MS), ("paper uncached", 99, UNCACHED_MAX_P99_MS),
        ("search common", 95, SEARCH_MAX_P95_MS), ("search rare", 95, SEARCH_MAX_P95_MS),
        *((name, 99, UNCACHED_MAX_P99_MS) for name in INDEX_SCENARIOS),
    )
    for name, p, limit in latency_targets:
        if name not in results:  # a run of some scenarios only
            continue
        value = results[name].percentile(p)
        shown = "no request finished" if math.isnan(value) else f"{value:.1f} ms"
        checks.append((f"{name}: p{p} {shown} (target < {limit:.0f} ms)", value < limit))
    for name, result in results.items():
        if result.errors:
            checks.append((f"{name}: {sum(result.errors.values())} failed requests (target 0)", False))
    return checks
