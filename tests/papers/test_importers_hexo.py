"""papers.importers.hexo: ChatPaperFree Hexo posts (seed 003), pure parsing."""
from __future__ import annotations

import datetime as dt

import pytest

from papers.importers import hexo
from papers.importers.records import (
    SUMMARY_TEXT_FIELDS,
    DigestRef,
    PaperRecord,
    ParseFailure,
)
from papers.importers.sources import from_bytes, from_path

SEED_DATE = dt.date(2024, 1, 24)

FRONT_MATTER = """\
---
title: LLM
date: 2024-01-24 01:59:49
author: Kedreamix
categories: Paper
tags:
    - LLM
description: LLM 方向最新论文已更新，请持续关注 Update in 2024-01-24
---

>⚠️ 以下所有内容总结都来自于 Google的大语言模型[Gemini-Pro](https://ai.google.dev/)的能力，如有错误，仅供参考，谨慎使用

# 2024-01-24 更新

"""

STRUCTURED = """\
<ol>
<li><p>题目：{title_zh}</p>
</li>
<li><p>作者：陈宇廉，周宏宇</p>
</li>
<li><p>单位：厦门大学</p>
</li>
<li><p>关键词：迁移学习，医学视觉基础模型</p>
</li>
<li><p>论文链接：https://arxiv.org/abs/{arxiv_id}，Github 代码链接：无</p>
</li>
<li><p>摘要：
(1) 研究背景：背景的内容。
(2) 过去的方法及问题：过去方法的内容。
(3) 研究方法：方法的内容。
(4) 实验结果：结果的内容。</p>
</li>
<li><p>结论：
(1): 结论的内容。</p>
</li>
</ol>
"""


def paper(
    arxiv_id: str = "2401.12215",
    *,
    level: int = 2,
    title: str = "Less Could Be Better: Parameter-efficient Fine-tuning Advances Medical Vision Foundation Models",
    authors: str = "**Authors:Chenyu Lian, Hong-Yu Zhou, Yizhou Yu, Liansheng Wang**",
    abstract: str = "Parameter-efficient fine-tuning (PEFT) has emerged as an effective approach to transfer learning.",
    pdf: str | None = None,
    tldr_label: str = "**摘要**",
    tldr: str = "用少于 1% 可调参数实现参数高效微调可以极大提高医学视觉基础模型的性能。",
    points_label: str = "**要点**",
    points: tuple[str, ...] = ("- PEFT 是一种有效的迁移学习方法。", "- LoRA 在 18 个任务中的 13 个中表现更好。"),
    title_zh: str = "少即是多：参数高效微调",
    structured: str | None = None,
    figures: tuple[str, ...] = ("https://picx.zhimg.com/v2-88f5604fa47b7e6b53fa59ed5ce873a4.jpg",),
) -> str:
    pdf = pdf if pdf is not None else f"[PDF](http://arxiv.org/abs/{arxiv_id}v1) Technical report"
    structured = structured if structured is not None else STRUCTURED.format(title_zh=title_zh, arxiv_id=arxiv_id)
    images = "\n".join(f'<img src="{url}" align="middle">' for url in figures)
    return (
        f"{'#' * level} {title}\n{authors}\n\n{abstract}\n\n{pdf}\n\n"
        f"{tldr_label}\n{tldr}\n\n{points_label}\n" + "\n".join(points) + "\n\n"
        "**[ChatPaperFree](https://huggingface.co/spaces/Kedreamix/ChatPaperFree)**\n\n"
        f"{structured}\n\n<details>\n  <summary>点此查看论文截图</summary>\n{images}\n</details>\n\n\n"
    )


SECOND = {
    "arxiv_id": "2401.12192",
    "title": "Text Embedding Inversion Attacks on Multilingual Language Models",
    "authors": "**Authors:Yiyi Chen, Heather Lent, Johannes Bjerva**",
    "abstract": "Representing textual information as real-numbered embeddings has become the norm in NLP.",
    "tldr": "不断增长的多语言用户对 NLP 安全研究提出了迫切要求。",
    "title_zh": "多语言语言模型的文本嵌入逆向攻击",
    "figures": ("https://pica.zhimg.com/v2-5de54c90ee7b1b6fe5ae2be76cb7496f.jpg",),
}


def post(*entries: str, front: str = FRONT_MATTER, name: str = "post.md"):
    return from_bytes(name, (front + "".join(entries)).encode("utf-8"))


def parse(file) -> tuple[list[PaperRecord], list[ParseFailure]]:
    results = list(hexo.parse(file))
    papers = [r for r in results if isinstance(r, PaperRecord)]
    failures = [r for r in results if isinstance(r, ParseFailure)]
    assert len(papers) + len(failures) == len(results)
    return papers, failures


# --- the real seed -----------------------------------------------------------


@pytest.fixture
def seed(seed_hexo):
    papers, failures = parse(from_path(seed_hexo))
    return papers, failures, {p.arxiv_id: p for p in papers}


def test_seed_gives_14_papers(seed):
    papers, failures, _ = seed
    assert failures == []
    assert len(papers) == 14
    assert papers[0].arxiv_id == "2401.12215" and papers[-1].arxiv_id == "2401.10061"


def test_seed_digest_topic_and_tags(seed):
    papers, _, _ = seed
    assert len(papers) == 14
    for position, p in enumerate(papers, start=1):
        assert p.topic == "LLM"
        assert p.tags == ["LLM"]
        assert len(p.digests) == 1
        ref = p.digests[0]
        assert (ref.date, ref.topic, ref.position, ref.title) == (SEED_DATE, "LLM", position, "LLM")
        assert ref.description.startswith("LLM 方向最新论文已更新")


def test_seed_versions_and_comments(seed):
    papers, _, by_id = seed
    assert {p.version for p in papers} == {1}
    assert by_id["2401.12215"].comments == "Technical report"
    assert by_id["2401.12208"].comments == "24 pages, 8 figures"
    assert by_id["2401.12078"].comments == "accepted at WSDM'24"
    assert by_id["2401.10061"].comments == ""


def test_seed_first_paper(seed):
    _, _, by_id = seed
    p = by_id["2401.12215"]
    assert p.line == 35
    assert p.title == "Less Could Be Better: Parameter-efficient Fine-tuning Advances Medical Vision Foundation Models"
    assert p.authors == ["Chenyu Lian", "Hong-Yu Zhou", "Yizhou Yu", "Liansheng Wang"]
    assert p.abstract.startswith("Parameter-efficient fine-tuning (PEFT) that was initially developed")
    assert p.abstract.endswith("Code and models are available at https://github.com/RL4M/MED-PEFT.")
    assert p.code_url == "https://github.com/RL4M/MED-PEFT"
    assert p.warnings == []
    s = p.summary
    assert s.summary_language == "zh"
    assert s.tldr == "用少于 1% 可调参数实现超参数高效微调 (PEFT) 可以极大提高医学视觉基础模型的性能。"
    assert len(s.key_points) == 6
    assert s.key_points[0] == "PEFT 是利用预训练大语言模型开发的一种有效的计算机视觉任务迁移学习方法。"


def test_seed_first_paper_structured_fields(seed):
    _, _, by_id = seed
    s = by_id["2401.12215"].summary
    assert s.title_zh == "少即是多：参数高效微调"
    assert s.affiliation == "厦门大学"
    assert s.keywords == ["迁移学习", "医学视觉基础模型", "胸部X光片"]
    assert s.background.startswith("参数高效微调（PEFT）最初用于")
    assert s.prior_work.startswith("全参数微调（FFT）一直被认为")
    assert s.method.startswith("为了证明概念")
    assert s.results.startswith("我们的结果表明")
    for name in ("background", "prior_work", "method", "results"):
        assert not getattr(s, name).startswith(("研究背景", "过去的方法", "研究方法", "实验结果")), name
    assert s.method_details.startswith("(1): 提出了一种参数高效微调")
    assert s.conclusion.startswith("(1): 本工作首次将参数高效微调")
    assert s.headline_zh == "" and s.abstract_zh == ""


def test_seed_first_paper_figures_and_html(seed):
    _, _, by_id = seed
    p = by_id["2401.12215"]
    assert p.figures == [
        "https://picx.zhimg.com/v2-88f5604fa47b7e6b53fa59ed5ce873a4.jpg",
        "https://pica.zhimg.com/v2-f28a6055dce3066c942bea25f00c4b98.jpg",
        "https://picx.zhimg.com/v2-219f68f671f950faee6332daa05d83eb.jpg",
        "https://picx.zhimg.com/v2-b0e3d9c8b6a9c6651af0cb1202241988.jpg",
    ]
    html = p.summary.structured_html
    assert html.startswith("<ol>") and "<li><p>题目：少即是多：参数高效微调</p>" in html
    assert "<img" not in html and "<details" not in html and "ChatPaperFree" not in html


def test_seed_every_paper_has_summary_authors_and_figures(seed):
    papers, _, _ = seed
    assert len(papers) == 14
    for p in papers:
        assert p.title and p.abstract and p.authors, p.arxiv_id
        assert p.summary is not None and p.summary.tldr and p.summary.key_points, p.arxiv_id
        assert p.summary.summary_language == "zh", p.arxiv_id
        assert p.summary.title_zh, p.arxiv_id
        assert p.figures and all(u.startswith("https://") and "zhimg.com/" in u for u in p.figures), p.arxiv_id
        assert "<script" not in p.summary.structured_html


def test_seed_english_section_labels(seed):
    _, _, by_id = seed
    p = by_id["2401.12192"]  # "**Summary**" / "**Key Takeaways**" instead of 摘要 / 要点
    assert p.summary.tldr.startswith("不断增长的多语言用户植入")
    assert len(p.summary.key_points) == 7
    assert p.summary.key_points[0].startswith("安全风险：")
    assert p.summary.title_zh == "多语言语言模型的文本嵌入逆向攻击"
    assert p.authors == ["Yiyi Chen", "Heather Lent", "Johannes Bjerva"]
    assert p.warnings == []


def test_seed_chexagent_placeholders_and_generator_note(seed):
    _, _, by_id = seed
    p = by_id["2401.12208"]
    assert len(p.authors) == 17
    assert p.authors[0] == "Zhihong Chen" and p.authors[-1] == "Curtis Langlotz"
    assert "xxx" not in p.summary.conclusion.lower()
    assert "CheXinstruct" in p.summary.conclusion  # the real text after the template lines is kept
    assert p.summary.method_details == ""
    assert not any("Some Error" in getattr(p.summary, f) for f in ("conclusion", "results", "method_details"))
    assert p.warnings == ["structured summary: generator note “Some Error for method(比如是不是没有Methods这个章节)” "
                          "(section missing)"]
    assert "Some Error for method" in p.summary.structured_html  # the block itself is kept whole


def test_seed_diffusiongpt_links_to_another_paper(seed):
    _, _, by_id = seed
    assert by_id["2401.10061"].warnings == ["structured summary links to arXiv 2302.08134, not to this paper"]


def test_seed_warnings_are_only_the_known_ones(seed):
    papers, _, _ = seed
    warned = {p.arxiv_id for p in papers if p.warnings}
    assert warned == {"2401.12208", "2401.12187", "2401.12078", "2401.12070", "2401.11725", "2401.11880", "2401.10061"}


# --- variants -----------------------------------------------------------------


def test_inline_post_baseline():
    papers, failures = parse(post(paper(), paper(**SECOND)))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12192"]
    first = papers[0]
    assert first.warnings == []
    assert first.summary.key_points == ["PEFT 是一种有效的迁移学习方法。", "LoRA 在 18 个任务中的 13 个中表现更好。"]
    assert (first.summary.background, first.summary.results) == ("背景的内容。", "结果的内容。")
    assert first.summary.conclusion == "(1): 结论的内容。"
    assert first.summary.keywords == ["迁移学习", "医学视觉基础模型"]
    assert [ref.position for p in papers for ref in p.digests] == [1, 2]


@pytest.mark.parametrize("level", [2, 3, 4])
def test_paper_heading_levels(level):
    papers, failures = parse(post(paper(level=level), paper(level=level, **SECOND)))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12192"]
    assert papers[0].title.startswith("Less Could Be Better")
    assert papers[1].summary.title_zh == "多语言语言模型的文本嵌入逆向攻击"


@pytest.mark.parametrize("label", ["**摘要：**", "**摘要:**", "**摘要**：", "摘要", "### 摘要", "**Summary**", "**TL;DR**"])
def test_tldr_label_variants(label):
    papers, failures = parse(post(paper(tldr_label=label), paper(**SECOND)))
    assert failures == []
    s = papers[0].summary
    assert s.tldr == "用少于 1% 可调参数实现参数高效微调可以极大提高医学视觉基础模型的性能。"
    assert len(s.key_points) == 2
    assert papers[0].warnings == []
    assert len(papers) == 2


@pytest.mark.parametrize("label", ["### 要点", "#### 要点", "**主要要点**", "**Key Takeaways**", "**要点：**"])
def test_key_points_label_variants(label):
    papers, failures = parse(post(paper(points_label=label), paper(**SECOND)))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12192"]
    assert papers[0].summary.key_points == ["PEFT 是一种有效的迁移学习方法。", "LoRA 在 18 个任务中的 13 个中表现更好。"]
    assert papers[0].warnings == []


def test_english_summary_language():
    english = {"tldr": "Fewer than 1% tunable parameters are enough.", "points": ("- LoRA beats FFT.", "- New SOTA.")}
    papers, _ = parse(post(paper(**english)))
    assert papers[0].summary.summary_language == "en"


def test_numbered_key_points_and_continuation_lines():
    points = ("1. 第一个要点", "   接着上一行的内容", "2) 第二个要点")
    papers, _ = parse(post(paper(points=points)))
    assert papers[0].summary.key_points == ["第一个要点 接着上一行的内容", "第二个要点"]


def test_structured_html_is_sanitized():
    hostile = STRUCTURED.format(title_zh="少即是多：参数高效微调", arxiv_id="2401.12215").replace(
        "<li><p>单位：厦门大学</p>",
        '<li onclick="x()"><p>单位：厦门大学</p>\n<script>alert(1)</script>\n'
        '<a href="javascript:alert(2)" onmouseover="y()">link</a><img src=x onerror="z()">',
    )
    papers, failures = parse(post(paper(structured=hostile)))
    assert failures == []
    html = papers[0].summary.structured_html
    lowered = html.lower()
    assert "<script" not in lowered and "alert(1)" not in lowered
    assert "onclick" not in lowered and "onmouseover" not in lowered and "onerror" not in lowered
    assert "javascript:" not in lowered
    assert "<li><p>单位：厦门大学</p>" in html  # the content around it survives
    assert papers[0].summary.affiliation.startswith("厦门大学")


def test_script_contents_do_not_leak_into_structured_fields():
    hostile = STRUCTURED.format(title_zh="少即是多：参数高效微调", arxiv_id="2401.12215").replace(
        "<li><p>单位：厦门大学</p>", "<li><p>单位：厦门大学</p>\n<script>alert(1)</script>"
    )
    papers, _ = parse(post(paper(structured=hostile)))
    s = papers[0].summary
    assert s.affiliation == "厦门大学"
    assert not any("alert(1)" in str(value) for value in s.text_fields().values())
    assert not any("alert(1)" in w for w in papers[0].warnings)


def test_post_with_front_matter_and_a_heading_but_no_papers():
    papers, failures = parse(post(front=FRONT_MATTER))
    assert papers == []
    assert len(failures) == 1
    assert "no papers" in failures[0].reason
    assert failures[0].line == 10  # the first line after the front matter


def test_post_with_only_front_matter_yields_nothing():
    front_only = FRONT_MATTER.split("\n\n>")[0] + "\n"
    assert list(hexo.parse(post(front=front_only))) == []


def test_same_section_twice_keeps_the_first():
    twice = paper().replace("**要点**", "**摘要**\n这是第二个一句话总结，应当被忽略。\n\n**要点**")
    papers, failures = parse(post(twice, paper(**SECOND)))
    assert failures == []
    p = papers[0]
    assert p.summary.tldr == "用少于 1% 可调参数实现参数高效微调可以极大提高医学视觉基础模型的性能。"
    assert p.warnings == ["line 25: section “摘要” appears twice; kept the first"]
    assert "第二个" not in p.summary.tldr


def test_structured_label_twice_keeps_the_first():
    block = STRUCTURED.format(title_zh="少即是多：参数高效微调", arxiv_id="2401.12215").replace(
        "<li><p>单位：厦门大学</p>", "<li><p>单位：厦门大学</p></li>\n<li><p>单位：另一所大学</p>"
    )
    papers, _ = parse(post(paper(structured=block)))
    p = papers[0]
    assert p.summary.affiliation == "厦门大学"
    assert p.warnings == ["structured summary: “单位” appears twice; kept the first"]


def test_entry_cut_short_without_pdf_link():
    cut = "## Cut Short: A Paper Whose Entry Ends Early\n**Authors:Alice Smith, Bob Jones**\n\nThe abstract begins and th"
    papers, failures = parse(post(paper(), paper(**SECOND), cut))
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12192"]
    assert len(failures) == 1
    assert "no arXiv link" in failures[0].reason and "Cut Short" in failures[0].reason
    assert failures[0].line == FRONT_MATTER.count("\n") + paper().count("\n") + paper(**SECOND).count("\n") + 1


def test_entry_in_the_middle_without_pdf_link_fails_alone():
    broken = paper(**SECOND).replace("[PDF](http://arxiv.org/abs/2401.12192v1) Technical report", "").replace(
        "https://arxiv.org/abs/2401.12192", "无"
    )
    papers, failures = parse(post(paper(), broken, paper(arxiv_id="2401.12187", title="WARM")))
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12187"]
    assert [ref.position for p in papers for ref in p.digests] == [1, 2]
    assert len(failures) == 1 and "no arXiv link" in failures[0].reason


def test_duplicate_paper_fails_and_first_is_kept():
    papers, failures = parse(post(paper(), paper(**SECOND), paper(title="Same Paper Again")))
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12192"]
    assert papers[0].title.startswith("Less Could Be Better")
    assert len(failures) == 1
    assert "duplicate" in failures[0].reason and failures[0].arxiv_id == "2401.12215"


def test_invalid_utf8_fails_only_its_entry():
    data = post(paper(), paper(**SECOND), paper(arxiv_id="2401.12187", title="WARM")).open().read()
    marker = b"Representing textual information"
    data = data.replace(marker, b"\xff\xfe " + marker)
    papers, failures = parse(from_bytes("post.md", data))
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12187"]
    assert len(failures) == 1 and "invalid UTF-8" in failures[0].reason
    broken_line = next(i for i, line in enumerate(data.split(b"\n"), start=1) if b"\xff\xfe" in line)
    assert failures[0].line == broken_line


def test_no_front_matter_takes_the_date_from_a_heading():
    papers, failures = parse(post(paper(), front="# 2024-01-24 更新\n\n"))
    assert failures == []
    p = papers[0]
    assert p.topic is None and p.tags == []
    assert p.digests == [DigestRef(date=SEED_DATE, topic=None, position=1)]


def test_no_date_at_all_is_reported():
    papers, failures = parse(post(paper(), front=""))
    assert len(papers) == 1 and papers[0].digests == []
    assert len(failures) == 1 and failures[0].line is None and "no date" in failures[0].reason


@pytest.mark.parametrize(
    "front, line, reason",
    [
        ("---\ntitle: [unclosed\ndate: 2024-01-24\n---\n\n", 3, "front matter is not valid YAML: ParserError"),
        ("---\n- just\n- a list\n---\n\n", 1, "front matter is not a mapping"),
        ("---\ntitle: LLM\ndate: 2024-01-24\n\n", 1, "front matter is never closed with ---"),
    ],
)
def test_bad_front_matter(front, line, reason):
    papers, failures = parse(post(paper(), front=front))
    assert [p.arxiv_id for p in papers] == ["2401.12215"]  # the paper still lands, without a digest
    assert failures == [
        ParseFailure("post.md", line, reason),
        ParseFailure("post.md", None, "no date in the front matter or a heading; papers imported without a digest"),
    ]


def test_tags_as_a_string_and_date_as_a_string():
    front = "---\ntitle: Agents\ndate: '2024/01/24'\ntags: Agent, LLM\n---\n\n"
    papers, failures = parse(post(paper(), front=front))
    assert failures == []
    assert papers[0].tags == ["Agent", "LLM"]
    assert papers[0].topic == "Agent"
    assert papers[0].digests[0].date == SEED_DATE


def test_missing_structured_block_and_summary():
    bare = "## A Paper With Only The Basics\n**Authors:Alice Smith**\n\nAn abstract.\n\n[PDF](http://arxiv.org/abs/2401.00001v3)\n"
    papers, failures = parse(post(bare))
    assert failures == []
    p = papers[0]
    assert (p.arxiv_id, p.version, p.comments) == ("2401.00001", 3, "")
    assert p.summary is None
    assert p.warnings == ["line 15: no summary sections"]


def test_summary_text_fields_are_strings_or_lists(seed):
    papers, _, _ = seed
    assert len(papers) == 14
    for p in papers:
        for name in SUMMARY_TEXT_FIELDS:
            value = getattr(p.summary, name)
            assert isinstance(value, list if name in ("key_points", "keywords") else str), (p.arxiv_id, name)


def test_invalid_utf8_in_front_matter_is_reported():
    data = post(paper()).open().read().replace(b"title: LLM", b"title: LLM\xff").replace(b"    - LLM", b"    - LLM\xff")
    papers, failures = parse(from_bytes("post.md", data))
    assert failures == [ParseFailure("post.md", 2, "invalid UTF-8 in the front matter; it was ignored")]
    assert [(p.arxiv_id, p.topic, p.tags) for p in papers] == [("2401.12215", None, [])]  # no mangled topic or tags
    assert papers[0].digests == [DigestRef(date=SEED_DATE, topic=None, position=1)]  # the date from the heading


def test_crlf_line_endings():
    data = post(paper(), paper(**SECOND)).open().read().replace(b"\n", b"\r\n")
    papers, failures = parse(from_bytes("post.md", data))
    assert failures == []
    assert [p.arxiv_id for p in papers] == ["2401.12215", "2401.12192"]
    assert papers[0].summary.background == "背景的内容。" and papers[0].topic == "LLM"
    assert all(p.warnings == [] for p in papers)


def test_arxiv_pdf_link_and_markdown_images():
    text = paper(pdf="[arXiv](https://arxiv.org/pdf/2401.12215v2.pdf) 12 pages").replace(
        "</details>", "</details>\n![fig](https://pic1.zhimg.com/v2-x.jpg)"
    )
    papers, _ = parse(post(text))
    p = papers[0]
    assert (p.arxiv_id, p.version, p.comments) == ("2401.12215", 2, "12 pages")
    assert p.figures == ["https://picx.zhimg.com/v2-88f5604fa47b7e6b53fa59ed5ce873a4.jpg", "https://pic1.zhimg.com/v2-x.jpg"]
