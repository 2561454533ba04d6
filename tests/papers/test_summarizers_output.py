"""A model's answer is plain text where the pages and feeds expect plain text."""
from __future__ import annotations

from papers.summarizers.output import SummaryOutput


def test_markup_a_model_writes_is_removed_and_its_words_and_tex_kept():
    answer = {
        "headline_zh": "<script>alert(1)</script>标题 $\\mathcal{O}(n)$",
        "title_zh": "<b onmouseover=alert(2)>题目</b>",
        "abstract_zh": "摘要 &lt;img src=x onerror=alert(3)&gt;，$k<n$。",
        "tldr": "<style>p{}</style>一句话",
        "key_points": ["**要点** <iframe src=x></iframe>一", "<img src=x onerror=alert(4)>"],
        "background": "", "prior_work": "", "method": "<body onload=alert(5)>方法", "results": "", "conclusion": "",
        "keywords": ["<i>词</i>", "<svg/onload=alert(6)>"],
    }
    output = SummaryOutput.model_validate(answer).model_dump()
    assert output["headline_zh"] == "标题 $\\mathcal{O}(n)$"
    assert (output["title_zh"], output["tldr"], output["method"]) == ("题目", "一句话", "方法")
    assert output["abstract_zh"] == "摘要 ，$k<n$。"
    assert output["key_points"] == ["**要点** 一"]  # Markdown stays Markdown; an empty point is dropped
    assert output["keywords"] == ["词"]
