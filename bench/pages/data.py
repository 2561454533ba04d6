"""The bench's data: N published papers with Chinese summaries, daily digests, topics, tags and search vectors, written with SQL.

The papers come from synthetic arXiv snapshot records imported with
``import_sources``; everything else is one INSERT … SELECT (or UPDATE, or COPY for the tags) each.
"""
from __future__ import annotations

import gzip
import os
import random
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connection

from bench.import_snapshot import run_import, truncate_papers, write_snapshot
from bench.search_terms import all_terms
from bench.pages import DIGEST_DAYS, DIGEST_SIZE, STATIC_NAME

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


ZH_SEED = 42424


def create_chinese_abstracts() -> int:
    """A Chinese abstract per paper from the Zipf vocabulary (``bench.vocabulary``), and its jieba words.

    Written to an unlogged table that ``create_summaries`` and ``index_all``
    read (and ``index_all`` drops): the words are what ``segment`` makes of
    the text, without running jieba over a million abstracts.
    """
    from bench.vocabulary import chinese_abstract, chinese_segmented, chinese_text

    rng = random.Random(ZH_SEED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM papers_paper ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute("DROP TABLE IF EXISTS bench_zh")
        cursor.execute("CREATE UNLOGGED TABLE bench_zh (paper_id bigint PRIMARY KEY, text text, words text)")
        with cursor.copy("COPY bench_zh (paper_id, text, words) FROM STDIN") as copy:
            for paper_id in ids:
                sentences = chinese_abstract(rng)
                copy.write_row((paper_id, chinese_text(sentences), chinese_segmented(sentences)))
    return len(ids)


def create_summaries() -> int:
    """A published Summary for every paper: Chinese headline, abstract and one-liner, nothing else."""
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
            "paper_id": "id", "headline_zh": headline, "tldr": tldr, "abstract_zh": "z.text", "summary_language": "'zh'",
            "status": "'published'", "published_at": "now()", "key_points": "'[]'::jsonb", "keywords": "'[]'::jsonb",
            "created_at": "now()", "modified_at": "now()",
        },
        "FROM (SELECT id, (id * 2654435761) %% 4294967296 AS h FROM papers_paper) AS p "
        "JOIN bench_zh AS z ON z.paper_id = p.id",
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
    0.1 ms a paper, plus loading every Summary).  Here the headline and the
    one-liner are made from a few hundred distinct strings, so each distinct
    string is segmented once, and the abstract's words come segmented from
    ``create_chinese_abstracts``; jieba treats the space that
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
                    || setweight(to_tsvector('simple', concat_ws(' ', nullif(h.words, ''), nullif(z.words, ''),
                                                                   nullif(t.words, ''))), 'B')
                    || setweight(to_tsvector('english', p.abstract || ' ' || p.comments), 'C')
                FROM papers_summary AS s, bench_segmented AS h, bench_segmented AS t, bench_zh AS z
                WHERE s.paper_id = p.id AND h.text = s.headline_zh AND t.text = s.tldr AND z.paper_id = p.id
                  AND p.id %% %s = %s
                """,
                [parts, part],
            ).rowcount

    try:
        with without_search_index(), ThreadPoolExecutor(max_workers=parts) as pool:
            return sum(pool.map(update, range(parts)))
    finally:
        execute("DROP TABLE bench_segmented")
        execute("DROP TABLE IF EXISTS bench_zh")


@contextmanager
def without_search_index() -> Iterator[None]:
    """The papers' GIN index dropped while every row is written, then built once.

    Kept up row by row, its pending list is merged into the index every few MB
    (at a million papers the two UPDATEs of the vectors with the index in
    place ran over 40 minutes here, and any UPDATE of every paper re-inserts
    its whole vector); CREATE INDEX sorts every entry once instead.
    """
    index_sql = scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'papers_paper_search_gin'")
    execute("DROP INDEX IF EXISTS papers_paper_search_gin")
    try:
        yield
    finally:
        if index_sql:
            execute(index_sql)


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


# --- topics and tags ----------------------------------------------------------------
# Every paper has one of the site's topics (the import's classifier always picks one), in these shares by
# position; and one to three tags from a Zipf-ranked list: the head is what editors tag with (a tag on a third
# of the papers), the tail tags a handful each, as in a real archive.
TOPIC_SHARES = (35, 15, 25, 15, 10)  # percent, the topics in their order (llm, llm-theory, llm-applications, agent, rag)
HEAD_TAGS = """
    LLM Agent RAG RLHF Benchmark Multimodal Reasoning Alignment Evaluation Fine-tuning Retrieval Safety
    Code-generation Long-context Efficiency Instruction-tuning Hallucination Tool-use Dataset Survey
""".split()
TAGS = 3_000
TAGS_PER_PAPER, TAGS_PER_PAPER_WEIGHTS = (1, 2, 3), (3, 4, 3)
TAG_SEED = 31337


def create_topics() -> int:
    """Each paper's topic, by a hash of its id (one UPDATE, without the search index if vectors are there)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM papers_topic ORDER BY position, slug")
        topics = [row[0] for row in cursor.fetchall()]
    slots = [topic for topic, share in zip(topics, TOPIC_SHARES) for _ in range(share)] or [None]
    with without_search_index():
        return execute(
            "UPDATE papers_paper SET topic_id = (%s::bigint[])[1 + ((id * 2654435761) %% 4294967296) %% %s]",
            [slots, len(slots)],
        )


def create_tags() -> int:
    """TAGS tags, and one to three of them for every paper, drawn by Zipf rank (COPY)."""
    from bench.vocabulary import made_up_words, zipf_cumulative

    names = HEAD_TAGS + [word.capitalize() for word in made_up_words(TAGS - len(HEAD_TAGS), set(), seed=TAG_SEED)]
    rng = random.Random(TAG_SEED)
    weights = zipf_cumulative(len(names))
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO taggit_tag (name, slug) SELECT name, lower(name) FROM unnest(%s::text[]) AS name "
                       "ORDER BY name ON CONFLICT DO NOTHING", [names])
        cursor.execute("SELECT name, id FROM taggit_tag WHERE name = ANY(%s)", [names])
        ids = dict(cursor.fetchall())
        tag_ids = [ids[name] for name in names]  # by rank
        cursor.execute("SELECT id FROM django_content_type WHERE app_label = 'papers' AND model = 'paper'")
        paper_type = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM papers_paper ORDER BY id")
        papers = [row[0] for row in cursor.fetchall()]
        links = 0
        with cursor.copy("COPY taggit_taggeditem (object_id, content_type_id, tag_id) FROM STDIN") as copy:
            for paper in papers:
                k = rng.choices(TAGS_PER_PAPER, weights=TAGS_PER_PAPER_WEIGHTS)[0]
                for tag in set(rng.choices(tag_ids, cum_weights=weights, k=k)):
                    copy.write_row((paper, paper_type, tag))
                    links += 1
    return links


def ensure_index_data() -> None:
    """Topics and tags for papers made without (a database from before the bench had them), and their counts.

    The index pages (/topic/, /tag/, /author/) read the published counts, which the bench's SQL-made
    papers bypass: they are recounted here, as ``recount_published`` would.
    """
    steps = {}
    if not scalar("SELECT count(*) FROM (SELECT 1 FROM papers_paper WHERE topic_id IS NOT NULL LIMIT 1) AS t"):
        started = time.perf_counter()
        create_topics()
        execute("VACUUM ANALYZE papers_paper")
        steps["topics"] = time.perf_counter() - started
    if not scalar("SELECT count(*) FROM (SELECT 1 FROM taggit_taggeditem LIMIT 1) AS t"):
        started = time.perf_counter()
        create_tags()
        execute("VACUUM ANALYZE taggit_taggeditem")
        execute("VACUUM ANALYZE taggit_tag")
        steps["tags"] = time.perf_counter() - started
    # Counted once (a minute at a million papers): a new data set empties the author and tag counts with the rest.
    if steps or not scalar("SELECT count(*) FROM (SELECT 1 FROM papers_authorcount LIMIT 1) AS t"):
        from papers.services.published_counts import recount

        started = time.perf_counter()
        recount()
        for table in ("papers_topiccount", "papers_tagcount", "papers_authorcount"):
            execute(f"VACUUM ANALYZE {table}")
        steps["published counts"] = time.perf_counter() - started
    if steps:
        print("setup: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()))


def ensure_data(n: int, rebuild: bool = False) -> None:
    if not rebuild and data_ready(n):
        count = scalar("SELECT count(*) FROM papers_summary WHERE status = 'published'")
        print(f"setup: skipped, the database already holds {count:,} published papers")
        ensure_index_data()
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
    for name, work in (("Chinese abstracts", create_chinese_abstracts), ("summaries", create_summaries),
                       ("digests", create_digests), ("topics", create_topics), ("tags", create_tags),
                       ("search vectors", index_all)):
        step = time.perf_counter()
        work()
        times[name] = time.perf_counter() - step
    check_index()
    step = time.perf_counter()
    for table in ("papers_paper", "papers_summary", "papers_digest", "papers_digestentry", "papers_authorship",
                  "papers_author", "taggit_taggeditem", "taggit_tag"):
        execute(f"VACUUM ANALYZE {table}")
    times["vacuum analyze"] = time.perf_counter() - step
    detail = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in times.items())
    print(f"setup: {n:,} published papers in {time.perf_counter() - started:.1f} s ({detail})")
    ensure_index_data()



# --- what to request ---------------------------------------------------------------

@dataclass
class Targets:
    digest_dates: list[str]
    paper_ids: list[str]  # many, for uncached pages
    cached_paper_ids: list[str]  # fewer, each rendered once before the cached run
    search_queries: dict[str, list[str]]  # by kind: common/rare, English/Chinese (bench.search_terms)
    index_paths: dict[str, list[str]]  # the index pages' scenarios (see index_paths)


# Searches of the author index: family names of the bench's pool, common and rare, and parts of names.
AUTHOR_QUERIES = ("wang", "müller", "sharma", "yamamoto", "ivanov", "chen a.", "li", "ren", "lefèvre", "sofia")
DEEP_AUTHOR_PAGES = 20  # cursors spread over the alphabet, each asked for the page after and the page before


def index_paths() -> dict[str, list[str]]:
    """The index pages as readers page through them: every tag page, the author index's first page and
    letters, pages after and before authors spread over the whole list, and author searches; and the
    lists of the latest published: the home page and the feeds."""
    from urllib.parse import quote

    from papers.site.indexes import TAGS_PER_PAGE

    tags = scalar("SELECT count(*) FROM papers_tagcount WHERE papers > 0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT a.slug FROM papers_author AS a JOIN papers_authorcount AS c ON c.author_id = a.id "
                       "WHERE c.papers > 0 ORDER BY a.name, a.id")
        slugs = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT t.slug FROM papers_topic AS t JOIN papers_topiccount AS c ON c.topic_id = t.id "
                       "WHERE c.papers > 0")
        topics = [row[0] for row in cursor.fetchall()]
    step = max(1, len(slugs) // DEEP_AUTHOR_PAGES)
    cursors = [quote(slug) for slug in slugs[step::step][:DEEP_AUTHOR_PAGES]]
    return {
        "topic index": ["/topic/"],
        "tag index": [f"/tag/?page={n}" for n in range(1, max(1, -(-tags // TAGS_PER_PAGE)) + 1)],
        "author index": ["/author/", *(f"/author/?from={letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")],
        "author deep": [f"/author/?{where}={slug}" for slug in cursors for where in ("after", "before")],
        "author search": [f"/author/?q={quote(q)}" for q in AUTHOR_QUERIES],
        "home and feeds": ["/", "/feed/rss/", "/feed/atom/",
                           *(f"/feed/{kind}/topic/{quote(slug)}/" for slug in topics for kind in ("rss", "atom"))],
    }


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
    return Targets(dates, sample, sample[:200], all_terms(), index_paths())


def count_matches(queries: list[str]) -> dict[str, int]:
    from papers.models import Paper
    from papers.site.search import matching

    return {q: matching(Paper.objects.published(), q).count() for q in queries}


def published_count() -> int:
    return scalar("SELECT count(*) FROM papers_summary WHERE status = 'published'")


def write_static_page(static_root: Path, arxiv_id: str) -> int:
    """The paper page as rendered by the site, saved as a static file: same bytes, no work.

    With its gzip-compressed copy beside it, as ``collectstatic`` leaves every
    static file: WhiteNoise sends that to a client that accepts gzip, as the
    page cache sends its pages.
    """
    from django.test import Client

    response = Client().get(f"/paper/{arxiv_id}/", HTTP_HOST="127.0.0.1")
    if response.status_code != 200:
        raise SystemExit(f"bench.pages: /paper/{arxiv_id}/ answered {response.status_code} in process")
    path = static_root / STATIC_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(response.content)
    path.with_name(f"{path.name}.gz").write_bytes(gzip.compress(response.content, 9, mtime=0))
    return len(response.content)
