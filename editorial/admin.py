"""The review desk in the Django admin: entries, digests, the audit log, the dashboard.

Every state change goes through ``editorial.workflow.transition``, which checks
the user's permission on the server: buttons are only a convenience.
"""
from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from editorial import workflow
from editorial.checks import check_summary, glossary_findings
from editorial.dashboard import source_diffs
from editorial.diffs import as_text, inline_diff
from editorial.forms import EDITABLE, SummaryForm, reviewers
from editorial.provenance import field_provenance
from editorial.reports import edit_rates
from editorial.models import AuditEntry
from papers.models import Digest, DigestEntry, Status, Summary
from papers.services.versions import summary_rereviewed

# Written by the workflow alone (papers.services.transitions), never by a form.
WORKFLOW_FIELDS = ("status", "published_at", "assignee")
# The English source each Chinese field translates, for the side-by-side view.
SOURCE_OF = {"headline_zh": "title", "title_zh": "title", "abstract_zh": "abstract"}


class EstimatedCountPaginator(Paginator):
    """No full-table COUNT(*) on an unfiltered changelist of 100,000+ rows (PostgreSQL estimate)."""

    @cached_property
    def count(self):
        query = self.object_list.query
        if connection.vendor == "postgresql" and not query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [self.object_list.model._meta.db_table])
                row = cursor.fetchone()
            if row and row[0] > 10_000:
                return row[0]
        return super().count


class DigestDateFilter(admin.SimpleListFilter):
    title = "digest date"
    parameter_name = "digest_date"

    def lookups(self, request, model_admin):
        dates = Digest.objects.order_by("-date").values_list("date", flat=True).distinct()[:30]
        return [(d.isoformat(), d.isoformat()) for d in dates]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(paper__digest_entries__digest__date=self.value()).distinct()
        return queryset


class NeedsRereviewFilter(admin.SimpleListFilter):
    """Published entries whose paper arXiv replaced with a changed English text."""

    title = "arXiv source changed"
    parameter_name = "rereview"

    def lookups(self, request, model_admin):
        return [("yes", "Needs re-review")]

    def queryset(self, request, queryset):
        return queryset.needs_rereview() if self.value() == "yes" else queryset


def _transition_action(name: str):
    spec = workflow.TRANSITIONS[name]

    def action(modeladmin, request, queryset):
        done, failed = 0, []
        for obj in queryset:
            try:
                workflow.transition(obj, name, user=request.user, leave_out=False)
                done += 1
            except PermissionDenied:
                modeladmin.message_user(request, f"You may not {spec.label.lower()}.", messages.ERROR)
                return
            except workflow.TransitionError as exc:
                failed.append(f"{obj}: {exc}")
        if done:
            modeladmin.message_user(request, f"{spec.label}: {done} done.", messages.SUCCESS)
        for line in failed[:20]:
            modeladmin.message_user(request, line, messages.WARNING)

    action.__name__ = f"{name}_selected"
    action.short_description = f"{spec.label} (selected)"
    action.allowed_permissions = (name,)
    return action


class WorkflowAdminMixin:
    """Transition buttons, their POST endpoint, and the bulk actions."""

    actions = [_transition_action(name) for name in workflow.TRANSITIONS]

    # ModelAdmin checks has_<name>_permission for actions with allowed_permissions.
    def has_submit_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["submit"].permission)

    def has_approve_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["approve"].permission)

    def has_request_changes_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["request_changes"].permission)

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["publish"].permission)

    def has_unpublish_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["unpublish"].permission)

    def get_urls(self):
        meta = self.model._meta
        return [
            path("<int:pk>/transition/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name=f"{meta.app_label}_{meta.model_name}_transition"),
            *super().get_urls(),
        ]

    def transition_view(self, request, pk, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = get_object_or_404(self.model, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        leave_out = request.POST.get("leave_out") == "1"
        try:
            workflow.transition(obj, name, user=request.user, comment=request.POST.get("comment", "").strip(),
                                leave_out=leave_out, override=request.POST.get("override") == "1")
        except (workflow.DigestBlocked, workflow.ChecksFailed) as exc:
            return TemplateResponse(request, "admin/editorial/publish_blocked.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "obj": obj,
                "blockers": getattr(exc, "blockers", []), "problems": getattr(exc, "problems", {}),
                "leave_out": leave_out or isinstance(exc, workflow.DigestBlocked), "title": "Not ready to publish",
            }, status=409)
        except workflow.TransitionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, f"{workflow.TRANSITIONS[name].label}: done.", messages.SUCCESS)
        meta = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]))

    def extra_change_context(self, request, obj) -> dict:
        return {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The change page gets the workflow panel (and what each admin adds) for an existing object."""
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None:
            extra_context.update(
                transitions=workflow.available(obj, request.user),
                audit=obj.audit_entries.select_related("user")[:20],
                **self.extra_change_context(request, obj),
            )
        return super().changeform_view(request, object_id, form_url, extra_context)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=reviewers(), label="Reviewer")


@admin.register(Summary)
class SummaryAdmin(WorkflowAdminMixin, SimpleHistoryAdmin):
    form = SummaryForm
    change_form_template = "admin/papers/summary/change_form.html"
    list_display = ("arxiv_id", "headline", "status", "topic", "assignee", "machine", "modified_at")
    list_filter = ("status", NeedsRereviewFilter, ("paper__topic", admin.RelatedOnlyFieldListFilter), DigestDateFilter,
                   "generation__backend", "generation__model", ("assignee", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=paper__arxiv_id", "paper__title", "headline_zh", "title_zh", "paper__authors__name")
    list_select_related = ("paper__topic", "assignee", "generation")
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ("status", "published_at")
    fieldsets = [
        ("Entry text", {"fields": EDITABLE}),
        ("Desk", {"fields": ("summary_language", "reviewer", "publish_at", "status", "published_at", "revision_seen")}),
    ]
    history_list_display = ("status", "revision", "headline_zh", "title_zh")
    object_history_template = "admin/papers/summary/object_history.html"

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
            "newer": newer, "rows": rows, "title": f"Compare revisions of {summary.paper.arxiv_id}",
        })

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    actions = [*WorkflowAdminMixin.actions, "assign_reviewer", "resummarize", "mark_rereviewed"]

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
        if "reviewer" in form.changed_data:
            workflow.assign([obj], assignee=form.cleaned_data["reviewer"], user=request.user)

    @admin.display(description="arXiv", ordering="paper__arxiv_id")
    def arxiv_id(self, obj):
        return obj.paper.arxiv_id

    @admin.display(description="entry")
    def headline(self, obj):
        return (obj.headline_zh or obj.title_zh or obj.paper.title)[:80]

    @admin.display(description="topic", ordering="paper__topic")
    def topic(self, obj):
        return obj.paper.topic

    @admin.display(description="machine text from")
    def machine(self, obj):
        if not obj.generation:
            return "-"
        return f"{obj.generation.backend} {obj.generation.model}".strip()

    @admin.action(description="Assign a reviewer (selected)", permissions=["change"])
    def assign_reviewer(self, request, queryset):
        form = AssignForm(request.POST if "assignee" in request.POST else None)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            try:
                changes = workflow.assign(queryset, assignee=assignee, user=request.user)
            except (PermissionDenied, workflow.TransitionError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Assigned {len(changes)} entries to {assignee}.", messages.SUCCESS)
            return None
        return render(request, "admin/editorial/assign.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "queryset": queryset,
            "action": "assign_reviewer", "title": "Assign a reviewer",
        })

    @admin.action(description="Mark re-reviewed against the new arXiv version (selected)", permissions=["change"])
    def mark_rereviewed(self, request, queryset):
        count = summary_rereviewed(summaries=queryset)
        self.message_user(request, f"{count} entries marked re-reviewed; readers now see the paper's new version.",
                          messages.SUCCESS)

    @admin.action(description="Re-summarize with the configured backend (selected)", permissions=["change"])
    def resummarize(self, request, queryset):
        from papers.tasks import summarize_paper

        ids = list(queryset.values_list("paper_id", flat=True))
        for paper_id in ids:
            summarize_paper.delay_on_commit(paper_id, force=True)
        self.message_user(request, f"Queued {len(ids)} entries for a new machine summary; edited fields are kept.",
                          messages.SUCCESS)

    def extra_change_context(self, request, obj) -> dict:
        conflicts = [
            {"field": name, "label": Summary._meta.get_field(name).verbose_name,
             "ours_diff": inline_diff(c["base"], c["ours"]), "theirs_diff": inline_diff(c["base"], c["theirs"])}
            for name, c in (obj.merge_conflicts or {}).items()
        ]
        return {"merge_conflicts": conflicts, "side_by_side": self.side_by_side(obj), "checks": check_summary(obj),
                "source_change": obj.source_change, "source_change_diffs": source_diffs(obj),
                "glossary": glossary_findings(obj), "paper": obj.paper, "provenance": field_provenance(obj)}

    def render_change_form(self, request, context, *args, **kwargs):
        form = context.get("adminform").form if context.get("adminform") else None
        if form is not None and getattr(form, "stale_changes", None):
            context["stale_changes"] = form.stale_changes
        if form is not None and "side_by_side" in context:
            for row in context["side_by_side"]:
                row["field"] = form[row["name"]]
        return super().render_change_form(request, context, *args, **kwargs)

    @staticmethod
    def side_by_side(summary: Summary) -> list[dict]:
        machine = summary.generation.output if summary.generation_id else {}
        rows = []
        for name in EDITABLE:
            source_field = SOURCE_OF.get(name)
            current = getattr(summary, name)
            machine_text = machine.get(name, "")
            rows.append({
                "name": name,
                "label": Summary._meta.get_field(name).verbose_name,
                "source": getattr(summary.paper, source_field) if source_field else "",
                "machine": as_text(machine_text),
                "edited": name in machine and as_text(machine_text) != as_text(current),
                "diff": inline_diff(machine_text, current) if name in machine and as_text(machine_text) != as_text(current) else "",
            })
        return rows


class DigestEntryInline(admin.TabularInline):
    model = DigestEntry
    extra = 0
    raw_id_fields = ("paper",)
    fields = ("position", "paper", "entry_status")
    readonly_fields = ("entry_status",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("paper__summary")

    @admin.display(description="entry state")
    def entry_status(self, obj):
        summary = getattr(obj.paper, "summary", None)
        return summary.get_status_display() if summary else "no entry"


@admin.register(Digest)
class DigestAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/papers/digest/change_form.html"
    list_display = ("date", "topic", "title", "status", "size", "not_ready")
    list_filter = ("status", "topic")
    date_hierarchy = "date"
    inlines = [DigestEntryInline]
    readonly_fields = ("status", "published_at")
    fields = ("date", "topic", "title", "description", "publish_at", "status", "published_at")
    show_full_result_count = False

    def get_queryset(self, request):
        ready = Q(entries__paper__summary__status__in=[Status.APPROVED, Status.PUBLISHED])
        return super().get_queryset(request).select_related("topic").annotate(
            entry_count=Count("entries", distinct=True),
            ready_count=Count("entries", filter=ready, distinct=True),
        )

    @admin.display(description="entries", ordering="entry_count")
    def size(self, obj):
        return obj.entry_count

    @admin.display(description="not approved")
    def not_ready(self, obj):
        missing = obj.entry_count - obj.ready_count
        return format_html('<strong style="color:#b00">{}</strong>', missing) if missing else "0"

    def extra_change_context(self, request, obj) -> dict:
        return {"blockers": workflow.digest_blockers(obj)}

    def get_urls(self):
        return [
            path("<int:pk>/review/", self.admin_site.admin_view(self.review_day_view), name="papers_digest_review"),
            path("<int:pk>/review/<int:summary_id>/approve/", self.admin_site.admin_view(self.review_approve_view),
                 name="papers_digest_review_approve"),
            path("<int:pk>/review/publish/", self.admin_site.admin_view(self.review_publish_view),
                 name="papers_digest_review_publish"),
            *super().get_urls(),
        ]

    def review_day_view(self, request, pk):
        """The day's entries in order on one page: checks at a glance, keyboard to move and approve."""
        digest = get_object_or_404(Digest.objects.select_related("topic"), pk=pk)
        if not self.has_view_permission(request, digest):
            raise PermissionDenied
        entries = list(
            Summary.objects.filter(paper__digest_entries__digest=digest)
            .select_related("paper", "generation").order_by("paper__digest_entries__position")
        )
        cards = [{"summary": s, "problems": check_summary(s)} for s in entries]
        return TemplateResponse(request, "admin/editorial/review_day.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "digest": digest, "cards": cards,
            "ready": sum(s.status in (Status.APPROVED, Status.PUBLISHED) for s in entries),
            "can_review": request.user.has_perm("editorial.review_entry"),
            "title": f"Review the day: {digest}",
        })

    def review_publish_view(self, request, pk):
        """End of the day: take the digest itself through submit and approve, then publish it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        digest = get_object_or_404(Digest, pk=pk)
        try:
            for name in ("submit", "approve"):
                if digest.status in workflow.TRANSITIONS[name].sources:
                    workflow.transition(digest, name, user=request.user, comment="review of the day")
        except workflow.TransitionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:papers_digest_review", args=[pk]))
        return self.transition_view(request, pk, "publish")

    def review_approve_view(self, request, pk, summary_id):
        """Submit (if still a draft) and approve one entry; answers JSON for the review page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        summary = get_object_or_404(Summary, pk=summary_id, paper__digest_entries__digest_id=pk)
        try:
            if summary.status in workflow.TRANSITIONS["submit"].sources:
                workflow.transition(summary, "submit", user=request.user)
            workflow.transition(summary, "approve", user=request.user, comment=request.POST.get("comment", ""))
        except PermissionDenied:
            return JsonResponse({"error": "you may not approve"}, status=403)
        except workflow.TransitionError as exc:
            return JsonResponse({"error": str(exc), "status": summary.status}, status=409)
        return JsonResponse({"status": summary.status, "label": summary.get_status_display()})


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    def get_urls(self):
        return [path("edit-rates/", self.admin_site.admin_view(self.edit_rate_view), name="editorial_edit_rates"),
                *super().get_urls()]

    def edit_rate_view(self, request):
        """Edit rates per backend/model/prompt and field over a period (?days=30), as a table and a chart."""
        if not request.user.has_perm("papers.view_summary"):
            raise PermissionDenied
        try:
            days = max(1, min(3650, int(request.GET.get("days", 30))))
        except ValueError:
            days = 30
        rows = edit_rates(since=timezone.now() - dt.timedelta(days=days))
        return TemplateResponse(request, "admin/editorial/edit_rates.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "rows": rows, "days": days,
            "title": "Edit rates of machine text",
        })

    list_display = ("created_at", "user", "action", "subject", "from_state", "to_state", "comment")
    list_filter = ("action", "to_state")
    list_select_related = ("user", "summary__paper", "digest__topic")
    show_full_result_count = False

    @admin.display(description="entry or digest")
    def subject(self, obj):
        return obj.summary.paper.arxiv_id if obj.summary_id else str(obj.digest)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
