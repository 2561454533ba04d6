"""papers.site.context_processors: the header's topics, read only by the pages that show them."""
import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def test_the_header_lists_the_topics_of_published_papers(client):
    topic = SummaryFactory(published=True).paper.topic
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("topic", args=[topic.slug])}"' in page
    assert [t.slug for t in cache.get("nav-topics")] == [topic.slug]


def test_a_desk_page_never_reads_them(admin_client):
    SummaryFactory(published=True)
    assert admin_client.get(reverse("admin:papers_summary_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:index")).status_code == 200
    assert cache.get("nav-topics") is None
