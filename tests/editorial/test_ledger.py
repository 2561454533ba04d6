"""The announcement ledger on the desk: recent days counted; failed days and weekdays without a fetch flagged."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from editorial.ledger import desk_ledger
from papers.models import FetchDay
from papers.services.ledger import arxiv_today
from tests.factories import FetchDayFactory, FetchDayItemFactory, SummaryFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2024, 3, 4)


def day(offset: int) -> dt.date:
    return MONDAY + dt.timedelta(days=offset)


def test_failed_days_and_weekdays_without_a_fetch_are_flagged_and_quiet_days_are_not():
    FetchDayFactory(day=day(0))
    FetchDayFactory(day=day(1), failed=True, attempts=3)
    # Wednesday: nothing recorded at all.
    FetchDayFactory(day=day(3))
    FetchDayFactory(day=day(4))
    FetchDayFactory(day=day(5), state=FetchDay.State.QUIET, announced={})  # Saturday
    ledger = desk_ledger(today=day(7))  # the next Monday, not fetched yet: not flagged
    assert [d for d, _ in ledger["ledger_days"]] == [day(5), day(4), day(3), day(1), day(0)]
    assert [(f["day"], f["retrying"]) for f in ledger["ledger_failed"]] == [(day(1), False)]
    assert ledger["ledger_missing"] == [day(2)]  # Wednesday; never the weekend

    FetchDayFactory(day=day(7), failed=True)
    assert [(f["day"], f["retrying"]) for f in desk_ledger(today=day(7))["ledger_failed"]] == [
        (day(7), True), (day(1), False)]


def test_nothing_is_flagged_before_the_ledger_begins():
    assert desk_ledger(today=day(7)) == {"ledger_days": [], "ledger_failed": [], "ledger_missing": [],
                                         "ledger_summary_failures": []}


def test_the_dashboard_shows_the_ledger_and_a_failed_day_loudly(client, users):
    today = arxiv_today()
    read = FetchDayFactory(day=today - dt.timedelta(days=1), announced={"new": 7, "cross": 2, "replace": 1})
    for _ in range(2):
        SummaryFactory(paper=FetchDayItemFactory(fetch_day=read).paper)
    failed = SummaryFactory(paper=FetchDayItemFactory(fetch_day=read).paper)
    failed.machine_state, failed.machine_note = "failed", "invalid JSON twice: missing tldr"
    failed.save()
    FetchDayItemFactory(fetch_day=read, outcome="not_selected")
    FetchDayFactory(day=today, failed=True, attempts=2)
    client.force_login(users["editor"])
    body = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "arXiv's announcements were not read" in body and 'class="ledger-alarm" role="alert"' in body
    assert f"<strong>{today:%a %Y-%m-%d}</strong> (cs.CL):" in body
    assert "the fetch failed — cannot fetch: timed out." in body and "2 attempts" in body
    assert "Tried again every 30 minutes until it succeeds." in body
    cells = body.split('<tr class="ledger-fetched">')[1].split("</tr>")[0]
    numbers = [cell.strip() for cell in cells.replace("</td>", "").split("<td>")[1:]][3:]
    # new, cross, replace, replace-cross; imported, in the digest, summarized, waiting, published;
    # excluded: not in the topics, duplicate, import failed, summary failed
    assert numbers == ["7", "2", "1", "0", "4", "3", "2", "2", "0", "1", "0", "0", "1"]
    assert f"{failed.paper.arxiv_id}</a>: invalid JSON twice: missing tldr" in body
    assert 'class="ledger-failed"' in body
    detail = client.get(reverse("admin:papers_fetchday_change", args=[read.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert detail.status_code == 200 and failed.paper.arxiv_id in detail.content.decode()


def test_a_failed_day_marked_a_holiday_is_quiet_and_no_longer_retried(client, users):
    from papers.services.ledger import fetch_retry_due

    holiday = FetchDayFactory(day=day(0), failed=True, error="the feed has no items on Monday 2024-03-04")
    read = FetchDayFactory(day=day(1), category="cs.AI")
    assert fetch_retry_due(categories=["cs.CL"])
    changelist = reverse("admin:papers_fetchday_changelist")
    client.force_login(users["reviewer"])  # may read the ledger, not overrule it
    refused = client.post(changelist, {"action": "mark_holiday", "_selected_action": [holiday.pk]})
    assert refused.status_code == 200 and FetchDay.objects.get(pk=holiday.pk).state == "failed"
    client.force_login(users["admin"])
    done = client.post(changelist, {"action": "mark_holiday", "_selected_action": [holiday.pk, read.pk]},
                       HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "1 failed day marked a holiday." in done.content.decode()
    holiday.refresh_from_db()
    assert (holiday.state, holiday.error) == ("quiet", "marked a holiday by boss")
    assert FetchDay.objects.get(pk=read.pk).state == "fetched"  # only failed days change
    assert not fetch_retry_due(categories=["cs.CL"])
    assert desk_ledger(today=day(1))["ledger_failed"] == []
