"""The public "report an error" form: its own uncached URL, CSRF, the rate limit, the honeypot, plain text."""
from __future__ import annotations

import re

import feedparser
import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from papers.models import ErrorReport
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> 摘要 wrong'


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # rate-limit windows and cached pages live here
    yield
    cache.clear()


@pytest.fixture
def entry():
    return SummaryFactory(published=True)


def report_url(summary, fragment: bool = False) -> str:
    return reverse("report-error", args=[summary.paper.arxiv_id]) + ("?fragment=1" if fragment else "")


def token_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def post(client: Client, summary, *, fragment: bool = False, **data):
    """Load the form as a reader's browser does (its token and cookie), then send it."""
    form = client.get(report_url(summary, fragment))
    assert form.status_code == 200
    data.setdefault("kind", "translation")
    return client.post(report_url(summary, fragment), {"csrfmiddlewaretoken": token_of(form.content.decode()), **data})


def test_the_paper_page_links_the_form_and_carries_no_token(client, entry):
    page = client.get(reverse("paper", args=[entry.paper.arxiv_id]))
    html = page.content.decode()
    assert f'href="{report_url(entry)}"' in html and f'data-form-url="{report_url(entry, True)}"' in html
    assert "csrfmiddlewaretoken" not in html  # the cached page is the same bytes for every reader
    assert "csrftoken" not in page.cookies


def test_the_form_is_never_cached_and_sets_its_token(client, entry):
    response = client.get(report_url(entry))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "csrftoken" in response.cookies
    html = response.content.decode()
    assert 'name="website"' in html and 'class="report-hp"' in html  # the honeypot is there, hidden
    for kind in ErrorReport.Kind.values:
        assert f'value="{kind}"' in html
    fragment = client.get(report_url(entry, fragment=True)).content.decode()
    assert "<html" not in fragment and 'action="' + report_url(entry, True).replace("&", "&amp;") + '"' in fragment


def test_a_report_is_received_and_shows_nothing_of_other_reports(client, entry):
    response = post(client, entry, kind="translation", comment="MMLMs 应为 MLLMs")
    assert response.status_code == 200
    assert "Thank you" in response.content.decode() or "谢谢" in response.content.decode()
    report = ErrorReport.objects.get()
    assert (report.summary, report.kind, report.comment, report.count) == (entry, "translation", "MMLMs 应为 MLLMs", 1)

    other = Client()
    again = post(other, entry, kind="translation", comment="mmlms 应为 mllms")
    assert again.content == response.content  # the same answer: nothing says it was reported before
    assert ErrorReport.objects.get().count == 2


def test_csrf_protects_the_form(entry):
    client = Client(enforce_csrf_checks=True)
    refused = client.post(report_url(entry), {"kind": "translation", "comment": "forged"})
    assert refused.status_code == 403
    assert post(client, entry, comment="real").status_code == 200
    assert list(ErrorReport.objects.values_list("comment", flat=True)) == ["real"]


def test_the_honeypot_refuses_and_stores_nothing(client, entry):
    response = post(client, entry, comment="buy now", website="http://spam.example")
    assert response.status_code == 400
    assert not ErrorReport.objects.exists()


@override_settings(REPORT_RATE="3/h")
def test_the_rate_limit_refuses_an_address_that_sends_too_many(entry):
    client = Client(enforce_csrf_checks=True)
    codes = [post(client, entry, comment=f"report {n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert ErrorReport.objects.count() == 3
    # Another address is not limited by this one.
    elsewhere = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.7")
    assert post(elsewhere, entry, comment="from elsewhere").status_code == 200


def test_bad_input_is_refused_with_the_form_again(client, entry):
    assert post(client, entry, kind="spam").status_code == 400
    too_long = post(client, entry, comment="x" * (ErrorReport.COMMENT_MAX + 1))
    assert too_long.status_code == 400
    assert not ErrorReport.objects.exists()


def test_unpublished_papers_take_no_reports(client):
    draft = SummaryFactory()
    assert client.get(report_url(draft)).status_code == 404
    assert client.post(report_url(draft), {"kind": "other"}).status_code in (403, 404)
    assert not ErrorReport.objects.exists()


def test_report_text_shows_nowhere_public(client, entry):
    assert post(client, entry, kind="summary", comment=HOSTILE).status_code == 200
    cache.clear()
    pages = [reverse("paper", args=[entry.paper.arxiv_id]), reverse("home"), reverse("feed-rss"),
             reverse("feed-atom"), reverse("search") + "?q=wrong", report_url(entry)]
    for url in pages:
        body = client.get(url).content.decode()
        assert "alert" not in body and "onerror" not in body, url
    for url in (reverse("feed-rss"), reverse("feed-atom")):
        feed = feedparser.parse(client.get(url).content)
        assert feed.entries and all("wrong" not in (e.get("summary", "") + e.get("title", "")) for e in feed.entries)
