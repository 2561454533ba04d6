"""papers.site.desk_changelist and the paginator's deep pages: the desk's lists read what they show."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from papers.models import Paper, Status, Summary
from tests.factories import ReviewerFactory, SummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user):
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin_user)
    return client


def listing_query(queries, table: str) -> str:
    """The changelist's SELECT of its rows (not the estimate's EXPLAIN, not a count)."""
    found = [q["sql"] for q in queries
             if q["sql"].startswith("SELECT") and f'"{table}"."id", ' in q["sql"] and "COUNT(" not in q["sql"]]
    assert found, [q["sql"] for q in queries]
    return found[-1]


def test_the_entries_list_reads_only_the_columns_it_shows(admin_client):
    reviewer = ReviewerFactory(username="rita")
    entry = SummaryFactory(generation__backend="openai", generation__model="gpt-x", assignee=reviewer)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:papers_summary_changelist"))
    sql = listing_query(queries, "papers_summary")
    for column in ('"papers_summary"."abstract_zh"', '"papers_summary"."background"', '"papers_paper"."abstract"',
                   '"papers_paper"."search_vector"', '"papers_generation"."output"', '"auth_user"."password"'):
        assert column not in sql
    page = response.content.decode()
    for shown in (entry.paper.arxiv_id, entry.headline_zh[:80], "openai gpt-x", "rita", str(entry.paper.topic)):
        assert shown in page
    assert len(queries) < 20  # no query per row


def test_the_papers_list_reads_no_abstract_and_no_vector(admin_client):
    paper = SummaryFactory().paper
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:papers_paper_changelist"))
    sql = listing_query(queries, "papers_paper")
    assert '"papers_paper"."abstract"' not in sql and '"papers_paper"."search_vector"' not in sql
    assert paper.title[:40] in response.content.decode()


@pytest.mark.parametrize("model", [Summary, Paper])
@pytest.mark.parametrize("filters", [{}, {"q": "2402", "o": "1"}])
def test_row_checkboxes_and_links_are_the_admins_own(admin_client, model, filters):
    obj = model.objects.get(pk=SummaryFactory().pk) if model is Summary else SummaryFactory().paper
    model_admin = admin.site._registry[model]
    with translation.override("en"):
        django_checkbox = ModelAdmin.action_checkbox(model_admin, obj)
    changelist = reverse(f"admin:papers_{model._meta.model_name}_changelist")
    page = admin_client.get(changelist, filters).content.decode()
    assert str(django_checkbox) in page
    # The row's link keeps the list's filters, as Django's add_preserved_filters writes them.
    link = add_preserved_filters({"preserved_filters": urlencode({"_changelist_filters": urlencode(filters)}) if filters else "",
                                  "opts": model._meta}, reverse(f"admin:papers_{model._meta.model_name}_change", args=[obj.pk]))
    assert f'href="{escape(link)}"' in page


def test_an_action_acts_on_whole_rows(admin_client):
    """The list loads a few columns; a bulk action still saves entries with every field intact."""
    entry = SummaryFactory()
    text = Summary.objects.values("abstract_zh", "tldr", "key_points").get(pk=entry.pk)
    response = admin_client.post(reverse("admin:papers_summary_changelist"),
                                 {"action": "submit_selected", "_selected_action": [entry.pk]})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.IN_REVIEW
    assert Summary.objects.values("abstract_zh", "tldr", "key_points").get(pk=entry.pk) == text


def test_deep_pages_skip_the_offset_in_ids_and_keep_the_order(admin_client, monkeypatch):
    entries = [SummaryFactory() for _ in range(5)]
    monkeypatch.setattr(admin.site._registry[Summary], "list_per_page", 2)
    pages = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse("admin:papers_summary_changelist"), {"p": number})
        pages.append([row.pk for row in response.context["cl"].result_list])
        if number > 1:  # the offset over the ids alone, then the page's rows by id
            assert any(q["sql"].startswith('SELECT "papers_summary"."id" AS "pk"') and "OFFSET" in q["sql"]
                       for q in queries)
            assert "= ANY(" in listing_query(queries, "papers_summary")
    assert pages == [[e.pk for e in entries[::-1][:2]], [e.pk for e in entries[::-1][2:4]], [entries[0].pk]]


def changelist_of(model, user, **params):
    from django.test import RequestFactory

    request = RequestFactory().get(reverse(f"admin:papers_{model._meta.model_name}_changelist"), params)
    request.user = user
    return admin.site._registry[model].get_changelist_instance(request)


@pytest.mark.parametrize("model, params", [(Summary, {}), (Summary, {"status__exact": "draft", "q": "2402"}),
                                           (Paper, {}), (Paper, {"o": "-2"})])
def test_the_rows_are_the_admins_own_markup(admin_user, model, params):
    from django.contrib.admin.templatetags.admin_list import items_for_result

    from papers.site.desk_changelist import result_rows

    reviewer = ReviewerFactory(username="rita")
    SummaryFactory(assignee=reviewer, generation__backend="openai", generation__model="gpt-x")
    SummaryFactory(generation=False, headline_zh="", title_zh="", paper__topic=None)
    SummaryFactory(headline_zh="<b>标题</b> & co", status=Status.IN_REVIEW)
    with translation.override("en"):
        cl = changelist_of(model, admin_user, **params)
        assert len(cl.result_list) >= 2
        assert [list(row) for row in result_rows(cl)] == [list(items_for_result(cl, row, None)) for row in cl.result_list]


def test_columns_it_does_not_know_are_left_to_the_admin(admin_user, monkeypatch):
    from django.contrib.admin.templatetags.admin_list import items_for_result

    from papers.site.desk_changelist import result_rows

    SummaryFactory()
    monkeypatch.setattr(admin.site._registry[Summary], "list_display", ("arxiv_id", "__str__", "id", "paper", "status"))
    monkeypatch.setattr(admin.site._registry[Summary], "list_columns", ())
    cl = changelist_of(Summary, admin_user)
    assert [list(row) for row in result_rows(cl)] == [list(items_for_result(cl, row, None)) for row in cl.result_list]
