"""Pipeline benchmark: N papers through ``summarize_paper`` on a real Celery worker.

    python -m bench.pipeline            # 200 papers, 300 ms per LLM call, concurrency 8

Imports N synthetic papers (the generator of ``bench.import_snapshot``, through
``papers.services.ingest.import_sources``), starts the scripted local
OpenAI-compatible server (``tests.pipeline.fake_openai.FakeOpenAI``) with a fixed
latency, starts one real ``celery worker`` subprocess on the ``llm`` queue
(thread pool) with LLM calls capped at C in flight (``SUMMARIZER_CONCURRENCY``,
the same Redis-held cap production uses), then times queueing
``summarize_paper.delay`` for every paper until every paper has its Generation.  The
worker runs a few more threads than C (``--threads``, as the README advises),
so that saving one answer overlaps with the next call instead of leaving its
slot idle; the server checks that no more than C calls were ever in flight.

The ideal time is N × latency ÷ C: the LLM calls alone, perfectly packed on C
slots.  Everything above it is pipeline overhead (broker round trips, prefetch,
per-task setup, database work, the worker's own CPU).  It prints the LLM calls
the server received and the duplicates among them (a paper summarized twice is
money spent twice), and as the last two lines ``duplicate calls: N`` and
``ratio: X.XX`` (wall time ÷ ideal time).

PostgreSQL only (exit 2 otherwise).  DATABASE_URL defaults to the throwaway
``paperdesk_bench_pipeline`` database (created if missing, migrated every run,
paper tables emptied every run); REDIS_URL defaults to Redis db 13, which is
FLUSHED at start.  The worker's log goes to ``bench/out/pipeline-worker.log``.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.results import save

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/paperdesk_bench_pipeline"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
ROOT = Path(__file__).resolve().parents[1]
WORKER_LOG = ROOT / "bench" / "out" / "pipeline-worker.log"
TITLE_RE = re.compile(r"^Title: (.*?)\n\nAuthors: ", re.DOTALL | re.MULTILINE)


# --- setup -----------------------------------------------------------------------

def configure_environment() -> None:
    """Before django.setup(): the bench's own database, and Redis as the broker (never eager)."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["REDIS_URL"] = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL  # empty would mean "eager"
    os.environ.setdefault("DEBUG", "False")


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def import_papers(n: int) -> int:
    """Empty the paper tables and import ``n`` synthetic papers; returns how many were created."""
    from bench.import_snapshot import truncate_papers, write_snapshot
    from papers.services.ingest import IngestOptions, import_sources

    truncate_papers()
    with tempfile.TemporaryDirectory(prefix="paperdesk-bench-pipeline-") as folder:
        path = Path(folder) / "arxiv-metadata-oai-snapshot.jsonl"
        write_snapshot(path, n)
        batch = import_sources([str(path)], options=IngestOptions(), started_by="bench.pipeline")
    if batch.failed:
        raise RuntimeError(f"import failed for {batch.failed} records (ImportBatch #{batch.pk})")
    return batch.created


# --- the worker ------------------------------------------------------------------

class Worker:
    """One ``celery worker`` subprocess on the llm queue, in its own process group, named ``bench<N>@host``."""

    def __init__(self, env: dict[str, str], threads: int, number: int = 1):
        self.env, self.threads, self.proc, self.log = env, threads, None, None
        self.number = number
        self.log_path = WORKER_LOG if number == 1 else WORKER_LOG.with_name(f"pipeline-worker-{number}.log")

    @property
    def node(self) -> str:
        return f"bench{self.number}@{socket.gethostname()}"

    def start(self, app, timeout: float = 60.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", "llm", "--pool", "threads",
             "--concurrency", str(self.threads), "--hostname", self.node, "--without-gossip", "--without-mingle",
             "--loglevel", "WARNING"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.proc.returncode}; see {self.log_path}")
            if app.control.ping(destination=[self.node], timeout=0.5):
                return
        raise RuntimeError(f"the worker did not answer a ping in {timeout:.0f} s; see {self.log_path}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the worker process so far (all its threads), from /proc."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, AttributeError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Warm shutdown (SIGTERM); SIGKILL if it has not exited after 15 s."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        if self.log is not None:
            self.log.close()
            self.log = None


def worker_env(server_url: str, concurrency: int) -> dict[str, str]:
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": settings.REDIS_URL,
        "SUMMARIZER_BACKEND": "openai",
        "OPENAI_BASE_URL": server_url,
        "OPENAI_API_KEY": "x",
        "SUMMARIZER_MODEL": "fake-model",
        "SUMMARIZER_RPM": "0",
        "SUMMARIZER_CONCURRENCY": str(concurrency),
        "DEBUG": "False",
        "SECRET_KEY": "bench",
        "CONN_MAX_AGE": os.environ.get("BENCH_WORKER_CONN_MAX_AGE", "60"),
    }


# --- the run ---------------------------------------------------------------------

def timed_server(latency: float, nodelay: bool = True):
    """FakeOpenAI that also records when each call came in and when its answer was ready to send.

    With ``nodelay`` its connections get TCP_NODELAY, as any production HTTP server sets: http.server
    sends the headers and the body in two writes, and on a kept-alive connection Nagle's algorithm then
    holds the body until the client's delayed ACK (40 ms on Linux): +40 ms on every call that reuses
    a connection, an artifact of the test double, not of the pipeline.
    """
    from tests.pipeline.fake_openai import FakeOpenAI

    class TimedFakeOpenAI(FakeOpenAI):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.spans: list[tuple[float, float]] = []

        def respond(self, handler, behaviour, body):
            handler.began = time.perf_counter()
            if nodelay:
                handler.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return super().respond(handler, behaviour, body)

        def _send(self, handler, status, payload, headers=None):
            # A call ends, for the count of calls at once, before its answer is written: the worker
            # frees its slot the moment the answer is in and may start its next call before this
            # thread runs again, and a span ended after the write once counted 33 calls under a cap of 32.
            with self.lock:
                self.spans.append((handler.began, time.perf_counter()))
            return FakeOpenAI._send(handler, status, payload, headers)

    return TimedFakeOpenAI(("good",), latency=latency)


class Stalled(Exception):
    pass


def wait_for_generations(expected: int, workers: list[Worker], deadline: float, poll: float = 0.05) -> None:
    """Until every paper has its Generation (the task stores no result); fails fast if a worker dies."""
    from papers.models import Generation

    while Generation.objects.filter(kind=Generation.Kind.BACKEND).count() < expected:
        for worker in workers:
            if worker.proc.poll() is not None:
                raise Stalled(f"worker {worker.node} exited with {worker.proc.returncode} mid-run")
        if time.perf_counter() > deadline:
            raise Stalled("timed out waiting for the tasks")
        time.sleep(poll)


def stall_report(expected: int, workers: list[Worker], redis_url: str) -> str:
    """What is where when a run does not finish: rows, broker queue, unacked, worker log."""
    import redis

    from papers.models import Generation

    client = redis.Redis.from_url(redis_url)
    try:
        queued, unacked = client.llen("llm"), client.hlen("unacked")
    finally:
        client.close()
    alive = all(worker.proc is not None and worker.proc.poll() is None for worker in workers)
    log = [f"{worker.node}: {line}" for worker in workers if worker.log_path.exists()
           for line in worker.log_path.read_text(errors="replace").splitlines()[-15:]]
    return "\n".join([
        f"  Generations: {Generation.objects.count()} of {expected}",
        f"  broker: {queued} messages waiting in 'llm', {unacked} delivered but unacknowledged",
        *(["  nothing left in the broker: was the Redis db flushed by something else?"]
          if not queued and not unacked and alive else []),
        f"  workers alive: {alive}; last lines of their logs ({WORKER_LOG.parent}):",
        *(f"    {line}" for line in log),
    ])


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def calls_per_paper(calls: list[dict], titles: dict[str, int]) -> tuple[Counter, int]:
    """LLM calls per paper id, found by the paper's title in the prompt; and calls matching no paper."""
    counts, unmatched = Counter(), 0
    for body in calls:
        text = "\n".join(m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "user")
        match = TITLE_RE.search(text)
        paper_id = titles.get(match.group(1)) if match else None
        if paper_id is None:
            unmatched += 1
        else:
            counts[paper_id] += 1
    return counts, unmatched


def run(args: argparse.Namespace) -> int:
    from django.conf import settings

    from config.celery import app
    from papers.models import Generation, Paper
    from papers.tasks import summarize_paper

    app.conf.task_always_eager = False  # the worker runs the tasks, never this process
    flush_redis(settings.REDIS_URL)
    created = import_papers(args.papers)
    papers = dict(Paper.objects.values_list("pk", "title"))
    if created != args.papers or len(papers) != args.papers:
        print(f"FAILED: imported {created} papers ({len(papers)} in the database), expected {args.papers}",
              file=sys.stderr)
        return 1
    titles = {title: pk for pk, title in papers.items()}

    with timed_server(args.latency, nodelay=not args.nagle) as server:
        # One worker's threads, or the same total split over --workers processes (separate nodes).
        threads = -(-args.threads // args.workers)
        workers = [Worker(worker_env(server.url, args.concurrency), threads, number)
                   for number in range(1, args.workers + 1)]
        tasks_by_node = {}
        try:
            for worker in workers:
                worker.start(app)
            worker_cpu, own_cpu, load_before = workers_cpu(workers), self_cpu_seconds(), os.getloadavg()[0]
            started = time.perf_counter()
            for pk in papers:
                summarize_paper.delay(pk)
            queued = time.perf_counter() - started
            wait_for_generations(args.papers, workers, started + args.timeout)
            wall = time.perf_counter() - started
            worker_cpu, own_cpu = workers_cpu(workers) - worker_cpu, self_cpu_seconds() - own_cpu
            tasks_by_node = tasks_done(app, workers)
        except Stalled as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            print(stall_report(args.papers, workers, settings.REDIS_URL), file=sys.stderr)
            return 1
        finally:
            for worker in workers:
                worker.stop()
        calls, spans = list(server.calls), list(server.spans)

    generations = Generation.objects.filter(kind=Generation.Kind.BACKEND, error="").count()
    failed = Generation.objects.exclude(error="").count()
    per_paper, unmatched = calls_per_paper(calls, titles)
    duplicates = sum(count - 1 for count in per_paper.values() if count > 1) + unmatched
    never_called = sum(1 for pk in papers if pk not in per_paper)
    ideal = args.papers * args.latency / args.concurrency
    in_flight = sum(end - begin for begin, end in spans) / wall  # mean LLM calls in flight over the run
    gaps = sorted(b2 - b1 for (b1, _), (b2, _) in zip(sorted(spans), sorted(spans)[1:]))

    print(f"papers: {args.papers}")
    print(f"concurrency: {args.concurrency} LLM calls at once, one cap for all workers "
          f"(workers: {args.workers} × {threads} threads)")
    if args.workers > 1:
        print("tasks run per worker: " + ", ".join(f"{node} {count}" for node, count in tasks_by_node.items()))
    print(f"LLM latency: {args.latency * 1000:.0f} ms")
    print(f"queued in: {queued:.2f} s")
    print(f"wall time: {wall:.2f} s")
    print(f"ideal time: {ideal:.2f} s ({args.papers} × {args.latency:g} s / {args.concurrency})")
    print(f"throughput: {args.papers / wall:.1f} papers/s (ideal {args.papers / ideal:.1f})")
    print(f"LLM calls: {len(calls)}")
    print(f"LLM calls in flight: {in_flight:.2f} on average (ideal {args.concurrency}), "
          f"{most_at_once(spans)} at most (cap {args.concurrency})")
    if spans:
        first, last = min(b for b, _ in spans) - started, max(e for _, e in spans) - started
        print(f"first call arrived at {first:.2f} s, last answer sent at {last:.2f} s; "
              f"median gap between call arrivals {1000 * gaps[len(gaps) // 2] if gaps else 0:.0f} ms")
    print(f"CPU during the run: worker {worker_cpu:.2f} s ({1000 * worker_cpu / args.papers:.0f} ms/paper), "
          f"bench process incl. LLM server {own_cpu:.2f} s, on {os.cpu_count()} CPUs")
    print(f"machine load (1-min average) before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    print(f"papers never called: {never_called}, calls matching no paper: {unmatched}")
    print(f"Generations created: {generations} (failed: {failed})")
    print(f"duplicate calls: {duplicates}")
    print(f"ratio: {wall / ideal:.2f}")
    capped = most_at_once(spans) <= args.concurrency
    # The default concurrency (8) and a wide one (what real APIs allow) are kept apart in the results.
    save("pipeline" if args.concurrency == 8 else f"pipeline_c{args.concurrency}", {
        "papers": args.papers, "concurrency": args.concurrency, "workers": args.workers, "threads": threads,
        "latency_ms": round(args.latency * 1000), "wall_s": round(wall, 2), "ideal_s": round(ideal, 2),
        "ratio": round(wall / ideal, 3), "worker_cpu_ms_per_paper": round(1000 * worker_cpu / args.papers, 1),
        "most_in_flight": most_at_once(spans), "duplicate_calls": duplicates,
        "tasks_by_node": tasks_by_node, "load_before": round(load_before, 2),
    })
    return 0 if generations == args.papers and not failed and capped else 1


def workers_cpu(workers: list[Worker]) -> float:
    return sum(worker.cpu_seconds() for worker in workers)


def tasks_done(app, workers: list[Worker]) -> dict[str, int]:
    """Tasks each worker node ran (its own count, from ``celery inspect stats``)."""
    stats = app.control.inspect(destination=[w.node for w in workers], timeout=2.0).stats() or {}
    return {w.node: sum(stats.get(w.node, {}).get("total", {}).values()) for w in workers}


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The most calls the server was answering at one moment."""
    events = sorted([(begin, 1) for begin, _ in spans] + [(end, -1) for _, end in spans], key=lambda e: (e[0], e[1]))
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=200, help="papers to summarize (default: 200)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="LLM calls at once, SUMMARIZER_CONCURRENCY (default: 8)")
    parser.add_argument("--threads", type=int, help="worker threads in all (default: concurrency + 4)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (separate Celery nodes sharing the threads and the cap; default: 1)")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per LLM call (default: 0.3)")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after this many seconds (default: 120)")
    parser.add_argument("--nagle", action="store_true",
                        help="leave Nagle's algorithm on in the fake LLM server (+40 ms per reused connection)")
    args = parser.parse_args(argv)
    args.threads = args.threads or args.concurrency + 4
    if args.papers < 1 or args.concurrency < 1 or args.threads < 1 or args.workers < 1 or args.latency <= 0:
        parser.error("--papers, --concurrency, --threads and --workers must be at least 1, --latency above 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the worker and the server are stopped on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    configure_environment()
    from bench.import_snapshot import ensure_database, setup_django

    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print(f"bench.pipeline needs PostgreSQL; DATABASE_URL points to {connection.vendor}.", file=sys.stderr)
        return 2
    ensure_database()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
