"""Markup out of plain-text fields already stored (``manage.py clean_plain_text``)."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from papers.models import Generation
from papers.services.plain_text import plain_text_clean
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def test_plain_text_clean_cleans_rows_stored_with_markup_and_changes_nothing_twice():
    paper = PaperFactory(arxiv_id="2501.00998", title="Stored <b onmouseover=alert(1)>bold</b> $k<n$",
                         abstract="An &lt;script&gt;alert(2)&lt;/script&gt;abstract.")
    summary = SummaryFactory(paper=paper, headline_zh="<style>x{}</style>标题", key_points=["<script>alert(3)</script>要点"],
                             keywords=["<i>词</i>"])
    assert plain_text_clean(dry_run=True)["papers"] == 1
    paper.refresh_from_db()
    assert "<b" in paper.title  # a dry run writes nothing
    counts = plain_text_clean()
    assert counts["papers"] == 1 and counts["summaries"] == 1
    paper.refresh_from_db()
    summary.refresh_from_db()
    assert (paper.title, paper.abstract) == ("Stored bold $k<n$", "An abstract.")
    assert (summary.headline_zh, summary.key_points, summary.keywords) == ("标题", ["要点"], ["词"])
    assert "script" not in summary.key_points_html
    # The text it was imported with is cleaned alike: the cleaning is no editor's correction.
    assert Generation.objects.get(pk=summary.generation_id).output["headline_zh"] == "标题"
    assert summary.edited_fields() == set()
    assert set(plain_text_clean().values()) == {0}


def test_the_command_reports_what_it_cleaned():
    PaperFactory(arxiv_id="2501.00997", title="<script>alert(1)</script>Title")
    out = io.StringIO()
    call_command("clean_plain_text", "--dry-run", stdout=out)
    assert "would clean 1 papers" in out.getvalue()
    call_command("clean_plain_text", stdout=out)
    assert "cleaned 1 papers" in out.getvalue()
