"""Editing entries: side by side, history, stale forms, machine text meeting edits, query counts."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from editorial import workflow
from papers.models import Generation, Paper, Status, Summary
from papers.services.generation import summary_generate
from papers.services.ingest import import_sources
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def form_data(summary: Summary, **changes) -> dict:
    data = {name: getattr(summary, name) for name in Summary.TEXT_FIELDS}
    data["key_points"] = "\n".join(summary.key_points)
    data["keywords"] = "、".join(summary.keywords)
    data.update(summary_language=summary.summary_language or "zh", assignee="", publish_at="", revision_seen=summary.revision)
    data.update(changes)
    return data


def change_url(summary):
    return reverse("admin:papers_summary_change", args=[summary.pk])


def test_change_page_shows_source_machine_text_and_diff(client, users, entry):
    entry.headline_zh = "全知计划V2：开放世界的通用关系理解"
    entry.save()
    client.force_login(users["editor"])
    body = client.get(change_url(entry)).content.decode()
    assert "The All-Seeing Project V2: Towards General Relation Comprehension" in body  # English source
    assert "《全知计划V2》：旨在攻克开放世界" in body  # the machine (source) text, read-only
    assert "<del>" in body and "Restore machine text" in body  # a per-field diff and the restore button
    assert 'class="desk-field edited' in body  # the headline's row is marked edited


def test_findings_and_glossary_terms_stand_next_to_their_field(client, users, entry):
    """The change screen puts each check finding and glossary term in the row of the field it concerns."""
    from django.utils.html import escape

    from editorial.admin.edit_screen import field_rows
    from editorial.checks import check_summary

    rows = {row["name"]: row for row in field_rows(entry, check_summary(entry))}
    assert [p.code for p in rows["abstract_zh"]["problems"]] == ["names"]  # MMLMs for MLLMs
    assert all(not row["problems"] for name, row in rows.items() if name != "abstract_zh")
    assert {g["term"] for g in rows["abstract_zh"]["glossary"]} >= {"hallucination"}
    assert rows["abstract_zh"]["length"] == len(entry.abstract_zh)
    assert rows["abstract_zh"]["source"] == entry.paper.abstract and rows["tldr"]["source"] == ""

    client.force_login(users["editor"])
    body = client.get(change_url(entry), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    row = body[body.index('id="row-abstract_zh"'):body.index('id="row-tldr"')]
    assert "翻译中丢失的名称：MLLMs" in row and escape("hallucination") in row and "与术语表不符" in row
    assert "快捷键" in body and "保存并转到下一条" in body


def test_save_and_next_goes_to_the_next_entry_of_the_day(client, users, entry):
    client.force_login(users["editor"])
    response = client.post(change_url(entry), {**form_data(entry, tldr="全知计划第二版"), "_savenext": "1"})
    entry.refresh_from_db()
    assert entry.tldr == "全知计划第二版"
    place = entry.paper.digest_entries.get()
    following = Summary.objects.get(paper__digest_entries__digest=place.digest,
                                    paper__digest_entries__position=place.position + 1)
    assert response.status_code == 302 and response["Location"] == change_url(following)


def test_every_save_is_a_revision_with_who_and_a_compare_view(client, users, entry):
    client.force_login(users["editor"])
    response = client.post(change_url(entry), form_data(entry, title_zh="全知计划 V2：迈向开放世界的通用关系理解"))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    latest, previous = entry.history.all()[:2]
    assert latest.history_user.username == "editor" and latest.title_zh.startswith("全知计划 V2")
    history = client.get(reverse("admin:papers_summary_history", args=[entry.pk])).content.decode()
    # The compare form offers every revision with who made it: the import (system), then the editor.
    assert re.search(rf'<option value="{latest.pk}" selected>#{latest.revision} · [^<]+ · editor</option>', history)
    assert re.search(rf'<option value="{previous.pk}" selected>#{previous.revision} · [^<]+ · system</option>', history)
    compare = client.get(reverse("admin:papers_summary_compare", args=[entry.pk]), {"a": previous.pk, "b": latest.pk})
    assert "<ins>全知计划 V2：迈向开放世界的通用关系理解</ins>" in compare.content.decode()


def test_revert_to_an_earlier_revision(client, users, entry):
    client.force_login(users["admin"])
    original = entry.headline_zh
    client.post(change_url(entry), form_data(entry, headline_zh="改过的标题"))
    first = entry.history.order_by("history_date").first()
    url = reverse("admin:papers_summary_simple_history", args=[entry.pk, first.pk])
    entry.refresh_from_db()
    response = client.post(url, form_data(entry, headline_zh=first.headline_zh, revision_seen=entry.revision))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.headline_zh == original


def test_second_save_of_a_stale_form_is_refused_with_a_diff(client, users, entry):
    stale = form_data(entry)  # both editors open the entry at the same revision
    client.force_login(users["editor"])
    assert client.post(change_url(entry), form_data(entry, headline_zh="甲编辑的标题")).status_code == 302
    client.force_login(users["reviewer"])
    response = client.post(change_url(entry), {**stale, "headline_zh": "乙编辑的标题"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Someone saved this entry while you were editing it" in body
    assert "<ins>" in body and "甲编辑" in body.split("Changed meanwhile")[1][:3000]
    entry.refresh_from_db()
    assert entry.headline_zh == "甲编辑的标题"  # never a silent overwrite


def test_resummarize_keeps_edited_fields_and_updates_untouched_ones(entry):
    paper = entry.paper
    entry.tldr = "编辑写的一句话总结"
    entry.save()
    generation = summary_generate(paper=paper, backend_name="offline")
    entry.refresh_from_db()
    assert entry.tldr == "编辑写的一句话总结"  # kept: an editor wrote it
    assert generation.output["tldr"] and generation.output["tldr"] != entry.tldr  # offered beside it
    assert entry.key_points == generation.output["key_points"] and len(entry.key_points) == 3  # untouched: updated
    assert entry.headline_zh.startswith("《全知计划V2》")  # the imported machine text stays
    assert summary_generate(paper=paper, backend_name="offline") is None  # never pay twice
    assert Generation.objects.filter(summary=entry, kind="backend").count() == 1


def test_resummarize_action_queues_and_runs(client, users, entry, django_capture_on_commit_callbacks):
    entry.tldr = "编辑写的一句话总结"
    entry.save()
    client.force_login(users["editor"])
    url = reverse("admin:papers_summary_changelist")
    # The action queues on commit; the test's transaction never commits, so run the callbacks here
    # (eager Celery: the task runs when its callback does).
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(url, {"action": "resummarize", "_selected_action": [entry.pk]})
    assert response.status_code == 302 and len(queued) == 1
    generation = Generation.objects.get(summary=entry, kind="backend")
    assert (generation.backend, generation.model, generation.error) == ("offline", "textrank", "")
    entry.refresh_from_db()
    assert entry.generation_id == generation.pk
    assert entry.tldr == "编辑写的一句话总结"  # an editor wrote it: kept
    assert entry.key_points == generation.output["key_points"] and len(entry.key_points) == 3  # untouched: new text
    assert entry.headline_zh.startswith("《全知计划V2》")  # the offline backend writes no Chinese

    # The same input again: re-summarize forces a new call ("never pay twice" is for the scheduled runs).
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "resummarize", "_selected_action": [entry.pk]})
    assert Generation.objects.filter(summary=entry, kind="backend").count() == 2


def test_assign_reviewer_action(client, users):
    ids = [summary.pk for summary in SummaryFactory.create_batch(2)]
    client.force_login(users["reviewer"])
    url = reverse("admin:papers_summary_changelist")
    page = client.post(url, {"action": "assign_reviewer", "_selected_action": ids}).content.decode()
    assert "Assign 2 entries to:" in page  # first the form, listing who may review
    options = set(re.findall(r'<option value="(\d+)"', page))
    assert options == {str(users["reviewer"].pk), str(users["admin"].pk)}  # not the editor
    assert set(Summary.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {None}
    client.post(url, {"action": "assign_reviewer", "_selected_action": ids, "assignee": users["reviewer"].pk})
    assert set(Summary.objects.filter(pk__in=ids).values_list("assignee__username", flat=True)) == {"reviewer"}
    assert Summary.objects.filter(assignee__isnull=False).count() == 2


def test_changelist_filters_and_search(client, users, desk, seed_hexo):
    import_sources([str(seed_hexo)])  # 14 entries of another day and another source beside the 28
    Summary.objects.filter(paper__arxiv_id="2402.19474").update(status=Status.IN_REVIEW)
    client.force_login(users["editor"])
    url = reverse("admin:papers_summary_changelist")

    def shown(**params):
        response = client.get(url, params)
        assert response.status_code == 200, params
        return response.context["cl"]

    assert shown(status__exact="draft").result_count == 41
    assert [s.paper.arxiv_id for s in shown(status__exact="in_review").result_list] == ["2402.19474"]
    assert shown(digest_date="2024-02-29").result_count == 28
    assert shown(digest_date="2024-01-24").result_count == 14
    assert shown(generation__backend="digest-md").result_count == 28
    assert shown(generation__backend="hexo").result_count == 14
    for query in ("2402.19474", "关系理解", "All-Seeing"):  # arXiv id, Chinese headline, English title
        assert [s.paper.arxiv_id for s in shown(q=query).result_list] == ["2402.19474"], query
    assert "2402.19474" in client.get(url, {"q": "2402.19474"}).content.decode()


@pytest.mark.parametrize("name", ["papers_summary_changelist", "papers_digest_changelist", "index"])
def test_admin_query_count_does_not_grow_with_rows(client, users, seed_digest, seed_hexo, name):
    client.force_login(users["admin"])
    url = reverse(f"admin:{name}")
    import_sources([str(seed_hexo)])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    import_sources([str(seed_digest)])
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= len(few) + 2, [q["sql"][:100] for q in many.captured_queries]
    assert Paper.objects.count() == 42


def test_dashboard_shows_counts_queue_and_blockers(client, users, desk):
    sent_back = Summary.objects.get(paper__arxiv_id="2402.19167")  # the digest's last entry
    workflow.transition(sent_back, "submit", user=users["editor"])
    workflow.transition(sent_back, "request_changes", user=users["reviewer"], comment="headline too long")
    client.force_login(users["editor"])
    response = client.get(reverse("admin:index"))
    body = response.content.decode()
    counts = {value: n for _, value, n in response.context["counts"]}
    assert counts == {"draft": 27, "in_review": 0, "changes_requested": 1, "approved": 0, "published": 0,
                      "unpublished": 0}
    assert re.search(r'status__exact=draft">[^<]+</a></td><td>27</td>', body)
    mine = [s.paper.arxiv_id for s in response.context["mine"]]
    assert len(mine) == 10 and mine[0] == "2402.19167"  # an editor's queue: what was sent back, then drafts
    assert [s.paper.arxiv_id for s in response.context["oldest"]] == ["2402.19167"]
    assert response.context["digest"] == desk and len(response.context["blockers"]) == 10
    assert "Entries by state" in body and "Waiting for me" in body and "Still blocking it" in body


def test_digest_blocked_page_lists_entries_and_offers_leave_out(client, users, desk):
    from papers.models import Status

    desk.__class__.objects.filter(pk=desk.pk).update(status=Status.APPROVED)
    client.force_login(users["reviewer"])
    url = reverse("admin:papers_digest_transition", args=[desk.pk, "publish"])
    response = client.post(url)
    assert response.status_code == 409
    body = response.content.decode()
    assert "28 entries are not approved" in body and "Publish, leaving out 28 unapproved entries" in body
    assert client.post(url, {"leave_out": "1", "comment": "empty day"}).status_code == 302
    desk.refresh_from_db()
    assert desk.status == Status.PUBLISHED


def test_review_screen_shows_the_checks(client, users, entry, clean_entry):
    client.force_login(users["editor"])
    body = client.get(change_url(entry)).content.decode()
    assert "names dropped in translation: MLLMs" in body
    assert "Checks: nothing found." in client.get(change_url(clean_entry)).content.decode()


def test_publish_blocked_by_checks_offers_an_override_with_comment(client, users, entry):
    from papers.models import Status

    Summary.objects.filter(pk=entry.pk).update(status=Status.APPROVED)
    client.force_login(users["reviewer"])
    url = reverse("admin:papers_summary_transition", args=[entry.pk, "publish"])
    response = client.post(url)
    assert response.status_code == 409 and "MLLMs" in response.content.decode()
    assert 'name="override"' in response.content.decode()
    assert client.post(url, {"override": "1", "comment": "checked"}).status_code == 302
    entry.refresh_from_db()
    assert entry.status == Status.PUBLISHED


def test_dashboard_counts_large_states_from_the_planner(client, users, desk, monkeypatch):
    """Past ESTIMATE_ABOVE entries in a state the number is the planner's, shown as about; smaller ones exact."""
    from editorial import dashboard

    monkeypatch.setattr(dashboard, "ESTIMATE_ABOVE", 5)
    client.force_login(users["editor"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    counts = {value: n for _, value, n in response.context["counts"]}
    assert counts["draft"].startswith("≈ ") and int(counts["draft"][2:].replace(",", "")) > 0
    assert counts["published"] == 0 and counts["approved"] == 0
    assert not any(q["sql"].startswith('SELECT "papers_summary"."status" AS "status", COUNT(') for q in queries)
