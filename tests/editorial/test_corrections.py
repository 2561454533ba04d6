"""Published text that changed: recorded from the entry's history when it is published again, or saved while live."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from editorial import workflow
from editorial.corrections import record_live_edit
from papers.models import Correction, Status, Summary
from tests.editorial.test_editing import change_url, form_data
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def publish(summary, user):
    for name in ("submit", "approve", "publish"):
        workflow.transition(summary, name, user=user)


def test_publishing_again_with_changed_text_records_a_correction_of_those_fields(users):
    summary = SummaryFactory()
    publish(summary, users["admin"])
    assert not Correction.objects.exists()  # a first publication is no correction

    workflow.transition(summary, "unpublish", user=users["admin"], comment="reader report")
    summary.abstract_zh = summary.abstract_zh.replace("。", "！", 1)
    summary.tldr = "更正后的一句话总结。"
    summary.save()
    publish(summary, users["admin"])

    correction = Correction.objects.get()
    assert correction.summary == summary
    assert correction.fields == ["abstract_zh", "tldr"]  # in the desk's field order
    assert correction.corrected_at == summary.published_at
    assert correction.field_labels() == ["Chinese abstract", "one-line summary"]


def test_publishing_again_the_same_text_is_no_correction(users):
    summary = SummaryFactory()
    publish(summary, users["admin"])
    workflow.transition(summary, "unpublish", user=users["admin"])
    publish(summary, users["admin"])
    assert summary.status == Status.PUBLISHED
    assert not Correction.objects.exists()


def test_the_text_compared_is_the_last_one_readers_saw(users):
    summary = SummaryFactory()
    publish(summary, users["admin"])
    workflow.transition(summary, "unpublish", user=users["admin"])
    summary.tldr = "第一次更正。"
    summary.save()
    publish(summary, users["admin"])
    workflow.transition(summary, "unpublish", user=users["admin"])
    summary.title_zh = "第二次更正的标题"
    summary.save()
    publish(summary, users["admin"])
    assert list(Correction.objects.order_by("corrected_at").values_list("fields", flat=True)) == [
        ["tldr"], ["title_zh"]]


def test_a_live_edit_of_a_published_entry_is_a_correction_and_a_draft_edit_is_not():
    published = SummaryFactory(published=True)
    assert record_live_edit(published, ["tldr", "revision_seen"]).fields == ["tldr"]
    assert record_live_edit(SummaryFactory(), ["tldr"]) is None
    assert record_live_edit(published, []) is None
    assert Correction.objects.count() == 1


def test_an_editor_correcting_a_published_entry_in_the_admin_tells_readers(client, users):
    summary = SummaryFactory(published=True)
    client.force_login(users["editor"])
    response = client.post(change_url(summary), form_data(summary, tldr="更正：一句话总结。"))
    assert response.status_code == 302
    assert list(Correction.objects.values_list("summary", "fields")) == [(summary.pk, ["tldr"])]
    client.logout()
    page = client.get(reverse("paper", args=[summary.paper.arxiv_id]), headers={"accept-language": "en"})
    note = page.content.decode().split('class="corrections', 1)[1].split("</p>", 1)[0]
    with translation.override("en"):
        label = str(Summary._meta.get_field("tldr").verbose_name)
    assert 'data-fields="tldr"' in note and f"Corrected on {timezone.localdate():%Y-%m-%d}: {label}" in note


def test_editing_a_draft_in_the_admin_is_no_correction(client, users):
    summary = SummaryFactory()
    client.force_login(users["editor"])
    assert client.post(change_url(summary), form_data(summary, tldr="草稿的修改。")).status_code == 302
    assert not Correction.objects.exists()
