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
from bench.pages import DIGEST_DAYS, DIGEST_SIZE, REDIS_CACHE_URL, STATIC_NAME
from bench.pages.client import Result, load, prime
from bench.pages.cpu import machine_busy
from bench.pages.data import count_matches, ensure_data, pick_targets, write_static_page
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
    args = parser.parse_args(argv)
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
    matches = count_matches(targets.search_queries)
    print("search matches: " + ", ".join(f"{q!r} {n:,}" for q, n in matches.items()))
    started = time.perf_counter()
    static_root = collectstatic()
    size = write_static_page(static_root, targets.paper_ids[0])
    print(f"collectstatic + static page ({size / 1024:.1f} KiB, /static/{STATIC_NAME}): "
          f"{time.perf_counter() - started:.1f} s")
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
    search_paths = [f"/search/?q={quote_plus(q)}" for q in targets.search_queries]
    results: dict[str, Result] = {}

    with Gunicorn("uncached", cached=False, args=args) as server:
        for name, paths in (("digest uncached", digest_paths), ("paper uncached", paper_paths),
                            ("search", search_paths)):
            failed, _ = prime(server.port, paths[:20])
            if failed:
                raise SystemExit(f"bench.pages: {name}: {failed} of the first 20 pages did not answer 200")
            results[name] = load(name, server, paths, **measure)

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

    order = ["static", "digest uncached", "digest cached", "paper uncached", "paper cached", "search"]
    print_table([results[name] for name in order], results["static"])
    print()
    for text, ok in verdicts(results):
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(f"ratio: {results['paper cached'].rps / results['static'].rps:.2f}")
    return 0


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
