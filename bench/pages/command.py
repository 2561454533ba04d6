"""``python -m bench.pages``: the options, then data, server, load and report in order."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from urllib.parse import quote_plus

from django.db import connection

import bench.pages
from bench.import_snapshot import ensure_database, setup_django
from bench.pages import DIGEST_DAYS, DIGEST_SIZE, INDEX_SCENARIOS, REDIS_CACHE_URL, STATIC_NAME
from bench.pages.client import Result, load, prime
from bench.pages.cpu import machine_busy
from bench.pages.reads import time_reads, warm_kernel_cache
from bench.pages.data import count_matches, ensure_data, pick_targets, published_count, write_static_page
from bench.results import save
from bench.search_terms import classify
from bench.pages.report import print_table, verdicts
from bench.pages.server import Gunicorn, collectstatic, flush_redis

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=bench.pages.__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="published papers in the database (default: 100000)")
    parser.add_argument("--rebuild", action="store_true", help="make the data again even if enough is there")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per scenario (default: 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first (default: 1)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive connections (default: 8)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn workers (default: one per CPU, as gunicorn.conf.py)")
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"),
                        help="gunicorn worker class (default: sync, as gunicorn.conf.py; see bench/README.md)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default: 4)")
    parser.add_argument("--search-only", action="store_true", help="only the search scenarios (no results file)")
    parser.add_argument("--index-only", action="store_true",
                        help="only the index pages' scenarios: topics, tags, authors (no results file)")
    args = parser.parse_args(argv)
    if args.search_only and args.index_only:
        parser.error("--search-only and --index-only: choose one")
    if args.n < DIGEST_DAYS * DIGEST_SIZE:
        parser.error(f"--n must be at least {DIGEST_DAYS * DIGEST_SIZE} (the digests' papers)")
    if args.duration <= 0 or args.warmup < 0 or args.connections < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--duration, --connections, --workers and --threads must be positive, --warmup not negative")
    return args


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/paperdesk_bench_pages"


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    setup_django()
    if connection.vendor != "postgresql":
        print(f"bench.pages needs PostgreSQL; DATABASE_URL points to {connection.vendor}.", file=sys.stderr)
        return 2
    ensure_database()
    ensure_data(args.n, rebuild=args.rebuild)
    targets = pick_targets()
    papers = published_count()
    # Each word classed by what it matches (common ≥ 10% of papers, rare < 0.1%); a word in between is
    # reported and left out, so neither figure hides the other kind.
    search_paths: dict[str, list[str]] = {"search common": [], "search rare": []}
    for kind, words in targets.search_queries.items():
        matches = count_matches(words)
        print(f"search words, {kind}: " + ", ".join(
            f"{q!r} {n:,} ({n / papers:.2%}, {classify(n, papers)})" for q, n in matches.items()))
        for q, n in matches.items():
            if classify(n, papers) != "middle":
                search_paths[f"search {classify(n, papers)}"].append(f"/search/?q={quote_plus(q)}")
    started = time.perf_counter()
    static_root = collectstatic()
    size = write_static_page(static_root, targets.paper_ids[0])
    print(f"collectstatic + static page ({size / 1024:.1f} KiB, /static/{STATIC_NAME}): "
          f"{time.perf_counter() - started:.1f} s")
    if not time_reads():
        print("reads: the database user may not set track_io_timing; the read column shows blocks only")
    started = time.perf_counter()
    warmed = warm_kernel_cache()
    print(f"kernel cache: {warmed * 8 / 1024 / 1024:.1f} GiB of tables and indexes read in {time.perf_counter() - started:.0f} s"
          if warmed is not None else "kernel cache: pg_prewarm is not available; the first reads come from the disk")
    connection.close()  # the bench holds no database connection while gunicorn works
    busy = machine_busy()
    print(f"before the load: {busy:.2f} of {os.cpu_count()} CPUs busy"
          + (" — WARNING: something else is running, the numbers will be low and noisy" if busy > 0.15 else ""))
    print(f"gunicorn: {args.workers} {args.worker_class} workers"
          + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
          + f"; load: {args.connections} keep-alive connections, {args.warmup:g} s warm-up + {args.duration:g} s each")

    measure = dict(connections=args.connections, warmup=args.warmup, duration=args.duration)
    digest_paths = [f"/digest/{d}/" for d in targets.digest_dates]
    paper_paths = [f"/paper/{i}/" for i in targets.paper_ids]
    cached_paper_paths = [f"/paper/{i}/" for i in targets.cached_paper_ids]
    results: dict[str, Result] = {}
    index_paths = targets.index_paths
    uncached = [("digest uncached", digest_paths), ("paper uncached", paper_paths), *search_paths.items(),
                *index_paths.items()]
    if args.search_only:
        uncached = list(search_paths.items())
    elif args.index_only:
        uncached = list(index_paths.items())

    with Gunicorn("uncached", cached=False, args=args) as server:
        for name, paths in uncached:
            failed, _ = prime(server.port, paths[:20])
            if failed:
                raise SystemExit(f"bench.pages: {name}: {failed} of the first 20 pages did not answer 200")
            results[name] = load(name, server, paths, **measure)
    if args.search_only or args.index_only:
        names = search_paths if args.search_only else index_paths
        print_table([results[name] for name in names], results[next(iter(names))])
        if args.index_only:
            for text, ok in verdicts(results):
                print(f"{'PASS' if ok else 'FAIL'}  {text}")
        return 0

    flush_redis(REDIS_CACHE_URL)
    with Gunicorn("cached", cached=True, args=args) as server:
        # The ceiling is measured before and after the cached pages and the better run kept:
        # on a shared machine a burst of other work during one run would lower it (and flatter the ratio).
        statics = [load("static", server, [f"/static/{STATIC_NAME}"], **measure)]
        for name, paths in (("digest cached", digest_paths), ("paper cached", cached_paper_paths)):
            failed, _ = prime(server.port, paths)
            if failed:
                raise SystemExit(f"bench.pages: {name}: {failed} pages did not answer 200")
            results[name] = load(name, server, paths, **measure)
        statics.append(load("static", server, [f"/static/{STATIC_NAME}"], **measure))
        results["static"] = max(statics, key=lambda r: r.rps)
        results["static"].note = "best of 2 runs: " + ", ".join(f"{r.rps:.0f}" for r in statics) + " req/s"

    order = ["static", "digest uncached", "digest cached", "paper uncached", "paper cached", "search common",
             "search rare", *index_paths]
    print_table([results[name] for name in order], results["static"])
    print()
    for text, ok in verdicts(results):
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(f"ratio: {results['paper cached'].rps / results['static'].rps:.2f}")
    save("pages", figures(results, papers))
    return 0


def figures(results: dict[str, Result], papers: int) -> dict:
    """What the results file keeps of a run (bench.results)."""
    static = results["static"].rps
    return {
        "papers": papers, "static_rps": round(static),
        "paper_cached_ratio": round(results["paper cached"].rps / static, 3),
        "digest_cached_ratio": round(results["digest cached"].rps / static, 3),
        "paper_uncached_p99_ms": round(results["paper uncached"].percentile(99), 1),
        "digest_uncached_p99_ms": round(results["digest uncached"].percentile(99), 1),
        "search_common_p95_ms": round(results["search common"].percentile(95), 1),
        "search_rare_p95_ms": round(results["search rare"].percentile(95), 1),
        "paper_uncached_rps": round(results["paper uncached"].rps),
        "paper_uncached_read_ms": round(results["paper uncached"].reads[1], 2) if results["paper uncached"].reads else None,
        "search_common_rps": round(results["search common"].rps),
        **{f"{name.replace(' ', '_')}_p99_ms": round(results[name].percentile(99), 1) for name in INDEX_SCENARIOS},
        "index_worst_p99_ms": round(max(results[name].percentile(99) for name in INDEX_SCENARIOS), 1),
    }


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A TERM (e.g. from a CI timeout) unwinds like Ctrl-C, so gunicorn is stopped on the way out.
    signal.signal(signal.SIGTERM, interrupted)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("bench.pages: interrupted", file=sys.stderr)
        return 130
