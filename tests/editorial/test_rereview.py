"""The desk and new arXiv versions: published entries whose English source changed, shown with the diff, re-reviewed."""
from __future__ import annotations

import pytest
from django.urls import reverse

from editorial.diffs import inline_diff
from papers.importers.sources import from_bytes
from papers.models import Summary
from papers.services.ingest import IngestOptions, import_sources

pytestmark = pytest.mark.django_db

V2 = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel>
<title>cs.CV updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs.CV</link>
<pubDate>Mon, 04 Mar 2024 00:00:00 -0500</pubDate>
<item><title>The All-Seeing Project V2: Towards General Relation Comprehension of the Open World</title>
<link>https://arxiv.org/abs/2402.19474</link>
<description>arXiv:2402.19474v2 Announce Type: replace
Abstract: We present the All-Seeing Project V2, now with the full training data.</description>
<guid isPermaLink="false">oai:arXiv.org:2402.19474v2</guid><category>cs.CV</category>
<arxiv:announce_type>replace</arxiv:announce_type><dc:creator>Weiyun Wang, Jifeng Dai</dc:creator></item>
</channel></rss>
"""


@pytest.fixture
def replaced(seed_digest):
    import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    import_sources([from_bytes("cs.CV.xml", V2.encode())])
    return Summary.objects.get(paper__arxiv_id="2402.19474")


def test_the_dashboard_lists_it_with_the_diff_of_the_english_source(client, users, replaced):
    client.force_login(users["editor"])
    body = client.get(reverse("admin:index")).content.decode()
    assert "Needs re-review: arXiv changed the English source" in body
    assert f'<a href="{reverse("admin:papers_summary_change", args=[replaced.pk])}">2402.19474</a>' in body
    assert "v? → v2" in body  # the seed named no version
    assert "We present the All-Seeing Project V2<del>: a new model and dataset designed for" in body  # word by word


def test_the_queue_filters_it_and_the_entry_shows_the_diff(client, users, replaced):
    client.force_login(users["editor"])
    queue = client.get(reverse("admin:papers_summary_changelist"), {"rereview": "yes"})
    assert [s.paper.arxiv_id for s in queue.context["cl"].result_list] == ["2402.19474"]
    body = client.get(reverse("admin:papers_summary_change", args=[replaced.pk])).content.decode()
    assert "Needs re-review: arXiv replaced this paper (v? → v2) and its English source changed." in body
    assert "We present the All-Seeing Project V2<del>: a new model and dataset designed for" in body


def test_marking_it_re_reviewed_clears_it(client, users, replaced):
    client.force_login(users["editor"])
    response = client.post(reverse("admin:papers_summary_changelist"),
                           {"action": "mark_rereviewed", "_selected_action": [replaced.pk]}, follow=True)
    assert "1 entry marked re-reviewed" in response.content.decode()
    replaced.refresh_from_db()
    assert replaced.source_change == {} and replaced.status == "published"
    assert "Every published entry matches its paper's version." in client.get(reverse("admin:index")).content.decode()


def test_a_word_diff_keeps_words_whole():
    assert str(inline_diff("Scaling laws for sparse models", "Scaling laws for dense models", words=True)) == (
        "Scaling laws for <del>sparse</del><ins>dense</ins> models")
    assert str(inline_diff("sparse", "dense")) == "<del>spar</del><ins>den</ins>se"  # characters, for Chinese
    assert str(inline_diff("a <b>", "a <i>", words=True)) == "a &lt;<del>b</del><ins>i</ins>&gt;"
