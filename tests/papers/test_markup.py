"""Untrusted text to safe HTML: the nh3 allow-list, Markdown rendering and the plain-text helpers."""
from __future__ import annotations

import random
import threading

import pytest

from papers.markup import (
    html_to_lines, inert_text, is_plain, key_points_html, markdown_to_html, plain_text, sanitize_html,
)

REL = 'rel="noopener noreferrer nofollow"'


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("<p>before<script>alert(1)</script>after</p>", "<p>beforeafter</p>"),
        ("<style>body { display: none }</style><p>text</p>", "<p>text</p>"),
        ('<p onclick="steal()">text</p>', "<p>text</p>"),
        ('<img src="x" onerror="alert(2)">caption', "caption"),
        ('<a href="javascript:alert(3)">link</a>', f"<a {REL}>link</a>"),
        ('<a href="JaVaScRiPt:alert(3)">link</a>', f"<a {REL}>link</a>"),
        ('<a href="data:text/html;base64,PHNjcmlwdD4=">link</a>', f"<a {REL}>link</a>"),
        ('<a href="vbscript:msgbox(1)">link</a>', f"<a {REL}>link</a>"),
        ("<iframe src='https://evil.example'></iframe>kept", "kept"),
        ("<p>a<!-- a comment --></p>", "<p>a</p>"),
        ('<svg><circle onload="alert(4)"/></svg>after', "after"),
        ('<form action="/x"><input name="q"></form>', ""),
    ],
    ids=["script", "style", "onclick", "img-onerror", "javascript-url", "mixed-case-scheme", "data-url",
         "vbscript-url", "iframe", "comment", "svg", "form"],
)
def test_sanitize_strips_what_could_run_or_restyle(dirty, clean):
    assert sanitize_html(dirty) == clean


@pytest.mark.parametrize(
    "markup",
    [
        "<p>para <strong>b</strong> <b>b</b> <em>e</em> <i>i</i> <code>c</code> H<sub>2</sub>O x<sup>2</sup></p>",
        "<blockquote><p>quoted</p></blockquote>",
        "<pre><code>x = 1 &lt; 2</code></pre>",
        "<h3>h3</h3><h4>h4</h4><h5>h5</h5><h6>h6</h6>",
        '<ol start="3"><li>three</li></ol><ul><li>dot</li></ul>',
        '<table><thead><tr><th colspan="2">head</th></tr></thead><tbody><tr><td colspan="2">cell</td></tr></tbody></table>',
        "<p>line<br>break</p>",
    ],
    ids=["inline", "blockquote", "pre", "headings", "lists", "table", "br"],
)
def test_sanitize_keeps_allowed_markup_unchanged(markup):
    assert sanitize_html(markup) == markup


def test_links_keep_safe_schemes_and_their_title_and_get_a_rel():
    assert sanitize_html('<a href="https://arxiv.org/abs/2402.19474" title="ASMv2">abs</a>') == (
        f'<a href="https://arxiv.org/abs/2402.19474" title="ASMv2" {REL}>abs</a>'
    )
    assert sanitize_html('<a href="http://example.org">x</a>') == f'<a href="http://example.org" {REL}>x</a>'
    assert sanitize_html('<a href="mailto:desk@example.org">mail</a>') == f'<a href="mailto:desk@example.org" {REL}>mail</a>'
    # A rel the source set itself is replaced: every outside link is nofollow.
    assert sanitize_html('<a href="https://e.org" rel="author" target="_blank">x</a>') == f'<a href="https://e.org" {REL}>x</a>'


def test_attributes_off_the_list_are_dropped_and_tags_off_the_list_keep_their_text():
    assert sanitize_html('<p class="big" style="color:red" id="x">text</p>') == "<p>text</p>"
    assert sanitize_html('<table><tbody><tr><td rowspan="2" colspan="3">c</td></tr></tbody></table>') == (
        '<table><tbody><tr><td colspan="3">c</td></tr></tbody></table>'
    )
    assert sanitize_html("<h1>Title</h1><h2>Sub</h2><div><span>inner</span></div>") == "TitleSubinner"
    assert sanitize_html('<ul start="4"><li>x</li></ul>') == "<ul><li>x</li></ul>"


def test_text_is_escaped_and_broken_markup_is_closed():
    assert sanitize_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert sanitize_html("<p><strong>unclosed") == "<p><strong>unclosed</strong></p>"
    assert sanitize_html("") == ""


def test_markdown_renders_inline_markup_lists_and_code():
    assert markdown_to_html("**bold** and *em* and `x<y`") == (
        "<p><strong>bold</strong> and <em>em</em> and <code>x&lt;y</code></p>"
    )
    assert markdown_to_html("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert markdown_to_html("> quoted") == "<blockquote>\n<p>quoted</p>\n</blockquote>"
    assert markdown_to_html("### Method") == "<h3>Method</h3>"


def test_markdown_lists_follow_sane_lists():
    # An ordered list keeps its first number, and a bullet after it starts a new list rather than continuing.
    assert markdown_to_html("3. three\n4. four\n\n- dot") == (
        '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n<ul>\n<li>dot</li>\n</ul>'
    )


def test_markdown_links_and_raw_html_are_sanitized():
    assert markdown_to_html("[abs](https://arxiv.org/abs/2402.19474)") == (
        f'<p><a href="https://arxiv.org/abs/2402.19474" {REL}>abs</a></p>'
    )
    assert markdown_to_html("[click](javascript:alert(1))") == f"<p><a {REL}>click</a></p>"
    assert markdown_to_html('before <script>alert(1)</script> after') == "<p>before  after</p>"
    assert markdown_to_html('<img src=x onerror="alert(2)">\n\ntext') == "<p></p>\n<p>text</p>"
    assert markdown_to_html("# Big heading") == "Big heading"  # h1 is off the list: text only


def test_each_conversion_starts_fresh():
    """The converter is reused; a reference defined in one text must not resolve in the next."""
    assert markdown_to_html("[ref]: https://evil.example/\n\nfirst") == "<p>first</p>"
    assert markdown_to_html("see [x][ref]") == "<p>see [x][ref]</p>"


def test_conversion_works_in_several_threads_at_once():
    texts = [f"**item {n}**\n\n- a{n}\n- b{n}" for n in range(8)]
    expected = [f"<p><strong>item {n}</strong></p>\n<ul>\n<li>a{n}</li>\n<li>b{n}</li>\n</ul>" for n in range(8)]
    results: dict[int, list[str]] = {}

    def work(n):
        results[n] = [markdown_to_html(texts[(n + i) % 8]) for i in range(50)]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1, 2, 3]
    for n, outputs in results.items():
        assert outputs == [expected[(n + i) % 8] for i in range(50)]


def test_key_points_become_one_sanitized_list():
    assert key_points_html([]) == ""
    assert key_points_html(["**CheXagent** is a model", "uses <script>x()</script>LoRA", "1 < 2"]) == (
        "<ul>\n<li><strong>CheXagent</strong> is a model</li>\n<li>uses LoRA</li>\n<li>1 &lt; 2</li>\n</ul>"
    )


PLAIN_POINTS = [
    "提出关系对话任务 ReC", "发布 AS-V2 数据集 (v2): 52.04%，超过 LLaVA-1.5 的 43.14。", 'a "quoted" point, it\'s fine',
    "Uses LoRA / QLoRA; 3 × faster", "图 2 显示：准确率 ↑ 12%", "x  y", "end with a colon:", "(a) first",
]
ALMOST_PLAIN_POINTS = [
    "1. numbered", "- nested", "> quoted", "# heading", "**bold**", "a_b_c", "x < y", "AT&T", "trailing  ",
    " leading", "two\nlines", "no\u00a0break", "back\\slash", "`code`", "[link](https://example.org)", "",
    "2024 results", "=== rule", "a ~ b",
]


@pytest.mark.parametrize("points", [
    PLAIN_POINTS, *([point] for point in PLAIN_POINTS), *([PLAIN_POINTS[0], point] for point in ALMOST_PLAIN_POINTS),
])
def test_plain_key_points_make_the_list_markdown_makes(points):
    assert key_points_html(points) == markdown_to_html("\n".join(f"- {point}" for point in points))


def test_any_key_point_makes_the_list_markdown_makes():
    """Random points of words and every character Markdown or the sanitizer treat specially."""
    rng = random.Random(7)
    words = ["a", "Zb", "关系", "9", "2024", " ", " ", ",", "；", "(", ")", "%", "/", "'", '"']
    specials = [".", "*", "**", "_", "`", "<", ">", "&", "&amp;", "#", "-", "+", "1.", "[", "]", "!", "\\", "~",
                "=", "|", ":", "\n", "\t", "\u00a0", "\u3000", "  ", "<b>", "http://x.org"]
    for _ in range(5000):
        tokens = [rng.choice(specials if rng.random() < 0.3 else words) for _ in range(rng.randint(0, 8))]
        point = "".join(tokens)
        assert key_points_html([point]) == markdown_to_html(f"- {point}"), repr(point)


def test_html_to_lines_gives_one_line_per_block():
    fragment = (
        "<ol><li><p>题目：少即是多</p></li><li><p>作者：陈宇廉，周宏宇</p>\n</li></ol>"
        "<p>Tom &amp; Jerry &lt;3</p>first<br>second<br/>third</p><h4>Heading</h4><strong>in</strong>line"
    )
    assert html_to_lines(fragment) == [
        "题目：少即是多", "作者：陈宇廉，周宏宇", "Tom & Jerry <3", "first", "second", "third", "Heading", "inline",
    ]
    assert html_to_lines("") == []
    assert html_to_lines("<p> </p><br>") == []


@pytest.mark.parametrize("dirty, clean", [
    ("<body onload=alert(1)>Title", "Title"),
    ("<style>body{display:none}</style>Title", "Title"),
    (r"\href{javascript:alert(1)}{Title}", "Title"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;Title", "Title"),
    ("&amp;lt;img src=x onerror=alert(1)&amp;gt;Title", "Title"),
    ("<![CDATA[<script>alert(1)</script>]]>Title", "Title"),
    ("<svg/onload=alert(1)>Title", "Title"),
    ("Title<!-- a comment -->", "Title"),
    ("Title <img src=x onerror=alert(1)", "Title "),
    ("R&amp;D for $k<n$, a < b and c > d", "R&D for $k<n$, a < b and c > d"),
    (r"$\mathcal{O}(n)$ and $x<p \log n$, $y>0$", r"$\mathcal{O}(n)$ and $x<p \log n$, $y>0$"),
    (r"\href{https://arxiv.org}{arXiv}", r"\href{https://arxiv.org}{arXiv}"),
    ("H<sub>2</sub>O\x00\x0b", "H2O"),
], ids=["body-onload", "style", "tex-href-javascript", "entity-tags", "double-entity-tags", "cdata", "svg-onload",
        "comment", "unterminated-tag", "inequalities", "tex", "tex-href-https", "sub-and-control-characters"])
def test_plain_text(dirty, clean):
    assert plain_text(dirty) == clean


def test_text_found_plain_is_left_as_it_is_by_plain_text():
    """is_plain is the import's shortcut past plain_text: it may send plain text the long way, never the reverse."""
    import random

    rng = random.Random(5)
    alphabet = ["a", " ", "é", "中", "<", ">", "&", ";", "]", "\\", "$", "\t", "\n", "\r", "\x00", "\x08", "\x0b",
                "\x1f", "\x7f", "\ud800", "\ufffe", "\uffff", "\x85", "\xa0"]
    for _ in range(20_000):
        value = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
        if is_plain(value):
            assert plain_text(value) == value, repr(value)
    assert is_plain("The All-Seeing Project V2: 中文 é\t\n") and not is_plain("H2O\x0b") and not is_plain("a<b")


def test_inert_text_leaves_no_tag_start():
    assert inert_text("$k<n$ <b>x</b> a <ba") == "$k< n$ x a < ba"
