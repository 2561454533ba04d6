"""An entry's edit screen: the English source beside the correction, field by field, with the checks'
findings and the glossary terms next to the field they concern; merge conflicts, provenance, "save
and go to the next entry", and any two revisions compared.

The form writes text and desk fields only; the state, publish time and
assignee are the workflow's (``papers.services.transitions``).
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy as _

from editorial import workflow
from editorial.checks import SOURCE_OF, check_summary, glossary_findings, glossary_hits
from editorial.corrections import record_live_edit
from editorial.dashboard import source_diffs
from editorial.diffs import as_text, inline_diff
from editorial.forms import EDITABLE, SummaryForm
from editorial.provenance import field_provenance
from papers.glossary import current_terms
from papers.models import DigestEntry, Status, Summary

# Written by the workflow alone (papers.services.transitions), never by a form.
WORKFLOW_FIELDS = ("status", "published_at", "assignee")


class SummaryEditScreen:
    """The change page of an entry (mixed into ``SummaryAdmin``)."""

    form = SummaryForm
    change_form_template = "admin/papers/summary/change_form.html"
    readonly_fields = ("status", "published_at")
    fieldsets = [
        (_("Entry text"), {"fields": EDITABLE}),
        (_("Desk"), {"fields": ("summary_language", "reviewer", "publish_at", "status", "published_at", "revision_seen")}),
    ]
    history_list_display = ("status", "revision", "headline_zh", "title_zh")
    object_history_template = "admin/papers/summary/object_history.html"

    def get_object(self, request, object_id, from_field=None):
        """The entry with its paper and machine text, read once per request: the workflow panel, the side by side
        and the form share it (four queries were two reads of the entry, then its paper and its machine text)."""
        loaded = request.__dict__.setdefault("_desk_entries", {})
        if (object_id, from_field) not in loaded:
            field = Summary._meta.pk if from_field is None else Summary._meta.get_field(from_field)
            queryset = self.get_queryset(request).select_related("paper", "generation").defer("paper__search_vector")
            try:
                loaded[object_id, from_field] = queryset.get(**{field.name: field.to_python(object_id)})
            except (Summary.DoesNotExist, ValidationError, ValueError):
                loaded[object_id, from_field] = None
        return loaded[object_id, from_field]

    def get_urls(self):
        return [
            path("<int:pk>/history/compare/", self.admin_site.admin_view(self.compare_view),
                 name="papers_summary_compare"),
            *super().get_urls(),
        ]

    def compare_view(self, request, pk):
        """Any two revisions of an entry, field by field."""
        summary = get_object_or_404(Summary, pk=pk)
        if not self.has_view_permission(request, summary):
            raise PermissionDenied
        history = summary.history.all()
        older = get_object_or_404(history, pk=request.GET.get("a"))
        newer = get_object_or_404(history, pk=request.GET.get("b"))
        if older.history_date > newer.history_date:
            older, newer = newer, older
        rows = [
            {"label": Summary._meta.get_field(name).verbose_name, "diff": inline_diff(getattr(older, name), getattr(newer, name))}
            for name in (*EDITABLE, "status") if as_text(getattr(older, name)) != as_text(getattr(newer, name))
        ]
        return TemplateResponse(request, "admin/papers/summary/compare.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": summary, "older": older,
            "newer": newer, "rows": rows, "title": gettext("Compare revisions of %(id)s") % {"id": summary.paper.arxiv_id},
        })

    def save_model(self, request, obj, form, change):
        obj.merge_conflicts = {}  # saved after seeing them: the editor has decided
        if not change:
            super().save_model(request, obj, form, change)
        else:
            # The form writes text and desk fields, never the workflow's: a transition made while
            # the form was open stays, and a revert (which saves an old copy) keeps today's state.
            obj.refresh_from_db(fields=WORKFLOW_FIELDS)
            obj._history_user = request.user  # what SimpleHistoryAdmin.save_model would set
            obj.save(update_fields=[f.name for f in Summary._meta.concrete_fields
                                    if not f.primary_key and f.name not in WORKFLOW_FIELDS])
            record_live_edit(obj, form.changed_data)  # readers see a published entry's edit at once
        if "reviewer" in form.changed_data:
            workflow.assign([obj], assignee=form.cleaned_data["reviewer"], user=request.user)

    def extra_change_context(self, request, obj) -> dict:
        conflicts = [
            {"field": name, "label": Summary._meta.get_field(name).verbose_name,
             "ours_diff": inline_diff(c["base"], c["ours"]), "theirs_diff": inline_diff(c["base"], c["theirs"])}
            for name, c in (obj.merge_conflicts or {}).items()
        ]
        checks = check_summary(obj)
        glossary = current_terms()  # read once for the findings and the terms beside each field
        return {"merge_conflicts": conflicts, "side_by_side": field_rows(obj, checks, glossary), "checks": checks,
                "source_change": obj.source_change, "source_change_diffs": source_diffs(obj),
                "glossary": glossary_findings(obj, glossary), "paper": obj.paper, "provenance": field_provenance(obj),
                "error_reports": list(obj.error_reports.filter(resolved_at__isnull=True).select_related("assignee"))}

    def render_change_form(self, request, context, *args, **kwargs):
        form = context.get("adminform").form if context.get("adminform") else None
        if form is not None and getattr(form, "stale_changes", None):
            context["stale_changes"] = form.stale_changes
        if form is not None and "side_by_side" in context:
            for row in context["side_by_side"]:
                row["field"] = form[row["name"]]
        return super().render_change_form(request, context, *args, **kwargs)

    def response_change(self, request, obj):
        """"Save and go to the next entry" (Ctrl+Enter): saved, then the entry an editor works on next."""
        if "_savenext" in request.POST:
            following = next_entry(obj)
            self.message_user(request, gettext("Saved %(entry)s.") % {"entry": obj.paper.arxiv_id}, messages.SUCCESS)
            if following is None:
                self.message_user(request, gettext("That was the last entry waiting."), messages.INFO)
                return HttpResponseRedirect(reverse("admin:papers_summary_changelist"))
            return HttpResponseRedirect(reverse("admin:papers_summary_change", args=[following.pk]))
        return super().response_change(request, obj)


def field_rows(summary: Summary, problems, terms=None) -> list[dict]:
    """One row per editable field: the English it translates (or, where it translates nothing, the machine's
    text) beside it, its length, and the check findings and glossary terms (of ``terms``, if given) that concern it."""
    machine = summary.generation.output if summary.generation_id else {}
    glossary = glossary_hits(summary, terms)
    rows = []
    for name in EDITABLE:
        source = getattr(summary.paper, SOURCE_OF[name]) if name in SOURCE_OF else ""
        current, machine_text = getattr(summary, name), machine.get(name, "")
        edited = name in machine and as_text(machine_text) != as_text(current)
        rows.append({
            "name": name,
            "label": Summary._meta.get_field(name).verbose_name,
            "source": source,
            "source_length": len(source or as_text(machine_text)),
            "machine": as_text(machine_text),
            "length": len(as_text(current)),
            "edited": edited,
            "diff": inline_diff(machine_text, current) if edited else "",
            "problems": [p for p in problems if p.field == name],
            "glossary": glossary.get(name, []),
        })
    return rows


def next_entry(summary: Summary) -> Summary | None:
    """After this entry: the next one of its day's digest (the newest digest it is in), else the next draft
    or sent-back entry."""
    place = DigestEntry.objects.filter(paper_id=summary.paper_id).order_by("-digest__date").first()
    if place is not None:
        following = (Summary.objects.filter(paper__digest_entries__digest_id=place.digest_id,
                                            paper__digest_entries__position__gt=place.position)
                     .order_by("paper__digest_entries__position").first())
        if following is not None:
            return following
    return (Summary.objects.filter(status__in=[Status.DRAFT, Status.CHANGES_REQUESTED], pk__gt=summary.pk)
            .order_by("pk").first())
