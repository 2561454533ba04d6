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


def test_the_remembered_header_follows_the_topics_and_the_language(client):
    """The header is rendered once per language and set of topics: a renamed topic or another language is new text."""
    topic = SummaryFactory(published=True).paper.topic
    def header(language):  # the header and the footer: the page's own text may name topics too
        page = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        return page[page.index("<header"):page.index("</header>")] + page[page.index("<footer"):]

    link = f'href="{reverse("topic", args=[topic.slug])}">'
    assert f"{link}{topic.name_en}</a>" in header("en") and ">Archive</a>" in header("en")
    assert f"{link}{topic.name_zh}</a>" in header("zh-hans") and ">Archive</a>" not in header("zh-hans")
    topic.name_en = "Agents & <Tools>"
    topic.save()
    cache.clear()  # the header's topics are kept five minutes, the page longer; the rendered header is not in the cache
    assert f"{link}Agents &amp; &lt;Tools&gt;</a>" in header("en")
    assert 'class="site-footer' in header("en") and f'href="{reverse("feed-rss")}">RSS</a>' in header("en")
