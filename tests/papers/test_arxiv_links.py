"""URLs people paste: arXiv's paths on our host lead to the paper, or say we do not have it."""
from __future__ import annotations

import pytest
from django.core.cache import cache

from papers.models import Summary
from papers.site.arxiv_links import parse_pasted
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers():
    SummaryFactory(paper=PaperFactory(arxiv_id="2402.19474", version=2, title="The All-Seeing Project V2"),
                   published=True)
    SummaryFactory(paper=PaperFactory(arxiv_id="hep-th/9901001", version=1, title="An old-style id"), published=True)
    SummaryFactory(paper=PaperFactory(arxiv_id="cs/0112017", version=3, title="Another old-style id"), published=True)
    SummaryFactory(paper=PaperFactory(arxiv_id="2403.00001", title="A draft"))


@pytest.mark.parametrize("path, target", [
    ("/paper/2402.19474v1/", "/paper/2402.19474/"),
    ("/paper/2402.19474v2/", "/paper/2402.19474/"),
    ("/paper/hep-th/9901001v1/", "/paper/hep-th/9901001/"),
    ("/abs/2402.19474", "/paper/2402.19474/"),
    ("/abs/2402.19474v1", "/paper/2402.19474/"),
    ("/abs/2402.19474v2/", "/paper/2402.19474/"),
    ("/pdf/2402.19474", "/paper/2402.19474/"),
    ("/pdf/2402.19474v1", "/paper/2402.19474/"),
    ("/pdf/2402.19474v1.pdf", "/paper/2402.19474/"),
    ("/pdf/2402.19474.pdf", "/paper/2402.19474/"),
    ("/abs/hep-th/9901001", "/paper/hep-th/9901001/"),
    ("/abs/hep-th/9901001v1", "/paper/hep-th/9901001/"),
    ("/pdf/hep-th/9901001v1.pdf", "/paper/hep-th/9901001/"),
    ("/abs/cs/0112017", "/paper/cs/0112017/"),
    ("/pdf/cs/0112017v3", "/paper/cs/0112017/"),
    ("/pdf/cs/0112017.pdf", "/paper/cs/0112017/"),
])
def test_arxiv_paths_redirect_to_the_paper(client, papers, path, target):
    response = client.get(path)
    assert response.status_code == 302, path
    assert response["Location"] == target
    assert client.get(target).status_code == 200


@pytest.mark.parametrize("path, arxiv_id, link", [
    ("/abs/2501.99999", "2501.99999", "https://arxiv.org/abs/2501.99999"),
    ("/pdf/2501.99999v3.pdf", "2501.99999", "https://arxiv.org/abs/2501.99999v3"),
    ("/paper/2501.99999v2/", "2501.99999", "https://arxiv.org/abs/2501.99999v2"),
    ("/paper/2501.99999/", "2501.99999", "https://arxiv.org/abs/2501.99999"),
    ("/abs/math/0309136", "math/0309136", "https://arxiv.org/abs/math/0309136"),
    ("/abs/2403.00001", "2403.00001", "https://arxiv.org/abs/2403.00001"),  # a draft is not public yet
    ("/paper/2403.00001v1/", "2403.00001", "https://arxiv.org/abs/2403.00001v1"),
])
def test_a_paper_we_do_not_have_says_so_links_to_arxiv_and_is_404(client, papers, path, arxiv_id, link):
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert f"arXiv:{arxiv_id}" in page and f'href="{link}"' in page
    assert "A draft" not in page


@pytest.mark.parametrize("path", ["/abs/not-an-id", "/pdf/<script>", "/paper/nothing-here/"])
def test_what_is_no_arxiv_id_is_404_without_an_arxiv_link(client, papers, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "https://arxiv.org/abs/" not in response.content.decode()


def test_staff_follow_a_pasted_link_to_a_draft(admin_client, papers):
    response = admin_client.get("/abs/2403.00001v1")
    assert (response.status_code, response["Location"]) == (302, "/paper/2403.00001/")


def test_the_page_says_which_version_the_summary_was_written_from(client, papers):
    page = client.get("/paper/2402.19474/").content.decode()
    assert "arXiv v2" in page  # the current version, the summary follows it
    Summary.objects.filter(paper__arxiv_id="2402.19474").update(
        source_change={"reviewed_version": 1, "version": 2, "abstract": ["old", "new"]})
    cache.clear()  # an update() sends no signal: the cached page would still be served
    page = client.get("/paper/2402.19474/").content.decode()
    assert "v1" in page.split('class="note summary-version"')[1].split("</p>")[0]


@pytest.mark.parametrize("text, parsed", [
    ("2402.19474", ("2402.19474", None)), ("2402.19474v12", ("2402.19474", 12)), ("2402.19474v1.pdf", ("2402.19474", 1)),
    ("hep-th/9901001v2/", ("hep-th/9901001", 2)), ("cs/0112017.pdf", ("cs/0112017", None)),
    ("math.GT/0309136", ("math.GT/0309136", None)), ("0704.0001", ("0704.0001", None)),
    ("nonsense", None), ("2402.1947", None), ("", None),
])
def test_parse_pasted(text, parsed):
    assert parse_pasted(text) == parsed
