"""Public-site benchmark: the reader's pages under load, behind gunicorn, against a static file.

    python -m bench.pages --n 100000     # DATABASE_URL defaults to paperdesk_bench_pages

Makes sure the database holds N published papers (synthetic arXiv snapshot
records imported with ``import_sources``, then a published Summary for every
paper, 30 published daily digests of 30 papers each and the search vectors,
all written with SQL), starts gunicorn with the production settings, and
drives it with a small keep-alive HTTP client (8 connections, 1 s warm-up,
5 s measured per scenario) that accepts gzip as browsers do: the static file
and the cached pages go compressed, the uncached pages as Django renders them.
Scenarios:

* ``static``: the paper page saved as an HTML file, served by WhiteNoise from
  the same gunicorn — the ceiling: no view, no template, no database (measured
  before and after the cached pages, the better run kept);
* ``digest`` and ``paper``, uncached (``PAGE_CACHE=False``, no Redis) and
  cached (Redis, every page rendered once before the measurement);
* ``search common`` and ``search rare``: the search page (never cached) over
  English and Chinese words that match at least 10% of papers, and under 0.1%;
* the index pages, uncached: ``topic index`` (/topic/), ``tag index`` (every
  page of /tag/), ``author index`` (/author/ and its letters), ``author deep``
  (the pages after and before authors spread over the whole list) and
  ``author search``; and ``home and feeds`` (the home page, the site's RSS
  and Atom feeds and every topic's), uncached too.

It prints req/s, p50/p95/p99 latency, the ratio to the static throughput and
PASS/FAIL against the targets (cached ≥ 0.8× static; uncached p99 < 50 ms, the
index pages too; search p95 < 50 ms for common and rare words), and as the last line
``ratio: X.XX`` (cached paper page req/s ÷ static file req/s).

The parts, each readable alone: ``data`` (the synthetic published papers),
``server`` (gunicorn with the production settings), ``client`` (the
keep-alive load generator), ``cpu`` (who used the CPUs), ``report`` (the
table and the verdicts) and ``command`` (the options and the run).

The data is made once: a rerun that finds at least N published papers reuses
them.  Otherwise the paper tables are emptied (as in ``bench.import_snapshot``),
so point DATABASE_URL at a throwaway database.
"""

# Where the parts agree: the static file's name, the cache's Redis database and the targets.
STATIC_NAME = "bench/static.html"  # under STATIC_ROOT, served at /static/bench/static.html
REDIS_CACHE_URL = "redis://127.0.0.1:6379/14"
DIGEST_DAYS, DIGEST_SIZE = 30, 30
INDEX_SCENARIOS = ("topic index", "tag index", "author index", "author deep", "author search", "home and feeds")

# What the public pages must reach at a million papers (bench/README.md, "Results").
CACHED_MIN_RATIO = 0.8
UNCACHED_MAX_P99_MS = 50.0
SEARCH_MAX_P95_MS = 50.0
