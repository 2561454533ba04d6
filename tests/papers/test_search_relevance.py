"""The bounded search's first page is the right one: on the seeds and on a hand-made relevance set.

``papers.site.search.search`` ranks only the newest ``CANDIDATES`` matches, so
that a word in a third of a million papers costs what a rare word does.  These
tests compare its first page with the exhaustive ranking (every match ranked,
no bound): where the matches fit in the bound the two must be identical, and
where they do not, the first page must be the exhaustive ranking of the newest
matches — the bound may only ever drop older papers, never reorder or lose a
better one among those it keeps.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.postgres.search import SearchRank
from django.db.models import F

from papers.models import Paper
from papers.services.ingest import IngestOptions, import_sources
from papers.services.search_index import index_papers
from papers.site import search as search_module
from papers.site.search import _terms, _ts_query, matching, search
from papers.site.page_queries import PAGE_SIZE
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

SEED_QUERIES = ["关系理解", "好奇心", "红队", "可信性", "迁移学习", "relation comprehension", "relations",
                "curiosity-driven red teaming", "TRUSTWORTHINESS", "好奇心 curiosity", "language", "model", "大模型"]

# query → the paper a reader means (hand-judged), in a set where other papers mention the words too.
RELEVANCE = {
    "graph neural networks molecules": "2405.00001",
    "speculative decoding": "2405.00002",
    "检索增强生成": "2405.00003",
    "reward hacking": "2405.00004",
    "多智能体 协作": "2405.00005",
}
PAPERS = [
    # (arxiv id, days old, title, abstract, Chinese headline)
    ("2405.00001", 30, "Graph Neural Networks for Molecules", "We predict properties of molecules with graph neural "
     "networks.", "用图神经网络预测分子性质"),
    ("2405.00002", 40, "Speculative Decoding at Scale", "Speculative decoding drafts tokens with a small model.",
     "大规模推测解码"),
    ("2405.00003", 20, "Retrieval-Augmented Generation for Law", "A legal assistant.",
     "面向法律的检索增强生成：检索增强生成如何引用法条"),
    ("2405.00004", 10, "Reward Hacking in RLHF", "Policies exploit reward models: reward hacking.", "奖励投机"),
    ("2405.00005", 5, "Cooperating Agents", "Agents that work together.", "多智能体协作框架"),
    # Distractors: the same words once, in an abstract.
    ("2405.00011", 1, "A Survey of Chemistry Models", "Unlike graph neural networks, we treat molecules as text.",
     "化学模型综述"),
    ("2405.00012", 2, "Faster Inference", "We compare quantization with speculative decoding.", "更快的推理"),
    ("2405.00013", 3, "Legal Question Answering", "A baseline without retrieval.", "法律问答，对比检索增强生成"),
    ("2405.00014", 4, "Alignment Notes", "We discuss reward shaping and, briefly, hacking.", "对齐笔记"),
    ("2405.00015", 6, "Games", "Single agents play games.", "多智能体游戏中的协作"),
]


def exhaustive(queryset, query: str) -> list[int]:
    """Every match ranked, best first, newest first among equals: the answer without a bound."""
    ranked = matching(queryset, query).annotate(rank=SearchRank(F("search_vector"), _ts_query(_terms(query))))
    rows = sorted(ranked.values_list("published", "arxiv_id", "pk", "rank"),
                  key=lambda row: (row[0] or date.min, row[1]), reverse=True)
    return [row[2] for row in sorted(rows, key=lambda row: row[3], reverse=True)]


def newest(queryset, query: str, n: int) -> set[int]:
    return set(matching(queryset, query).order_by("-published", "-arxiv_id").values_list("pk", flat=True)[:n])


@pytest.fixture
def relevance_set():
    today = date(2024, 6, 1)
    for arxiv_id, age, title, abstract, headline in PAPERS:
        SummaryFactory(paper=PaperFactory(arxiv_id=arxiv_id, title=title, abstract=abstract,
                                          published=today - timedelta(days=age)),
                       headline_zh=headline, title_zh="", abstract_zh="", tldr="", key_points=[], published=True)
    index_papers(list(Paper.objects.values_list("pk", flat=True)))


@pytest.mark.parametrize("query", SEED_QUERIES)
def test_on_the_seeds_the_first_page_is_the_exhaustive_ranking(seed_digest, seed_hexo, query):
    import_sources([str(seed_digest), str(seed_hexo)], options=IngestOptions(publish=True))
    published = Paper.objects.published()
    ids, more = search(published, query)
    assert ids, query
    assert not more and ids[:PAGE_SIZE] == exhaustive(published, query)[:PAGE_SIZE]


@pytest.mark.parametrize("query, relevant", RELEVANCE.items())
def test_the_paper_meant_comes_first(relevance_set, query, relevant):
    ids, _ = search(Paper.objects.published(), query)
    assert Paper.objects.get(pk=ids[0]).arxiv_id == relevant
    assert ids == exhaustive(Paper.objects.published(), query)[:len(ids)]


@pytest.mark.parametrize("bound", [1, 2, 3])
@pytest.mark.parametrize("query", [*RELEVANCE, "models", "agents"])
def test_a_tight_bound_ranks_the_newest_matches_exactly_as_the_exhaustive_ranking_does(relevance_set, monkeypatch,
                                                                                        query, bound):
    published = Paper.objects.published()
    monkeypatch.setattr(search_module, "CANDIDATES", bound)
    ids, more = search(published, query)
    kept = newest(published, query, bound)
    assert set(ids) == kept
    assert ids == [pk for pk in exhaustive(published, query) if pk in kept]  # the same order as without a bound
    assert more == (matching(published, query).count() > bound)


@pytest.mark.parametrize("bound", [2, 100])
@pytest.mark.parametrize("query", [*RELEVANCE, "models", "agents"])
def test_rare_and_common_words_get_the_same_answer_by_either_path(relevance_set, monkeypatch, query, bound):
    """A word with few matches is read from the GIN index alone, others along the date index: same results."""
    published = Paper.objects.published()
    monkeypatch.setattr(search_module, "CANDIDATES", bound)
    through_index = search(published, query)
    monkeypatch.setattr(search_module, "RARE_MATCHES", 0)  # every word "common": the date index
    assert search(published, query) == through_index


@pytest.fixture
def planner_statistics(relevance_set):
    """The planner's statistics of the vectors, fresh (ANALYZE), and read again by the search."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper")
    search_module._statistics.clear()
    yield
    search_module._statistics.clear()


def _probed(query: str) -> bool:
    """Whether the search looked the word up in the GIN index first (the rare-word path)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        search(Paper.objects.published(), query)
    return any(f"LIMIT {search_module.RARE_MATCHES + 1}" in q["sql"] for q in queries)


def test_a_word_the_planner_knows_is_left_to_its_plan_and_an_unknown_one_goes_to_the_gin_index(planner_statistics):
    common = search_module._common_lexemes(Paper.objects.all())
    assert common.get("agent") and common.get("model"), common  # in most of the set: among the commonest
    assert not _probed("agents")
    assert not _probed("Models agents")
    assert _probed("zyzzyva")  # in no paper, so in no statistics
    assert _probed("agents zyzzyva")  # one word the planner does not know is enough


def test_without_statistics_every_word_goes_to_the_gin_index_first(relevance_set, monkeypatch):
    import time

    monkeypatch.setitem(search_module._statistics, "default", (time.monotonic(), {}))  # never analyzed
    assert _probed("agents")


def _searched_everything(query: str) -> tuple[tuple[list[int], bool], bool]:
    """``search`` of every searchable paper (no filters), and whether it looked the words up in the GIN index first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = search(None, query)
    return result, any(f"LIMIT {search_module.RARE_MATCHES + 1}" in q["sql"] for q in queries)


@pytest.fixture
def with_a_draft(relevance_set):
    """An unpublished paper that every query below would find."""
    SummaryFactory(paper=PaperFactory(arxiv_id="2405.00099", title="Agents, models and speculative decoding",
                                      abstract="Graph neural networks for molecules; reward hacking.",
                                      published=date(2024, 6, 1)),
                   headline_zh="多智能体协作与检索增强生成", published=False)
    index_papers(list(Paper.objects.values_list("pk", flat=True)))
    return Paper.objects.get(arxiv_id="2405.00099").pk


@pytest.mark.parametrize("statistics", [False, True])
@pytest.mark.parametrize("query", [*RELEVANCE, "models", "agents", "Speculative models", "agents 多智能体", "zyzzyva"])
def test_a_search_without_filters_answers_as_the_filtered_path_does(with_a_draft, request, monkeypatch, statistics,
                                                                     query):
    """Its fixed queries give what the queryset path gives, along either path (GIN index first, or the date index)."""
    import time

    if statistics:
        request.getfixturevalue("planner_statistics")
    else:
        monkeypatch.setitem(search_module._statistics, "default", (time.monotonic(), {}))  # never analyzed
    expected = search(Paper.objects.searchable(), query)
    with monkeypatch.context() as fixed_only:  # the queryset path may not answer for it
        fixed_only.setattr(search_module, "_searched", lambda *args: pytest.fail("not the fixed queries"))
        (ids, more), probed = _searched_everything(query)
    assert (ids, more) == expected
    assert with_a_draft not in ids
    assert bool(ids) == (query != "zyzzyva")
    if not statistics:
        assert probed  # every word to the GIN index first
    elif query in {"agents", "Speculative models"}:
        assert not probed  # words the planner knows: along the date index
    elif query == "zyzzyva":
        assert probed
