"""gunicorn in production: ``gunicorn config.wsgi`` reads this file from the project root.

One synchronous worker per CPU.  Our views are CPU-bound Python: threads in
one process share its GIL and interleave requests, which stretches each of
them; measured with ``python -m bench.pages`` (8 connections, 2 CPUs), the
paper page's p99 was 142 ms on 2 workers × 4 threads and 71 ms on 2 sync
workers at the same throughput.  Sync workers belong behind a proxy that
buffers requests and keeps client connections alive (nginx, a load balancer),
as gunicorn's documentation says.  ``WEB_CONCURRENCY`` overrides the count.
"""
import gc
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
preload_app = True  # every worker is ready (and shares the loaded code) as soon as it exists
bind = os.environ.get("BIND", "127.0.0.1:8000")
timeout = 30
graceful_timeout = 10
# A web request never gains from PostgreSQL's parallel workers: under concurrent load they only add
# processes competing for the same CPUs (libpq reads PGOPTIONS).  Celery and the commands keep them.
raw_env = ["PGOPTIONS=" + " ".join(filter(None, [os.environ.get("PGOPTIONS"), "-c max_parallel_workers_per_gather=0"]))]


def pre_fork(server, worker):
    """Move everything loaded so far (with preload_app: the whole site) out of the collector's sight.

    Collections then scan only what requests allocate, which makes their pauses short, and the
    workers keep sharing the loaded pages with the master instead of copying them when the
    collector touches their objects.
    """
    gc.freeze()


GC_THRESHOLDS = (5_000, 10, 10)  # young objects a collection waits for; collections of each older generation


def post_fork(server, worker):
    """Collect young objects every 5,000 allocations, not every 700 (Python's default) nor 50,000.

    A request allocates tens of thousands of short-lived objects.  What one
    collection costs grows faster than its size: measured on the digest day
    at 1M (6,000 views in one process, the loaded site frozen as above), a
    first generation of 50,000 took 70 ms a collection on average (90 ms at
    worst), which every request queued on that worker waits out, and 1.4 s
    of collections in all; 700 took 0.4 ms each but its oldest generation
    grew large between its collections (50 ms pauses), 0.7 s in all; 5,000
    took 3 ms each, 8 ms at worst for the middle generation, 0.6 s in all.
    """
    gc.set_threshold(*GC_THRESHOLDS)
