"""Search on PostgreSQL: English stemming, jieba-segmented Chinese, the bounded and ranked candidate set."""
from __future__ import annotations

import pytest

from papers.site import search as search_module
from papers.models import Paper, Summary
from papers.services.search_index import chinese_document, index_papers, segment
from papers.site.search import MAX_QUERY_LENGTH, matching, search
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db

ASMV2 = "2402.19474"  # The All-Seeing Project V2
RED_TEAM = "2402.19464"  # Curiosity-driven Red-teaming for Large Language Models
TRUST = "2402.19465"  # Towards Tracing Trustworthiness Dynamics
PEFT = "2401.12215"  # Less Could Be Better (the Hexo post)


def entry(arxiv_id: str, title: str, abstract: str, *, published: bool = True, **text) -> Paper:
    """A paper of 2024-03-01 with its entry, indexed as publishing would index it."""
    summary = SummaryFactory(paper=PaperFactory(arxiv_id=arxiv_id, title=title, abstract=abstract,
                                                published="2024-03-01"), published=published, **text)
    index_papers([summary.paper_id])
    return summary.paper


@pytest.fixture
def draft():
    return entry("2403.00001", "Secret Draft Paper", "An unpublished draft about relation comprehension.",
                 published=False, headline_zh="草稿论文的秘密标题", abstract_zh="这是一篇尚未发布的草稿。")


def found(query: str, queryset=None) -> list[str]:
    ids, _ = search(Paper.objects.published() if queryset is None else queryset, query)
    by_pk = dict(Paper.objects.filter(pk__in=ids).values_list("pk", "arxiv_id"))
    return [by_pk[pk] for pk in ids]


def test_segment_splits_chinese_into_words_and_leaves_other_text_alone():
    assert segment("通用关系理解难题").split() == ["通用", "关系", "理解", "难题"]
    assert segment("LLM agents, v2.0") == "LLM agents, v2.0"
    assert segment("") == "" and segment(None) == ""
    words = segment("大型语言模型").split()  # search-engine mode: the long word and the words inside it
    assert "语言" in words and "模型" in words


def test_the_chinese_document_holds_every_chinese_field_segmented(published):
    summary = Summary.objects.get(paper__arxiv_id=PEFT)
    summary.tldr, summary.key_points, summary.keywords = "独角兽模型", ["斑马线检测"], ["长颈鹿"]
    words = chinese_document(summary).split()
    for expected in ("独角兽", "斑马线", "检测", "长颈鹿", "厦门", "大学", "迁移", "学习"):
        assert expected in words, expected
    assert "Chenyu" not in words and "Less" not in words  # the English title and authors are indexed elsewhere


@pytest.mark.parametrize(
    "query, first",
    [
        ("关系理解", ASMV2),
        ("好奇心", RED_TEAM),
        ("红队", RED_TEAM),
        ("可信性", TRUST),
        ("迁移学习", PEFT),
        ("relation comprehension", ASMV2),
        ("relations", ASMV2),  # stemmed: the abstract says "relation"
        ("curiosity-driven red teaming", RED_TEAM),
        ("TRUSTWORTHINESS", TRUST),
        ("好奇心 curiosity", RED_TEAM),  # Chinese and English words in one query
    ],
)
def test_chinese_and_english_queries_rank_the_right_paper_first(published, query, first):
    assert found(query)[0] == first


def test_every_word_must_match(published):
    assert found("relation")[0] == ASMV2 and found("trustworthiness")[0] == TRUST
    assert found("relation trustworthiness") == []
    assert found("关系 可信性") == []
    assert found("relation 可信性") == []


def test_a_title_match_ranks_above_an_abstract_match():
    """Two papers of the same day: newest-first would put the abstract match first; the rank reverses it."""
    entry("2403.00010", "Zebra Stripes for Language Models", "We study stripes.")
    entry("2403.00011", "Horses for Language Models", "Unlike a zebra, a horse has no stripes.")
    assert found("zebra") == ["2403.00010", "2403.00011"]
    assert found("zebra", Paper.objects.published().order_by("-arxiv_id")) == ["2403.00010", "2403.00011"]


def test_only_the_given_queryset_is_searched(published, draft):
    """A draft has a search vector like any paper; searching what is published is what keeps it out."""
    assert found("secret draft", Paper.objects.all()) == ["2403.00001"]
    assert found("secret draft") == []
    assert found("草稿") == []
    assert "2403.00001" not in found("relation comprehension")
    with_drafts = found("relation comprehension", Paper.objects.all())
    assert with_drafts[0] == ASMV2 and "2403.00001" in with_drafts


@pytest.mark.parametrize(
    "query",
    ["", "   ", "!!!", "&|!():*", ":*", "<>", "\x00", "，。！？", "'\"\\;"],
    ids=["empty", "blank", "bangs", "operators", "prefix", "angles", "nul", "chinese-punctuation", "quotes"],
)
def test_queries_without_words_find_nothing(published, query):
    assert search(Paper.objects.published(), query) == ([], False)
    assert matching(Paper.objects.published(), query).count() == 0


@pytest.mark.parametrize(
    "query",
    ["'); DROP TABLE papers_paper; --", "<script>alert(1)</script>", "--", "...", "%_%", "' OR ''='"],
)
def test_hostile_queries_are_just_words(published, query):
    papers = Paper.objects.count()
    ids, more = search(Paper.objects.published(), query)
    assert (ids, more) == ([], False)
    assert Paper.objects.count() == papers


def test_quotes_in_a_query_only_separate_words(published):
    assert found("relation' OR '1'='1") == found("relation 1") != []


def test_search_operators_in_a_query_are_ignored(published):
    """tsquery syntax (prefix, or, not) is not interpreted: only the words are searched for."""
    assert found("relation:* | !relation") == found("relation relation") == found("relation")
    assert found("relation") != []


def test_a_long_query_is_cut_to_its_first_characters(published):
    query = "relation" + " " * (MAX_QUERY_LENGTH - len("relation")) + "nonexistentword"
    assert found(query) == found("relation") and found("relation")[0] == ASMV2
    assert found("relation nonexistentword") == []


def test_broad_searches_rank_only_the_newest_candidates(published, monkeypatch):
    matches = list(matching(Paper.objects.published(), "language")
                   .order_by("-published", "-arxiv_id").values_list("pk", flat=True))
    assert len(matches) > 4
    monkeypatch.setattr(search_module, "CANDIDATES", 4)
    ids, more = search(Paper.objects.published(), "language")
    assert more is True
    assert sorted(ids) == sorted(matches[:4])  # the newest four, in rank order
    monkeypatch.setattr(search_module, "CANDIDATES", len(matches))
    ids, more = search(Paper.objects.published(), "language")
    assert more is False and sorted(ids) == sorted(matches)
    monkeypatch.setattr(search_module, "CANDIDATES", len(matches) - 1)
    assert search(Paper.objects.published(), "language")[1] is True


def test_filters_apply_before_the_cut(published, monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATES", 1)
    newest = found("language")
    assert len(newest) == 1
    rag = found("language", Paper.objects.published().filter(topic__slug="rag"))
    expected = list(Paper.objects.published().filter(topic__slug="rag").values_list("arxiv_id", flat=True))
    assert len(expected) == 1 and rag == expected and rag != newest


def test_index_papers_recomputes_the_stored_vectors(published):
    paper = Paper.objects.get(arxiv_id=PEFT)
    Summary.objects.filter(paper=paper).update(tldr="独角兽隐喻")  # a bulk update: no signal reindexes it
    Paper.objects.filter(pk=paper.pk).update(title="Unicornish Parameter Tuning")
    assert found("独角兽") == [] and found("unicornish") == []
    index_papers([paper.pk])
    assert found("独角兽") == [PEFT] and found("unicornish") == [PEFT]
    assert found("迁移学习")[0] == PEFT  # the rest of the entry is still indexed
    index_papers([])  # nothing to do, and no error
