"""The edit-rate report and field provenance, on a fixture with known edits."""
from __future__ import annotations

import pytest
from django.urls import reverse

from editorial.diffs import edit_distance
from editorial.provenance import field_provenance
from editorial.reports import edit_rates
from papers.models import Summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(desk, users, client):
    """Two of the 28 seed entries get a new headline: one rewritten entirely, one by two characters."""
    client.force_login(users["editor"])
    a = Summary.objects.get(paper__arxiv_id="2402.19474")
    a.headline_zh = "完全不同"
    a._history_user = users["editor"]  # as the admin's history middleware does for a request
    a.save()
    b = Summary.objects.get(paper__arxiv_id="2402.19465")
    b.headline_zh = b.headline_zh[:-2] + "！！"
    b.save()
    return a, b


def test_edit_rate_figures(edited):
    rows = {(r["backend"], r["field"]): r for r in edit_rates()}
    headline = rows[("digest-md", "headline_zh")]
    assert (headline["entries"], headline["changed"]) == (28, 2)
    assert headline["share"] == pytest.approx(2 / 28)
    a_distance = edit_distance(edited[0].generation.output["headline_zh"], "完全不同")
    b_original = edited[1].generation.output["headline_zh"]
    b_distance = 1 - (2 * (len(b_original) - 2)) / (2 * len(b_original))  # two characters of n replaced
    assert a_distance > 0.9
    assert headline["mean_distance"] == pytest.approx((a_distance + b_distance) / 28, abs=1e-3)
    assert rows[("digest-md", "abstract_zh")]["changed"] == 0


def test_report_page_renders_table_and_chart(client, users, edited):
    client.force_login(users["editor"])
    body = client.get(reverse("admin:editorial_edit_rates"), {"days": 7}).content.decode()
    assert "<svg" in body and ">7%</text>" in body  # 2/28 = 7 %
    assert "<tr><td>Chinese headline</td><td>28</td><td>2</td><td>7%</td>" in body


def test_provenance_names_who_changed_what(edited, users):
    rows = {r["field"]: r for r in field_provenance(edited[0])}
    machine = edited[0].generation.output["headline_zh"]
    assert (rows["headline_zh"]["edited"], rows["headline_zh"]["machine"], rows["headline_zh"]["current"]) == (
        True, machine, "完全不同")
    assert rows["headline_zh"]["distance"] == pytest.approx(edit_distance(machine, "完全不同"))
    assert rows["headline_zh"]["changed_by"].username == "editor"
    assert (rows["abstract_zh"]["edited"], rows["abstract_zh"]["changed_by"], rows["abstract_zh"]["distance"]) == (
        False, None, 0.0)
    saved_without_a_user = {r["field"]: r for r in field_provenance(edited[1])}["headline_zh"]
    assert (saved_without_a_user["edited"], saved_without_a_user["changed_by"]) == (True, None)


def test_public_page_says_which_fields_a_person_corrected(client, edited):
    from papers.models import Status

    Summary.objects.filter(pk=edited[0].pk).update(status=Status.PUBLISHED)
    body = client.get("/paper/2402.19474/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Machine-written, reviewed by an editor, who corrected: Chinese headline." in body
