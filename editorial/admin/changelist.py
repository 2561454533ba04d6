"""The entries' changelist: filters, columns, a count that never scans the table, and the bulk actions.

Bulk state changes are the workflow's (``workflow_panel``); assigning a
reviewer goes through ``editorial.workflow.assign``, the same door.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _, ngettext

from editorial import workflow
from editorial.forms import reviewers
from papers.models import Digest, DigestEntry, ErrorReport
from papers.site.desk_changelist import LeanChangelistMixin
from papers.site.desk_search import ChoicesFromIndexFilter, EstimatedCountPaginator, IndexedSearchMixin
from papers.services.versions import summary_rereviewed


class BackendFilter(ChoicesFromIndexFilter):
    title = _("machine text backend")
    parameter_name = "generation__backend"
    table, column = "papers_generation", "backend"

    def lookups(self, request, model_admin):
        return [(value, value or "-") for value in self.distinct_values(request, model_admin)]

    def queryset(self, request, queryset):
        return queryset.filter(generation__backend=self.value()) if self.value() is not None else queryset


class ModelFilter(BackendFilter):
    title = _("machine text model")
    parameter_name = "generation__model"
    table, column = "papers_generation", "model"

    def queryset(self, request, queryset):
        return queryset.filter(generation__model=self.value()) if self.value() is not None else queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Who an entry waits for, among the reviewers (not every user an entry ever named: that reads every entry)."""

    title = _("assignee")
    parameter_name = "assignee__id__exact"

    def lookups(self, request, model_admin):
        return [(str(user.pk), str(user)) for user in reviewers().order_by("username")]

    def queryset(self, request, queryset):
        return queryset.filter(assignee_id=self.value()) if self.value() else queryset


class DigestDateFilter(ChoicesFromIndexFilter):
    """The entries of one day's digests (the last 30 days there are digests of)."""

    title = _("digest date")
    parameter_name = "digest_date"
    table, column = "papers_digest", "date"
    newest_first, limit = True, 30
    as_text = "to_char({}, 'YYYY-MM-DD')"

    def lookups(self, request, model_admin):
        return [(day, day) for day in self.distinct_values(request, model_admin)]

    def values_elsewhere(self, using):
        return [d.isoformat() for d in Digest.objects.using(using).order_by("-date").values_list("date", flat=True)
                .distinct()[: self.limit]]

    def queryset(self, request, queryset):
        if self.value():
            # A semi-join: a paper in several of the day's digests is one entry, with no DISTINCT over the page.
            on_the_day = DigestEntry.objects.filter(digest__date=self.value()).values("paper_id")
            return queryset.filter(paper_id__in=on_the_day)
        return queryset


class OneChoiceFilter(admin.SimpleListFilter):
    """A list filter with a single choice: the entries ``select`` keeps, or all of them."""

    choice: tuple[str, str]  # (value in the URL, label)

    def lookups(self, request, model_admin):
        return [self.choice]

    def queryset(self, request, queryset):
        return self.select(queryset) if self.value() == self.choice[0] else queryset

    def select(self, queryset):
        raise NotImplementedError


class NeedsRereviewFilter(OneChoiceFilter):
    """Published entries whose paper arXiv replaced with a changed English text."""

    title = _("arXiv source changed")
    parameter_name = "rereview"
    choice = ("yes", _("Needs re-review"))

    def select(self, queryset):
        return queryset.needs_rereview()


class HasOpenReportsFilter(OneChoiceFilter):
    """For the entries' list: entries readers reported and nobody has resolved yet."""

    title = _("readers' reports")
    parameter_name = "reports"
    choice = ("open", _("Has open reports"))

    def select(self, queryset):
        return queryset.filter(pk__in=ErrorReport.objects.filter(resolved_at__isnull=True).values("summary_id"))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=reviewers(), label=_("Reviewer"))


class SummaryChangelist(LeanChangelistMixin, IndexedSearchMixin):
    """What the list of entries shows and the bulk actions it offers (mixed into ``SummaryAdmin``)."""

    list_display = ("arxiv_id", "headline", "status", "topic", "assignee", "machine", "modified_at")
    # Every filter's choices come from small tables or an index: "related only" and "all values"
    # filters read every entry to list their choices (a second each at a million entries).
    list_filter = ("status", HasOpenReportsFilter, NeedsRereviewFilter, ("paper__topic", admin.RelatedFieldListFilter),
                   DigestDateFilter, BackendFilter, ModelFilter, AssigneeFilter)
    # On PostgreSQL the search box uses the arXiv id's index or the full-text index (papers.site.desk_search);
    # these fields are the demo's (SQLite).
    search_fields = ("=paper__arxiv_id", "paper__title", "headline_zh", "title_zh", "paper__authors__name")
    paper_path = "paper"
    list_select_related = ("paper__topic", "assignee", "generation")
    # What the columns (and an entry's name beside its checkbox) read: no abstracts, vectors or machine JSON.
    list_columns = ("headline_zh", "title_zh", "status", "modified_at", "paper__arxiv_id", "paper__title", "paper__topic",
                    "assignee__username", "generation__backend", "generation__model")
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="arXiv", ordering="paper__arxiv_id")
    def arxiv_id(self, obj):
        return obj.paper.arxiv_id

    @admin.display(description=_("entry"))
    def headline(self, obj):
        return (obj.headline_zh or obj.title_zh or obj.paper.title)[:80]

    @admin.display(description=_("topic"), ordering="paper__topic")
    def topic(self, obj):
        return obj.paper.topic

    @admin.display(description=_("machine text from"))
    def machine(self, obj):
        if not obj.generation:
            return "-"
        return f"{obj.generation.backend} {obj.generation.model}".strip()

    @admin.action(description=_("Assign a reviewer (selected)"), permissions=["change"])
    def assign_reviewer(self, request, queryset):
        form = AssignForm(request.POST if "assignee" in request.POST else None)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            try:
                changes = workflow.assign(queryset, assignee=assignee, user=request.user)
            except (PermissionDenied, workflow.TransitionError) as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, ngettext("Assigned %(n)s entry to %(user)s.", "Assigned %(n)s entries to %(user)s.",
                                                   len(changes)) % {"n": len(changes), "user": assignee}, messages.SUCCESS)
            return None
        return render(request, "admin/editorial/assign.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "queryset": queryset,
            "action": "assign_reviewer", "title": _("Assign a reviewer"),
        })

    @admin.action(description=_("Mark re-reviewed against the new arXiv version (selected)"), permissions=["change"])
    def mark_rereviewed(self, request, queryset):
        count = summary_rereviewed(summaries=queryset)
        self.message_user(request, ngettext("%(n)s entry marked re-reviewed; readers now see the paper's new version.",
                                           "%(n)s entries marked re-reviewed; readers now see the paper's new version.",
                                           count) % {"n": count},
                          messages.SUCCESS)

    @admin.action(description=_("Re-summarize with the configured backend (selected)"), permissions=["change"])
    def resummarize(self, request, queryset):
        from papers.tasks import summarize_paper

        ids = list(queryset.values_list("paper_id", flat=True))
        for paper_id in ids:
            summarize_paper.delay_on_commit(paper_id, force=True)
        self.message_user(request, ngettext("Queued %(n)s entry for a new machine summary; edited fields are kept.",
                                           "Queued %(n)s entries for a new machine summary; edited fields are kept.",
                                           len(ids)) % {"n": len(ids)},
                          messages.SUCCESS)
