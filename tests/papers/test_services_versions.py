"""New arXiv versions: one paper whose text before is kept in its history; published entries flagged for re-review."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from papers.importers.sources import from_bytes
from papers.models import Paper, Status, Summary
from papers.services import transitions
from papers.services.ingest import IngestOptions, import_sources
from papers.services.versions import summary_rereviewed

pytestmark = pytest.mark.django_db

FEED = Path(__file__).resolve().parents[1] / "data" / "arxiv_announce" / "rss_cs.CL+cs.AI_2024-03-04.xml"
ASMV2, ARCHER = "2402.19474", "2402.19446"
NEW_ABSTRACT_END = "releases the full training data."


def replace(arxiv_id: str, version: int, title: str, abstract: str) -> None:
    """An announcement feed whose one item replaces ``arxiv_id`` with ``version``."""
    text = FEED.read_text(encoding="utf-8")
    head, rest = text.split("<item>", 1)
    item = ("<item><title>{t}</title><link>https://arxiv.org/abs/{i}</link><description>arXiv:{i}v{v} Announce Type: "
            "replace \nAbstract: {a}</description><guid>oai:arXiv.org:{i}v{v}</guid><category>cs.CV</category>"
            "<arxiv:announce_type>replace</arxiv:announce_type><dc:creator>Weiyun Wang</dc:creator></item>")
    body = head + item.format(i=arxiv_id, v=version, t=title, a=abstract) + "</channel></rss>"
    batch = import_sources([from_bytes(f"v{version}.xml", body.encode())])
    assert batch.failed == 0


@pytest.fixture
def published(seed_digest):
    import_sources([str(seed_digest)], options=IngestOptions(publish=True))
    return Paper.objects.get(arxiv_id=ASMV2)


def test_a_replacement_updates_the_paper_keeps_its_old_text_and_flags_the_published_entry(published):
    reviewed_title, reviewed_abstract = published.title, published.abstract
    import_sources([str(FEED)])
    paper = Paper.objects.get(arxiv_id=ASMV2)
    assert Paper.objects.filter(arxiv_id=ASMV2).count() == 1 and paper.pk == published.pk  # never a second paper
    assert paper.version == 2 and paper.abstract.endswith(NEW_ABSTRACT_END) and paper.title == reviewed_title
    history = list(paper.history.order_by("history_date").values_list("version", "abstract", "history_change_reason"))
    assert history == [(None, reviewed_abstract, "the text before a new arXiv version"),
                       (2, paper.abstract, "a new arXiv version")]
    summary = Summary.objects.get(paper=paper)
    assert summary.status == Status.PUBLISHED  # readers keep the reviewed entry
    assert summary.source_change == {"reviewed_version": None, "version": 2, "abstract": [reviewed_abstract, paper.abstract]}
    assert sorted(Summary.objects.needs_rereview().values_list("paper__arxiv_id", flat=True)) == [ARCHER, ASMV2]
    archer = Summary.objects.get(paper__arxiv_id=ARCHER)  # v3 changed its title, not (in the seed's words) only that
    assert archer.source_change["title"] == [
        "ArCHer: Training Language Model Agents via Hierarchical Multi-Turn RL",
        "ArCHer: Training Language Model Agents via Hierarchical Multi-Turn Reinforcement Learning"]


def test_the_public_page_keeps_the_reviewed_text_with_a_note(client, published):
    reviewed_abstract = published.abstract
    import_sources([str(FEED)])
    page = client.get(reverse("paper", args=[ASMV2]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ('<p class="note new-version">arXiv v2 available: this entry was reviewed for an earlier version, whose '
            "abstract it shows.</p>") in page
    assert reviewed_abstract[:60] in page and NEW_ABSTRACT_END not in page
    replace(ASMV2, 3, published.title, "Version three.")  # reviewed for v2 now that it is re-reviewed
    summary_rereviewed(summaries=Summary.objects.filter(paper__arxiv_id=ASMV2))
    replace(ASMV2, 4, published.title, "Version four.")
    page = client.get(reverse("paper", args=[ASMV2]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "arXiv v4 available: this entry was reviewed for v3, whose abstract it shows." in page
    assert "Version three." in page and "Version four." not in page


def test_a_same_text_replacement_flags_nothing_and_a_draft_is_never_flagged(seed_digest):
    import_sources([str(seed_digest)])  # drafts
    import_sources([str(FEED)])
    assert not Summary.objects.needs_rereview().exists()
    assert Paper.objects.get(arxiv_id=ASMV2).history.count() == 2  # the text is kept all the same


def test_a_third_version_before_re_review_keeps_what_was_reviewed(published):
    reviewed = published.abstract
    replace(ASMV2, 2, published.title, "Version two of the abstract.")
    replace(ASMV2, 3, "The All-Seeing Project V3", "Version three of the abstract.")
    summary = Summary.objects.get(paper__arxiv_id=ASMV2)
    assert summary.source_change == {
        "reviewed_version": None, "version": 3, "abstract": [reviewed, "Version three of the abstract."],
        "title": [published.title, "The All-Seeing Project V3"]}
    assert Paper.objects.get(arxiv_id=ASMV2).history.count() == 4


def test_back_to_the_reviewed_text_is_no_change(published):
    replace(ASMV2, 2, published.title, "A short-lived rewording.")
    replace(ASMV2, 3, published.title, published.abstract)
    assert Summary.objects.get(paper__arxiv_id=ASMV2).source_change == {}


def test_an_older_version_changes_nothing(published):
    replace(ASMV2, 3, published.title, "Version three.")
    replace(ASMV2, 2, published.title, "Version two, announced late.")
    paper = Paper.objects.get(arxiv_id=ASMV2)
    assert (paper.version, paper.abstract) == (3, "Version three.")
    assert Summary.objects.get(paper=paper).source_change["abstract"][1] == "Version three."


def test_re_reviewed_or_published_again_clears_the_flag(published):
    replace(ASMV2, 2, published.title, "Version two.")
    replace(ARCHER, 2, "ArCHer v2", "Version two of ArCHer.")
    asmv2, archer = Summary.objects.get(paper__arxiv_id=ASMV2), Summary.objects.get(paper__arxiv_id=ARCHER)
    assert summary_rereviewed(summaries=[asmv2]) == 1
    transitions.state_change(objects=[archer], action="unpublish", target=Status.UNPUBLISHED)
    transitions.state_change(objects=[archer], action="publish", target=Status.PUBLISHED)
    assert not Summary.objects.needs_rereview().exists()


def test_the_paper_admin_shows_its_history(admin_client, published):
    reviewed_title = published.title
    replace(ASMV2, 2, "The All-Seeing Project V2, Revised", "Version two.")
    body = admin_client.get(reverse("admin:papers_paper_history", args=[published.pk])).content.decode()
    assert "The All-Seeing Project V2, Revised" in body and reviewed_title in body
    assert "the text before a new arXiv version" in body and "a new arXiv version" in body
