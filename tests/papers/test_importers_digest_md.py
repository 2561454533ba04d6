"""papers.importers.digest_md: the 论文速览 digest (seed 000), pure parsing."""
from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from papers.importers import detect, digest_md
from papers.importers.records import DigestRef, FileNote, PaperRecord, ParseFailure
from papers.importers.sources import from_bytes, from_path

SEED_DATE = dt.date(2024, 2, 29)


def md(text: str, name: str = "digest.md"):
    """An InputFile from an inline (dedented) Markdown string."""
    return from_bytes(name, textwrap.dedent(text).lstrip("\n").encode("utf-8"))


def parse(file) -> tuple[list[PaperRecord], list[ParseFailure]]:
    results = list(digest_md.parse(file))
    papers = [r for r in results if isinstance(r, PaperRecord)]
    failures = [r for r in results if isinstance(r, ParseFailure)]
    assert len(papers) + len(failures) == len(results)
    return papers, failures


def entry(
    arxiv_id: str = "2402.19465",
    *,
    level: int = 4,
    headline: str = "为探究大型语言模型可信度的动态变化，我们重新审视其预训练阶段",
    title: str = "Towards Tracing Trustworthiness Dynamics: Revisiting Pre-training Period of Large Language Models",
    date_line: str = "发布时间：2024年02月29日",
    zh: str = "对于大型语言模型来说，确保其可信性是至关重要的。我们首度探讨了预训练阶段的可信性表现。",
    en: str = "Ensuring the trustworthiness of large language models (LLMs) is crucial. We probe pre-training checkpoints.",
    topic: str = "LLM理论",
    english_first: bool = False,
) -> str:
    hashes = "#" * level
    quotes = [f"> {en}", f"> {zh}"] if english_first else [f"> {zh}", f"> {en}"]
    return "\n".join(
        [f"{hashes} [{headline}](https://arxiv.org/abs/{arxiv_id})", f"{hashes} {title}", date_line, *quotes, topic]
    ) + "\n"


AGENT = {
    "arxiv_id": "2402.19446",
    "headline": "ArCHer 是一种创新方法，通过分层多轮强化学习来训练语言模型智能体",
    "title": "ArCHer: Training Language Model Agents via Hierarchical Multi-Turn RL",
    "zh": "大型语言模型广泛应用于涉及多轮交互和决策的智能体任务中，而强化学习为此提供了通用方案。",
    "en": "A broad use case of large language models (LLMs) is in goal-directed decision-making tasks.",
    "topic": "Agent",
}


# --- the real seed -----------------------------------------------------------


@pytest.fixture
def seed(seed_digest):
    return parse(from_path(seed_digest))


def test_seed_gives_28_papers_and_no_failures(seed):
    papers, failures = seed
    assert failures == []
    assert len(papers) == 28
    assert len({p.arxiv_id for p in papers}) == 28


def test_seed_topics(seed):
    papers, _ = seed
    assert Counter(p.topic for p in papers) == Counter({"LLM应用": 16, "Agent": 8, "LLM理论": 3, "RAG": 1})


def test_seed_dates_and_digest_positions(seed):
    papers, _ = seed
    assert {p.published for p in papers} == {SEED_DATE}
    for position, paper in enumerate(papers, start=1):
        assert paper.digests == [DigestRef(date=SEED_DATE, topic=None, position=position)]


def test_seed_every_paper_is_complete(seed):
    papers, _ = seed
    assert len(papers) == 28
    for paper in papers:
        assert paper.title and paper.abstract, paper.arxiv_id
        assert paper.summary is not None and paper.summary.headline_zh and paper.summary.abstract_zh, paper.arxiv_id
        assert paper.summary.summary_language == "zh"
        assert paper.warnings == [], paper.arxiv_id
        assert paper.source.endswith("000_d5c0faa7ab539173.txt")


def test_seed_first_entry(seed):
    papers, _ = seed
    first = papers[0]
    assert first.arxiv_id == "2402.19474"
    assert first.version is None
    assert first.line == 1
    assert first.title == "The All-Seeing Project V2: Towards General Relation Comprehension of the Open World"
    assert first.summary.headline_zh.startswith("《全知计划V2》")
    assert "52.04" in first.summary.abstract_zh
    assert first.summary.abstract_zh.startswith("现在呈献给大家的是")
    assert "43.14" in first.abstract
    assert first.abstract.startswith("We present the All-Seeing Project V2")
    assert first.code_url == "https://github.com/OpenGVLab/all-seeing"
    assert first.topic == "Agent"
    assert "2402.19474" in first.raw


def test_seed_entries_are_in_file_order(seed):
    papers, _ = seed
    assert [p.line for p in papers] == list(range(1, 167, 6))
    assert papers[1].arxiv_id == "2402.19465" and papers[-1].arxiv_id == "2402.19167"


# --- variants real posts use ------------------------------------------------


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_heading_levels(level):
    papers, failures = parse(md(entry(level=level) + entry(level=level, **AGENT)))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2402.19465", "2402.19446"]
    assert papers[0].title.startswith("Towards Tracing Trustworthiness Dynamics")
    assert papers[1].summary.headline_zh.startswith("ArCHer 是一种创新方法")


@pytest.mark.parametrize(
    "date_line",
    [
        "发布时间：2024年02月29日",
        "发布时间:2024年02月29日",
        "发布时间: 2024-02-29",
        "发布时间：2024-02-29",
        "发布时间：2024/2/29",
        "**发布时间**：2024年02月29日",
        "发布日期：2024年2月29日",
        "Published: 2024-02-29",
    ],
)
def test_date_line_variants(date_line):
    papers, failures = parse(md(entry(date_line=date_line)))
    assert failures == []
    assert papers[0].published == SEED_DATE
    assert papers[0].digests[0].date == SEED_DATE
    assert papers[0].warnings == []


def test_unreadable_date_is_a_warning():
    papers, failures = parse(md(entry(date_line="发布时间：不详") + entry(**AGENT)))
    assert failures == []
    assert papers[0].published is None
    assert papers[0].warnings == ["line 3: cannot read the date “不详”"]
    assert papers[0].digests[0].date == SEED_DATE  # the digest date comes from the other entries


@pytest.mark.parametrize("topic_line", ["`Agent`", "**Agent**", "分类：Agent", "Topic: Agent", "Agent"])
def test_topic_line_variants(topic_line):
    papers, failures = parse(md(entry(**{**AGENT, "topic": topic_line})))
    assert failures == []
    assert papers[0].topic == "Agent"


def test_abstracts_in_reversed_order():
    papers, failures = parse(md(entry(english_first=True)))
    assert failures == []
    paper = papers[0]
    assert paper.abstract.startswith("Ensuring the trustworthiness")
    assert paper.summary.abstract_zh.startswith("对于大型语言模型来说")
    assert paper.warnings == []


def test_title_heading_gives_the_digest_date():
    text = "# 2024-03-01 论文速览\n\n" + entry() + entry(**AGENT)
    papers, failures = parse(md(text))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2402.19465", "2402.19446"]
    assert [p.digests for p in papers] == [
        [DigestRef(date=dt.date(2024, 3, 1), topic=None, position=1)],
        [DigestRef(date=dt.date(2024, 3, 1), topic=None, position=2)],
    ]
    assert papers[0].published == SEED_DATE  # each paper keeps its own date
    assert papers[0].summary.headline_zh.startswith("为探究")


def test_title_heading_with_intro_text_is_not_an_entry():
    text = "# 2024-03-01 论文速览\n\n今天共有 2 篇论文。\n\n" + entry() + entry(**AGENT)
    papers, failures = parse(md(text))
    assert failures == []
    assert len(papers) == 2
    assert papers[0].digests[0].date == dt.date(2024, 3, 1)


def test_title_heading_directly_above_the_first_entry():
    text = "# 2024-03-01 论文速览\n" + entry() + entry(**AGENT)
    papers, failures = parse(md(text))
    assert failures == []
    assert papers[0].summary.headline_zh.startswith("为探究")
    assert papers[0].digests[0].date == dt.date(2024, 3, 1)


def test_second_english_abstract_is_a_warning_and_the_first_is_kept():
    text = entry().replace("LLM理论\n", "\n> A second English abstract that should be ignored.\nLLM理论\n")
    papers, failures = parse(md(text))
    assert failures == []
    paper = papers[0]
    assert paper.abstract.startswith("Ensuring the trustworthiness")
    assert "second English abstract that" not in paper.abstract
    assert paper.warnings == ["line 7: a second English abstract; kept the first"]


def test_abstract_on_several_consecutive_quote_lines_is_joined():
    text = entry().replace(
        "> Ensuring the trustworthiness", "> First English paragraph of the abstract.\n> Ensuring the trustworthiness"
    )
    papers, failures = parse(md(text))
    assert failures == []
    assert papers[0].abstract.startswith("First English paragraph of the abstract.\n\nEnsuring the trustworthiness")
    assert papers[0].warnings == []


def test_multi_paragraph_abstract_in_one_block_quote():
    text = entry().replace("LLM理论\n", ">\n> Second paragraph of the same English abstract.\nLLM理论\n")
    papers, failures = parse(md(text))
    assert failures == []
    assert "Second paragraph of the same English abstract." in papers[0].abstract
    assert papers[0].warnings == []


def test_github_link_line_sets_code_url():
    text = entry().replace("LLM理论\n", "LLM理论\n代码：https://github.com/ChnQ/TracingLLM\n")
    papers, _ = parse(md(text))
    assert papers[0].code_url == "https://github.com/ChnQ/TracingLLM"
    assert papers[0].topic == "LLM理论"


def test_missing_topic_and_chinese_abstract_are_warnings():
    text = entry().replace("LLM理论\n", "").replace("> 对于大型语言模型来说，确保其可信性是至关重要的。我们首度探讨了预训练阶段的可信性表现。\n", "")
    papers, failures = parse(md(text))
    assert failures == []
    paper = papers[0]
    assert paper.topic is None
    assert paper.summary.abstract_zh == ""
    assert paper.warnings == ["line 1: no Chinese abstract", "line 1: no topic line"]


def test_no_date_anywhere_is_reported_once():
    text = entry(date_line="") + entry(**{**AGENT, "date_line": ""})
    papers, failures = parse(md(text))
    assert len(papers) == 2
    assert all(p.digests == [] for p in papers)
    assert len(failures) == 1 and failures[0].line is None and "no date" in failures[0].reason


def test_crlf_line_endings_and_bom():
    text = "\ufeff" + entry() + entry(**AGENT)
    papers, failures = parse(from_bytes("digest.md", text.replace("\n", "\r\n").encode("utf-8")))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2402.19465", "2402.19446"]
    assert papers[0].title == "Towards Tracing Trustworthiness Dynamics: Revisiting Pre-training Period of Large Language Models"


def test_versioned_arxiv_link():
    papers, _ = parse(md(entry(arxiv_id="2402.19465v2")))
    assert (papers[0].arxiv_id, papers[0].version) == ("2402.19465", 2)


# --- bad entries fail alone ---------------------------------------------------

THIRD = {
    "arxiv_id": "2402.19474",
    "headline": "《全知计划V2》：旨在攻克开放世界的通用关系理解难题",
    "title": "The All-Seeing Project V2: Towards General Relation Comprehension of the Open World",
    "zh": "现在呈献给大家的是全新升级的项目，该项目研发出一款专用于理解图像中物体间关系的模型。",
    "en": "We present the All-Seeing Project V2: a new model and dataset designed for understanding object relations.",
    "topic": "Agent",
}


def assert_neighbours_parse(papers, ids=("2402.19465", "2402.19474")):
    assert [p.arxiv_id for p in papers] == list(ids)
    assert [p.digests[0].position for p in papers] == list(range(1, len(ids) + 1))


@pytest.mark.parametrize(
    "headline_line",
    [
        "#### [ArCHer 是一种创新方法，通过分层多轮强化学习来训练语言模型智能体](https://example.com/archer)",
        "#### ArCHer 是一种创新方法，通过分层多轮强化学习来训练语言模型智能体",
    ],
    ids=["link-elsewhere", "no-link"],
)
def test_entry_without_arxiv_link(headline_line):
    broken = entry(**AGENT).splitlines()
    broken[0] = headline_line
    text = entry() + "\n".join(broken) + "\n" + entry(**THIRD)
    papers, failures = parse(md(text))
    assert_neighbours_parse(papers)
    assert len(failures) == 1
    assert failures[0].line == 7
    assert "no arXiv link" in failures[0].reason
    assert "ArCHer" in failures[0].reason
    assert str(failures[0]).startswith("digest.md:7: ")


def test_entry_cut_short_at_end_of_file():
    cut = "\n".join(entry(**AGENT).splitlines()[:3]) + "\n"  # file ends after the 发布时间 line
    papers, failures = parse(md(entry() + entry(**THIRD) + cut))
    assert_neighbours_parse(papers)
    assert len(failures) == 1
    assert failures[0].line == 13
    assert failures[0].arxiv_id == "2402.19446"
    assert "cut short" in failures[0].reason and "no English abstract" in failures[0].reason


def test_entry_without_english_title_imports_with_a_warning():
    broken = entry(**AGENT).splitlines()
    del broken[1]
    papers, failures = parse(md(entry() + "\n".join(broken) + "\n" + entry(**THIRD)))
    assert failures == []
    assert_neighbours_parse(papers, ("2402.19465", "2402.19446", "2402.19474"))
    archer = papers[1]
    assert archer.title == "" and archer.abstract == AGENT["en"] and archer.summary.abstract_zh == AGENT["zh"]
    assert archer.warnings == [
        "line 7: no English title (looked for an English heading, > line or title line); the paper keeps the title "
        "it has, if it is known"]


def test_duplicate_entry_fails_and_first_is_kept():
    first = entry()
    second = entry(headline="重复的条目，标题略有不同，但链接到同一篇论文", title="A Different Title For The Same Paper")
    papers, failures = parse(md(first + entry(**THIRD) + second))
    assert_neighbours_parse(papers)
    assert papers[0].title.startswith("Towards Tracing Trustworthiness Dynamics")
    assert len(failures) == 1
    failure = failures[0]
    assert failure.line == 13
    assert failure.arxiv_id == "2402.19465"
    assert "duplicate" in failure.reason and "line 1" in failure.reason


def test_invalid_utf8_fails_only_its_entry():
    data = (entry() + entry(**AGENT) + entry(**THIRD)).encode("utf-8")
    lines = data.split(b"\n")
    lines[9] = b"> \xff\xfe broken bytes in the English abstract"  # inside the second entry (lines 7-12)
    papers, failures = parse(from_bytes("digest.md", b"\n".join(lines)))
    assert_neighbours_parse(papers)
    assert len(failures) == 1
    assert failures[0].line == 10
    assert "invalid UTF-8" in failures[0].reason


def test_text_before_any_heading():
    papers, failures = parse(md("Some stray introduction text.\n\n" + entry()))
    assert [p.arxiv_id for p in papers] == ["2402.19465"]
    assert len(failures) == 1 and failures[0].line == 1
    assert "outside any entry" in failures[0].reason


def test_unrecognized_extra_line_is_a_warning():
    text = entry().replace("LLM理论\n", "LLM理论\n这一行是多余的，而且非常非常长，超过了主题行所允许的最大长度，所以不能当作主题来理解。\n")
    papers, failures = parse(md(text))
    assert failures == []
    assert papers[0].topic == "LLM理论"
    assert papers[0].warnings == [
        "line 7: unrecognized line “这一行是多余的，而且非常非常长，超过了主题行所允许的最大长度，所以不能当作主题来理解。”"]


def test_blank_lines_between_every_block():
    text = entry().replace("\n", "\n\n") + entry(**AGENT).replace("\n", "\n\n")
    papers, failures = parse(md(text))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2402.19465", "2402.19446"]
    assert papers[0].title.startswith("Towards Tracing Trustworthiness Dynamics")


def test_blank_lines_between_body_lines():
    lines = entry().splitlines()
    text = "\n".join(lines[:2] + [""] + lines[2:3] + [""] + lines[3:5] + ["", lines[5], ""]) + "\n" + entry(**AGENT)
    papers, failures = parse(md(text))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2402.19465", "2402.19446"]
    assert papers[0].topic == "LLM理论" and papers[0].published == SEED_DATE


# --- the digest family: real shapes, one fixture each (tests/data/digest_family) ----------------

FAMILY = Path(__file__).resolve().parents[1] / "data" / "digest_family"


def family(name: str) -> tuple[list[PaperRecord], list[ParseFailure], list[FileNote]]:
    results = list(digest_md.parse(from_path(FAMILY / name)))
    notes = [r for r in results if isinstance(r, FileNote)]
    papers = [r for r in results if isinstance(r, PaperRecord)]
    failures = [r for r in results if isinstance(r, ParseFailure)]
    assert len(papers) + len(failures) + len(notes) == len(results)
    return papers, failures, notes


def test_family_per_paper_file_headline_h1_title_quote_link_at_the_end():
    papers, failures, notes = family("per_paper/2024-03-13/circuit_transformer.md")
    assert (failures, notes) == ([], [])
    [paper] = papers
    assert (paper.arxiv_id, paper.version, paper.line) == ("2403.13838", None, 1)
    assert paper.title == "Circuit Transformer: End-to-end Circuit Design by Predicting the Next Gate"
    assert paper.summary.headline_zh == "电路Transformer：预测下一个逻辑门，端到端完成电路设计"
    assert paper.summary.abstract_zh.startswith("大型语言模型通过逐词预测掌握了人类语言。")
    assert paper.abstract.startswith("Large language models master human language") and paper.abstract.endswith("exactly correct.")
    assert paper.published == dt.date(2024, 3, 13)
    assert (paper.topic, paper.tags) == ("Agent", ["电子设计", "电路设计"])  # several categories: the first is the topic
    assert paper.figures == ["https://arxiv.org/html/2403.13838v1/x2.png"]  # a relative image path is no use elsewhere
    assert paper.digests == [DigestRef(date=dt.date(2024, 3, 13), topic=None, position=1)]
    assert paper.warnings == []


def test_family_pdf_link_on_top_title_subheading_inline_abstract_labels_lone_date_prefixed_categories():
    papers, failures, notes = family("per_paper/2024-03-25/data_mixing_laws.md")
    assert (failures, notes) == ([], [])
    [paper] = papers
    assert (paper.arxiv_id, paper.version) == ("2403.16952", 1)  # /pdf/…v1.pdf
    assert paper.title == "Data Mixing Laws: Optimizing Data Mixtures by Predicting Language Modeling Performance"
    assert paper.summary.headline_zh == "数据混合定律：通过预测语言模型性能来优化数据配比"
    assert paper.summary.abstract_zh.startswith("预训练数据来自网页、论文、代码等多个领域")  # "摘要：" label dropped
    assert paper.abstract.startswith("Pretraining data of large language models")  # "Abstract:" dropped
    assert paper.published == dt.date(2024, 3, 25)
    assert (paper.topic, paper.tags) == ("LLM理论", ["模型训练"])
    assert paper.warnings == []


def test_family_no_headline_bare_url_title_quote_first_abstract_headings_date_from_the_folder():
    papers, failures, notes = family("per_paper/2024-03-27/blade.md")
    assert (failures, notes) == ([], [])
    [paper] = papers
    assert (paper.arxiv_id, paper.version, paper.line) == ("2403.18365", 2, 1)
    assert paper.title == "BLADE: Enhancing Black-box Large Language Models with Small Domain-Specific Models"
    assert paper.abstract.startswith("General large language models lack") and "Bayesian optimization" in paper.abstract
    assert paper.summary.abstract_zh.startswith("通用大语言模型缺少法律、医疗等领域所需的专业知识。")
    assert paper.summary.headline_zh == ""
    assert paper.topic == "LLM应用"  # ```LLM应用```, on the last line
    assert paper.published == dt.date(2024, 3, 27)  # from the folder name
    assert paper.digests == [DigestRef(date=dt.date(2024, 3, 27), topic=None, position=1)]
    assert paper.warnings == ["line 1: no Chinese headline"]


def test_family_title_heading_first_linked_headline_second_categories_in_a_fence_date_from_the_file_name():
    papers, failures, notes = family("per_paper/20240329_mmstar.md")
    assert (failures, notes) == ([], [])
    [paper] = papers
    assert (paper.arxiv_id, paper.version) == ("2403.20330", None)
    assert paper.title == "Are We on the Right Way for Evaluating Large Vision-Language Models?"
    assert paper.summary.headline_zh == "我们评估大型视觉-语言模型的方向对吗？"
    assert (paper.topic, paper.tags) == ("LLM应用", ["多模态评估"])  # one category a line
    assert paper.published == dt.date(2024, 3, 29) and paper.digests[0].date == dt.date(2024, 3, 29)
    assert paper.warnings == []


def test_family_unheaded_paragraphs_no_title_and_a_placeholder_category():
    papers, failures, notes = family("per_paper/2024-03-29/can_llms_correct_physicians.md")
    assert (failures, notes) == ([], [])
    [paper] = papers
    assert (paper.arxiv_id, paper.version) == ("2403.20288", 1)  # /pdf/…v1 on the headline
    assert paper.title == ""
    assert paper.summary.abstract_zh.startswith("我们评估了 Meditron、Llama2 和 Mistral")
    assert paper.abstract.startswith("We evaluate how well Meditron")
    assert (paper.topic, paper.tags) == (None, [])  # never a topic named “分类不可用”
    assert paper.warnings == [
        "line 5: category “分类不可用” stands for none; no topic",
        "line 1: no English title (looked for an English heading, > line or title line); the paper keeps the title "
        "it has, if it is known",
    ]


def test_family_weekly_report_rules_images_and_a_promotional_footer():
    papers, failures, notes = family("weekly/2024-W13.md")
    assert failures == []
    assert [(p.arxiv_id, p.line, p.published) for p in papers] == [
        ("2403.16952", 7, dt.date(2024, 3, 25)), ("2403.20330", 24, dt.date(2024, 3, 29)),
        ("2403.18365", 39, dt.date(2024, 3, 27))]
    assert [p.title for p in papers] == [
        "Data Mixing Laws: Optimizing Data Mixtures by Predicting Language Modeling Performance",
        "Are We on the Right Way for Evaluating Large Vision-Language Models?",
        "BLADE: Enhancing Black-box Large Language Models with Small Domain-Specific Models"]
    assert [p.warnings for p in papers] == [[], [], []]
    assert all(p.digests == [] for p in papers)  # a week is not one day's digest
    last = papers[-1]
    assert last.figures == [] and "扫码" not in last.summary.abstract_zh + last.abstract  # the footer is dropped
    assert papers[0].figures == ["https://arxiv.org/html/2403.16952v1/x1.png"]
    assert [str(n) for n in notes] == [
        f"{FAMILY / 'weekly/2024-W13.md'}: weekly or monthly report: 3 papers imported without a digest "
        "(a digest is one day's issue)"]


def test_family_monthly_report():
    papers, failures, notes = family("monthly/2024-03.md")
    assert failures == []
    assert [(p.arxiv_id, p.topic, p.digests, p.warnings) for p in papers] == [
        ("2403.13838", "Agent", [], []), ("2403.16952", "LLM理论", [], [])]
    assert papers[1].title.startswith("Data Mixing Laws") and papers[1].abstract.startswith("We find that")
    assert len(notes) == 1 and "2 papers imported without a digest" in notes[0].message


def test_family_failed_translations_are_left_empty_and_named():
    papers, failures, notes = family("daily/2024-03-28_failed_translation.md")
    assert (failures, notes) == ([], [])
    error, english_again, headline_again = papers
    assert error.summary.abstract_zh == "" and error.summary.untranslated == ["abstract_zh"]
    assert error.abstract.startswith("We extend the context window") and "429" not in error.abstract
    assert error.summary.headline_zh == "长上下文语言模型的位置插值"
    assert error.warnings == [
        "line 4: the Chinese abstract is an error message, not a translation (“Error code: 429 - {'error': "
        "{'message': 'Rate limit reached ”); left empty for the desk"]
    assert english_again.summary.abstract_zh == "" and english_again.summary.untranslated == ["abstract_zh"]
    assert english_again.abstract.startswith("We train a small model to rewrite")
    assert english_again.warnings == [
        "line 12: the Chinese abstract is the English text again, not a translation; left empty for the desk"]
    assert headline_again.summary.headline_zh == "" and headline_again.summary.untranslated == ["headline_zh"]
    assert headline_again.title == "Tool Learning with Foundation Models: A Survey"
    assert headline_again.summary.abstract_zh.startswith("我们综述了基础模型的工具学习")
    assert headline_again.warnings == [
        "line 14: the headline is the English title again, not a translation; left empty for the desk"]


def test_family_an_error_message_as_the_headline():
    text = entry(headline="翻译失败：请求超时，请稍后重试")
    papers, failures = parse(md(text))
    assert failures == []
    assert papers[0].summary.headline_zh == "" and papers[0].summary.untranslated == ["headline_zh"]
    assert papers[0].warnings == ["line 1: the headline is an error message, not a translation (“翻译失败：请求超时，"
                                  "请稍后重试”); left empty for the desk"]


@pytest.mark.parametrize("title", ["Error Bounds for Rate-Limited Bandits", "Exception Handling in Code LLMs"])
def test_family_titles_that_mention_errors_are_titles(title):
    papers, failures = parse(md(entry(title=title)))
    assert failures == [] and papers[0].title == title and papers[0].summary.untranslated == []


def test_family_index_file_is_a_note_not_a_failure():
    papers, failures, notes = family("index.md")
    assert (papers, failures) == ([], [])
    assert [(n.line, n.message) for n in notes] == [(1, "index file, no papers: 5 links to other files and no arXiv id")]


def test_family_every_fixture_is_detected_as_the_digest_family():
    files = sorted(FAMILY.rglob("*.md"))
    assert len(files) == 10
    assert {detect(from_path(path)).FORMAT for path in files} == {"digest-md"}


def test_family_a_file_with_no_arxiv_link_says_what_was_tried():
    papers, failures = parse(md("# 标题\n\n发布时间：2024-03-01\n\n> 只有中文，没有链接。\n"))
    assert papers == []
    assert [str(f) for f in failures] == [
        "digest.md:1: no entries (read as digest-md): no arXiv link (arxiv.org/abs/…, /pdf/… or arXiv:ID) in the file"]


def test_family_lazy_continuation_of_a_quote_and_arxiv_colon_ids():
    text = ("## 俄语偏见检测数据集\narXiv:2403.17553v1\n发布时间：2024-03-26\n`LLM应用`\n"
            "> RuBia: A Russian Language Bias Detection Dataset\n\n"
            "> 我们构建了俄语偏见检测数据集，覆盖性别、国籍、社会经济地位与多样性四个领域。\n\n"
            "> Warning: this work contains upsetting content.\n  Large language models learn social biases from "
            "their pretraining data; we build a Russian dataset to measure them.\n")
    papers, failures = parse(md(text))
    assert failures == []
    [paper] = papers
    assert (paper.arxiv_id, paper.version, paper.title) == ("2403.17553", 1, "RuBia: A Russian Language Bias Detection Dataset")
    assert paper.abstract == ("Warning: this work contains upsetting content. Large language models learn social "
                              "biases from their pretraining data; we build a Russian dataset to measure them.")
    assert paper.warnings == []
