"""Public-site benchmark: the reader's pages under load, behind gunicorn, against a static file.

    python -m bench.pages --n 100000     # DATABASE_URL defaults to paperdesk_bench_pages

Makes sure the database holds N published papers (synthetic arXiv snapshot
records imported with ``import_sources``, then a published Summary for every
paper, 30 published daily digests of 30 papers each and the search vectors,
all written with SQL), starts gunicorn with the production settings, and
drives it with a small keep-alive HTTP client (8 connections, 1 s warm-up,
5 s measured per scenario).  Scenarios:

* ``static``: the paper page saved as an HTML file, served by WhiteNoise from
  the same gunicorn — the ceiling: no view, no template, no database (measured
  before and after the cached pages, the better run kept);
* ``digest`` and ``paper``, uncached (``PAGE_CACHE=False``, no Redis) and
  cached (Redis, every page rendered once before the measurement);
* ``search``: the search page over English and Chinese words (never cached).

It prints req/s, p50/p95/p99 latency, the ratio to the static throughput and
PASS/FAIL against the targets (cached ≥ 0.5× static; uncached p99 < 100 ms;
search p95 < 100 ms), and as the last line ``ratio: X.XX`` (cached paper
page req/s ÷ static file req/s).

The data is made once: a rerun that finds at least N published papers reuses
them.  Otherwise the paper tables are emptied (as in ``bench.import_snapshot``),
so point DATABASE_URL at a throwaway database.
"""
from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

import psycopg
from django.db import connection

from bench.import_snapshot import ensure_database, run_import, setup_django, truncate_papers, write_snapshot

BASE_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = BASE_DIR / "bench" / "out"  # gunicorn logs (git-ignored)
STATIC_NAME = "bench/static.html"  # under STATIC_ROOT, served at /static/bench/static.html
REDIS_CACHE_URL = "redis://127.0.0.1:6379/14"
DIGEST_DAYS, DIGEST_SIZE = 30, 30

# What the public pages must reach (README, "The public pages").
CACHED_MIN_RATIO = 0.5
UNCACHED_MAX_P99_MS = 100.0
SEARCH_MAX_P95_MS = 100.0

# --- synthetic Chinese summaries --------------------------------------------------
# Headline and one-line summary are built in SQL from these lists, picked by a hash
# of the paper id, so every paper gets its own combination.
ZH_SUBJECTS = """
    大语言模型 检索增强生成 智能体 多模态模型 强化学习 知识图谱 思维链推理 指令微调 视觉语言模型
    代码生成 长上下文 机器翻译 语音识别 图神经网络 扩散模型 推荐系统 文本摘要 问答系统 具身智能
    数学推理
""".split()
ZH_ASPECTS = """
    高效推理 鲁棒性评估 对齐方法 幻觉检测 可解释性分析 安全性研究 数据增强 参数高效微调 自动评测
    知识蒸馏 提示学习 零样本泛化 偏见缓解 模型压缩 持续学习 不确定性估计
""".split()
ZH_HEADLINES = (
    "面向%1$s的%2$s新框架", "%1$s中的%2$s：一项实证研究", "基于%1$s的%2$s方法", "重新思考%1$s的%2$s",
    "%1$s%2$s的统一基准", "迈向可靠的%1$s：%2$s视角",
)
ZH_TLDRS = (
    "本文提出一种%2$s方法，在%1$s任务上显著优于现有基线。",
    "我们系统研究了%1$s与%2$s，实验表明该方法在多个基准上取得最佳结果。",
    "作者构建了%1$s的新数据集，并用%2$s提升了效果。",
)
# Search words: English ones come from bench.import_snapshot.WORDS (titles and
# abstracts), Chinese ones from the lists above.  Multi-word queries AND their words.
SEARCH_WORDS = (
    "retrieval", "reinforcement", "adversarial", "multimodal", "retrieval augmented generation",
    "智能体", "知识蒸馏", "扩散模型", "幻觉检测", "强化学习 鲁棒性评估",
)


# --- database: N published papers -------------------------------------------------

def scalar(query: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]


def execute(query: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.rowcount


def data_ready(n: int) -> bool:
    published = scalar("SELECT count(*) FROM papers_summary WHERE status = 'published'")
    if published < n:
        return False
    return bool(
        scalar("SELECT count(*) FROM papers_digest WHERE status = 'published'")
        and not scalar(
            "SELECT count(*) FROM papers_paper p JOIN papers_summary s ON s.paper_id = p.id "
            "WHERE s.status = 'published' AND p.search_vector IS NULL"
        )
    )


def filler_columns(table: str, given: set[str]) -> dict[str, str]:
    """SQL values for the NOT NULL, default-less columns the INSERT does not name.

    Django keeps defaults in Python, not in the table, so a column added later by
    somebody else's migration would otherwise break these INSERTs.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s AND is_nullable = 'NO' "
            "AND column_default IS NULL AND is_identity = 'NO'",
            [table],
        )
        missing = [(name, kind) for name, kind in cursor.fetchall() if name not in given]
    by_type = {"jsonb": "'[]'::jsonb", "boolean": "false", "timestamp with time zone": "now()", "date": "current_date"}
    numeric = {"integer", "bigint", "smallint", "numeric", "double precision", "real"}
    return {name: by_type.get(kind, "0" if kind in numeric else "''") for name, kind in missing}


def insert_select(table: str, values: dict[str, str], rest: str, params=None) -> int:
    """``INSERT INTO table (columns) SELECT values rest``, other required columns filled in."""
    values = {**values, **filler_columns(table, set(values))}
    columns = ", ".join(values)
    return execute(f"INSERT INTO {table} ({columns}) SELECT {', '.join(values.values())} {rest}", params)


def create_summaries() -> int:
    """A published Summary for every paper: Chinese headline and one-liner, nothing else."""
    pick = "({}::text[])[1 + (h / {} %% {})]"
    # h: a well-mixed non-negative number per paper id (Knuth's multiplicative hash).
    subject = pick.format("%(subjects)s", 1, len(ZH_SUBJECTS))
    aspect = pick.format("%(aspects)s", 7, len(ZH_ASPECTS))
    subject2 = pick.format("%(subjects)s", 131, len(ZH_SUBJECTS))
    aspect2 = pick.format("%(aspects)s", 2741, len(ZH_ASPECTS))
    headline = f"format({pick.format('%(headlines)s', 58757, len(ZH_HEADLINES))}, {subject}, {aspect})"
    tldr = f"format({pick.format('%(tldrs)s', 524287, len(ZH_TLDRS))}, {subject2}, {aspect2})"
    return insert_select(
        "papers_summary",
        {
            "paper_id": "id", "headline_zh": headline, "tldr": tldr, "summary_language": "'zh'",
            "status": "'published'", "published_at": "now()", "key_points": "'[]'::jsonb", "keywords": "'[]'::jsonb",
            "created_at": "now()", "modified_at": "now()",
        },
        "FROM (SELECT id, (id * 2654435761) %% 4294967296 AS h FROM papers_paper) AS p",
        {
            "subjects": ZH_SUBJECTS, "aspects": ZH_ASPECTS,
            "headlines": list(ZH_HEADLINES), "tldrs": list(ZH_TLDRS),
        },
    )


def create_digests() -> int:
    """One published all-topics digest a day for the last DIGEST_DAYS days, newest papers first."""
    execute("TRUNCATE papers_digest RESTART IDENTITY CASCADE")
    insert_select(
        "papers_digest",
        {
            "date": "current_date - day", "title": "'Daily digest ' || to_char(current_date - day, 'YYYY-MM-DD')",
            "status": "'published'", "published_at": "now()", "created_at": "now()", "modified_at": "now()",
        },
        "FROM generate_series(0, %s) AS day",
        [DIGEST_DAYS - 1],
    )
    return insert_select(
        "papers_digestentry",
        {"digest_id": "d.id", "paper_id": "r.id", "position": "r.n %% %s"},
        """FROM (SELECT id, row_number() OVER (ORDER BY published DESC, arxiv_id DESC) - 1 AS n FROM papers_paper) AS r
           JOIN papers_digest AS d ON d.date = current_date - (r.n / %s)::int AND d.topic_id IS NULL
           WHERE r.n < %s""",
        [DIGEST_SIZE, DIGEST_SIZE, DIGEST_SIZE * DIGEST_DAYS],
    )


def index_all() -> int:
    """``papers.services.search_index.index_papers`` for every paper, as one UPDATE.

    index_papers segments each entry's Chinese text with jieba in Python (about
    0.1 ms a paper, plus loading every Summary).  Here the only Chinese fields are
    the headline and the one-liner, made from a few hundred distinct strings, so
    each distinct string is segmented once; jieba treats the space that
    ``chinese_document`` puts between fields as a boundary, so segmenting the
    fields apart gives the same words.  ``check_index`` compares with index_papers.
    Stemming the abstracts is most of the work: one UPDATE per CPU, each on its
    share of the papers.
    """
    from papers.services.search_index import segment

    with connection.cursor() as cursor:
        cursor.execute("SELECT headline_zh FROM papers_summary UNION SELECT tldr FROM papers_summary")
        texts = [row[0] for row in cursor.fetchall()]
        cursor.execute("DROP TABLE IF EXISTS bench_segmented")
        cursor.execute("CREATE UNLOGGED TABLE bench_segmented (text text PRIMARY KEY, words text)")
        cursor.execute(
            "INSERT INTO bench_segmented SELECT * FROM unnest(%s::text[], %s::text[])",
            [texts, [segment(t) for t in texts]],
        )
    parts = max(1, os.cpu_count() or 1)

    def update(part: int) -> int:
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as conn:
            return conn.execute(
                """
                UPDATE papers_paper AS p SET search_vector =
                    setweight(to_tsvector('english', p.title), 'A')
                    || setweight(to_tsvector('simple', concat_ws(' ', nullif(h.words, ''), nullif(t.words, ''))), 'B')
                    || setweight(to_tsvector('english', p.abstract || ' ' || p.comments), 'C')
                FROM papers_summary AS s, bench_segmented AS h, bench_segmented AS t
                WHERE s.paper_id = p.id AND h.text = s.headline_zh AND t.text = s.tldr AND p.id %% %s = %s
                """,
                [parts, part],
            ).rowcount

    try:
        with ThreadPoolExecutor(max_workers=parts) as pool:
            return sum(pool.map(update, range(parts)))
    finally:
        execute("DROP TABLE bench_segmented")


def check_index(sample: int = 50) -> None:
    """Recompute a sample with papers.services.search_index.index_papers; the vectors must not change."""
    from papers.services.search_index import index_papers

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text FROM papers_paper ORDER BY random() LIMIT %s", [sample])
        before = dict(cursor.fetchall())
        index_papers(list(before))
        cursor.execute("SELECT id, search_vector::text FROM papers_paper WHERE id = ANY(%s)", [list(before)])
        differ = [pk for pk, vector in cursor.fetchall() if vector != before[pk]]
    if differ:
        raise SystemExit(f"bench.pages: bulk search vectors differ from index_papers for papers {differ[:10]}")


def ensure_data(n: int, rebuild: bool = False) -> None:
    if not rebuild and data_ready(n):
        count = scalar("SELECT count(*) FROM papers_summary WHERE status = 'published'")
        print(f"setup: skipped, the database already holds {count:,} published papers")
        return
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="paperdesk-bench-") as folder:
        path = Path(folder) / "arxiv-metadata-oai-snapshot.jsonl"
        write_snapshot(path, n)
        truncate_papers()
        step = time.perf_counter()
        imported = run_import(path)
    if imported["created"] != n or imported["failed"]:
        raise SystemExit(
            f"bench.pages: import created {imported['created']} of {n} papers, {imported['failed']} failed "
            f"(ImportBatch #{imported['batch']}); first errors: {imported['errors']}"
        )
    times = {"import": time.perf_counter() - step}
    for name, work in (("summaries", create_summaries), ("digests", create_digests), ("search vectors", index_all)):
        step = time.perf_counter()
        work()
        times[name] = time.perf_counter() - step
    check_index()
    step = time.perf_counter()
    for table in ("papers_paper", "papers_summary", "papers_digest", "papers_digestentry", "papers_authorship",
                  "papers_author"):
        execute(f"VACUUM ANALYZE {table}")
    times["vacuum analyze"] = time.perf_counter() - step
    detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items())
    print(f"setup: {n:,} published papers in {time.perf_counter() - started:.1f} s ({detail})")


# --- what to request ---------------------------------------------------------------

@dataclass
class Targets:
    digest_dates: list[str]
    paper_ids: list[str]  # many, for uncached pages
    cached_paper_ids: list[str]  # fewer, each rendered once before the cached run
    search_queries: list[str]


def pick_targets(seed: int = 7) -> Targets:
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_char(date, 'YYYY-MM-DD') FROM papers_digest WHERE status = 'published' ORDER BY date")
        dates = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT p.arxiv_id FROM papers_paper p JOIN papers_summary s ON s.paper_id = p.id "
            "WHERE s.status = 'published' ORDER BY p.id"
        )
        ids = [row[0] for row in cursor.fetchall()]
    sample = rng.sample(ids, min(len(ids), 2000))
    return Targets(dates, sample, sample[:200], list(SEARCH_WORDS))


def count_matches(queries: list[str]) -> dict[str, int]:
    from papers.models import Paper
    from papers.site.search import matching

    return {q: matching(Paper.objects.published(), q).count() for q in queries}


def write_static_page(static_root: Path, arxiv_id: str) -> int:
    """The paper page as rendered by the site, saved as a static file: same bytes, no work."""
    from django.test import Client

    response = Client().get(f"/paper/{arxiv_id}/", HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise SystemExit(f"bench.pages: /paper/{arxiv_id}/ answered {response.status_code} in process")
    path = static_root / STATIC_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(response.content)
    return len(response.content)


# --- who used the CPUs ------------------------------------------------------------------

CPU_GROUPS = ("server", "db", "client", "other")


def cpu_ticks(server_session: int | None) -> dict | None:
    """CPU time used so far, in clock ticks, by process (Linux /proc; None elsewhere).

    "busy" is the whole machine; every process is filed under "server" (the
    gunicorn processes: their own session), "db" (Redis, and the PostgreSQL
    backends connected to the bench database), "client" (this process) or nothing.
    """
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        processes = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:  # gone meanwhile
                continue
            comm, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
            pid, session = int(stat.parent.name), int(rest[3])
            if pid == os.getpid():
                group = "client"
            elif server_session is not None and session == server_session:
                group = "server"
            elif comm == "redis-server" or (comm == "postgres" and is_bench_backend(stat.parent)):
                group = "db"
            else:
                continue
            processes[pid] = (group, int(rest[11]) + int(rest[12]))  # utime + stime
        return {"busy": sum(fields) - fields[3] - fields[4], "processes": processes}
    except (OSError, ValueError, IndexError):
        return None


def is_bench_backend(proc: Path) -> bool:
    """A PostgreSQL backend ("postgres: 15/main: user dbname host(port) state") on the bench database."""
    try:
        title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return False
    return connection.settings_dict["NAME"] in title


def cpu_used(before: dict | None, after: dict | None, seconds: float) -> dict[str, float]:
    """CPUs kept busy (1.0 = one CPU all the time) by each group between two ``cpu_ticks``.

    "other" is the machine's busy time minus the three groups: tests, builds,
    anything else that ran meanwhile (and processes of the groups that ended).
    """
    if not before or not after:
        return {}
    hz = os.sysconf("SC_CLK_TCK")
    ticks = dict.fromkeys(CPU_GROUPS, 0)
    for pid, (group, used) in after["processes"].items():
        earlier = before["processes"].get(pid)
        ticks[group] += used - (earlier[1] if earlier and earlier[0] == group else 0)
    ticks["other"] = max(0, after["busy"] - before["busy"] - sum(ticks.values()))
    return {group: value / hz / seconds for group, value in ticks.items()}


def machine_busy(seconds: float = 1.0) -> float:
    """CPUs kept busy, over ``seconds``, by everything (NaN without /proc)."""
    before = cpu_ticks(None)
    time.sleep(seconds)
    used = cpu_used(before, cpu_ticks(None), seconds)
    return sum(used.values()) if used else float("nan")


# --- gunicorn ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(cached: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=os.urandom(32).hex(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        DATABASE_URL=os.environ["DATABASE_URL"],
        CONN_MAX_AGE="60",
        DEBUG="False",
        # Uncached: the page cache off, and REDIS_URL set but empty so a .env file cannot turn Redis on.
        REDIS_URL=REDIS_CACHE_URL if cached else "",
        PAGE_CACHE="True" if cached else "False",
    )
    return env


def collectstatic() -> Path:
    env = server_env(cached=False)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)
    root = subprocess.run(
        [*manage, "shell", "--command", "from django.conf import settings; print(settings.STATIC_ROOT)"],
        cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # (the shell may print a banner first)
    return Path(root)


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


class Gunicorn:
    """gunicorn on a free port, stopped (TERM, then KILL) when the block ends, error or not."""

    def __init__(self, name: str, cached: bool, args: argparse.Namespace):
        self.name, self.cached, self.args = name, cached, args
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = OUT_DIR / f"gunicorn-{name}.log"

    def __enter__(self) -> Gunicorn:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.args.workers),
            # (gunicorn turns sync workers into gthread ones when given more than one thread)
            "--worker-class", self.args.worker_class,
            "--threads", str(self.args.threads if self.args.worker_class == "gthread" else 1),
            # Load the app before forking: every worker is ready as soon as it exists, so no
            # scenario starts while one worker is still booting (see wait_ready).
            "--preload",
            "--keep-alive", "5", "--graceful-timeout", "10", "--no-control-socket",
            "--worker-tmp-dir", "/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir(),
            "--error-logfile", str(self.log),
        ]
        with self.log.open("w"):
            pass
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=server_env(self.cached), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Until gunicorn answers and all its workers exist.

        A keep-alive connection stays with the worker that accepted it: connections
        opened while only one worker is up would all land on it, halving the throughput.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench.pages: gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            probe = Connection(self.port)
            try:
                status = probe.request(f"/static/{STATIC_NAME}").status
            except (OSError, EOFError):
                status = None
            finally:
                probe.close()
            if status == 200 and len(self.worker_pids()) >= self.args.workers:
                time.sleep(0.2)
                return
            time.sleep(0.1)
        raise SystemExit(f"bench.pages: gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:  # ppid
                    pids.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return pids if Path("/proc/self/stat").exists() else [0] * self.args.workers

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn: graceful shutdown of the workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only what it started
            self.process.wait()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- load generator --------------------------------------------------------------------

@dataclass
class Response:
    status: int
    size: int
    cache: str  # X-Cache header: "hit", "miss" or ""


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1; reconnects when the server closes it.

    It also starts a new connection every ``REQUESTS_PER_CONNECTION`` requests, as
    browsers and proxies do now and then: a gthread worker keeps every connection it
    accepted, so without that a chance imbalance between the workers would last the
    whole scenario.
    """

    REQUESTS_PER_CONNECTION = 100

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = bytearray()
        self.served = 0

    def connect(self) -> None:
        self.close()
        self.served = 0
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer.clear()

    def request(self, path: str) -> Response:
        message = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUser-Agent: bench.pages\r\n\r\n".encode()
        reused = self.sock is not None
        if not reused:
            self.connect()
        try:
            self.sock.sendall(message)
            return self.read_response()
        except (ConnectionError, EOFError):
            if not reused:
                raise
            self.connect()  # the server closed an idle keep-alive connection: once more, on a new one
            self.sock.sendall(message)
            return self.read_response()

    def fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise EOFError("connection closed by the server")
        self.buffer += chunk

    def read_response(self) -> Response:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self.fill()
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            size = int(headers["content-length"])
            while len(self.buffer) < size:
                self.fill()
            del self.buffer[:size]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            size = self.read_chunked()
        else:  # body until the server closes
            try:
                while True:
                    self.fill()
            except EOFError:
                pass
            size = len(self.buffer)
            self.close()
        self.served += 1
        if headers.get("connection", "").lower() == "close" or self.served >= self.REQUESTS_PER_CONNECTION:
            self.close()
        return Response(status, size, headers.get("x-cache", ""))

    def read_chunked(self) -> int:
        total = 0
        while True:
            while (end := self.buffer.find(b"\r\n")) < 0:
                self.fill()
            length = int(bytes(self.buffer[:end]).split(b";")[0], 16)
            del self.buffer[: end + 2]
            while len(self.buffer) < length + 2:
                self.fill()
            del self.buffer[: length + 2]
            total += length
            if length == 0:
                return total  # (no trailers from gunicorn)


@dataclass
class Result:
    name: str
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: dict[str, int] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    size: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # CPUs used by group while measured (see cpu_ticks)
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency in ms at percentile ``p`` (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))] * 1000


def load(name: str, server: Gunicorn, paths: list[str], *, connections: int, warmup: float, duration: float) -> Result:
    """``connections`` threads, each on its own keep-alive connection, requesting ``paths`` in turn.

    Throughput: the requests that complete in the ``duration`` seconds after
    ``warmup``.  Latency: every request that was running during that window —
    also those still running when it closes (they are waited for, no new ones
    start), so that slow pages are not left out of the percentiles.
    """
    counter = itertools.count()
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration
    result = Result(name)
    lock = threading.Lock()
    cpu_marks: list[dict | None] = []
    port = server.port

    def client() -> None:
        conn = Connection(port)
        latencies, errors, hits, misses, size, completed = [], {}, 0, 0, 0, 0
        try:
            while (now := time.perf_counter()) < stop_at:
                path = paths[next(counter) % len(paths)]
                try:
                    response, problem = conn.request(path), None
                except (OSError, EOFError) as exc:
                    conn.close()
                    response, problem = None, type(exc).__name__
                done = time.perf_counter()
                if response is not None and response.status != 200:
                    problem = f"HTTP {response.status}"
                completed += not problem and measure_from <= done <= stop_at
                if done < measure_from:
                    continue
                if problem:
                    errors[problem] = errors.get(problem, 0) + 1
                    continue
                latencies.append(done - now)
                size = response.size
                hits += response.cache == "hit"
                misses += response.cache == "miss"
        finally:
            conn.close()
            with lock:
                result.requests += completed
                result.latencies += latencies
                for problem, count in errors.items():
                    result.errors[problem] = result.errors.get(problem, 0) + count
                result.hits += hits
                result.misses += misses
                result.size = result.size or size

    def mark_cpu() -> None:
        time.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu_marks.append(cpu_ticks(server.process.pid))
        time.sleep(max(0.0, stop_at - time.perf_counter()))
        cpu_marks.append(cpu_ticks(server.process.pid))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    threads.append(threading.Thread(target=mark_cpu, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = duration
    if len(cpu_marks) == 2:
        result.cpu = cpu_used(*cpu_marks, duration)
    return result


def prime(port: int, paths: list[str]) -> tuple[int, int]:
    """Request every path once (fills the page cache); returns (non-200 answers, cache hits)."""
    conn, failed, hits = Connection(port), 0, 0
    try:
        for path in paths:
            response = conn.request(path)
            failed += response.status != 200
            hits += response.cache == "hit"
    finally:
        conn.close()
    return failed, hits


# --- report ----------------------------------------------------------------------------

def print_table(results: list[Result], static: Result) -> None:
    print()
    print(f"{'scenario':<16} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'×static':>7} "
          f"{'KiB':>5}  {'CPUs: server db client other':<28}  notes")
    for r in results:
        notes = [r.note] if r.note else []
        if r.hits or r.misses:
            notes.append(f"cache hits {r.hits / (r.hits + r.misses):.0%}")
        if r.errors:
            notes.append("errors " + ", ".join(f"{k}×{v}" for k, v in r.errors.items()))
        if r.cpu.get("other", 0) > 0.15:
            notes.append("other processes busy: noisy")
        cpu = "  ".join(f"{r.cpu[group]:>4.2f}" for group in CPU_GROUPS) if r.cpu else "n/a"
        ratio = r.rps / static.rps if static.rps else float("nan")
        print(f"{r.name:<16} {r.rps:>7.0f} {r.percentile(50):>8.1f} {r.percentile(95):>8.1f} {r.percentile(99):>8.1f} "
              f"{ratio:>7.2f} {r.size / 1024:>5.1f}  {'':<6}{cpu:<22}  {'; '.join(notes)}")


def verdicts(results: dict[str, Result]) -> list[tuple[str, bool]]:
    static = results["static"]
    checks = []
    for name in ("digest cached", "paper cached"):
        ratio = results[name].rps / static.rps
        checks.append(
            (f"{name}: {ratio:.2f}× static throughput (target ≥ {CACHED_MIN_RATIO})", ratio >= CACHED_MIN_RATIO)
        )
    latency_targets = (
        ("digest uncached", 99, UNCACHED_MAX_P99_MS), ("paper uncached", 99, UNCACHED_MAX_P99_MS),
        ("search", 95, SEARCH_MAX_P95_MS),
    )
    for name, p, limit in latency_targets:
        value = results[name].percentile(p)
        shown = "no request finished" if math.isnan(value) else f"{value:.1f} ms"
        checks.append((f"{name}: p{p} {shown} (target < {limit:.0f} ms)", value < limit))
    for name, result in results.items():
        if result.errors:
            checks.append((f"{name}: {sum(result.errors.values())} failed requests (target 0)", False))
    return checks


# --- command ---------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
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


# Its own database: bench.import_snapshot empties the paper tables of its one on every run, and this
# bench's 100,000 published papers take minutes to make again.
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


if __name__ == "__main__":
    sys.exit(main())
