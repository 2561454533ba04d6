"""Readers' error reports on the desk: the queue, taking a report, resolving it with a note.

A report is a task attached to an entry.  The queue opens on the open
reports; assigning goes through ``editorial.error_reports.assign`` (and so
through ``papers.services.transitions``, logged on the entry), resolving
through ``editorial.error_reports.resolve``, which records who, when, the
note and the entry's fields changed since the report.  A report is never
edited here: what the reader wrote stays as written, shown as escaped text.
"""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from editorial import error_reports
from papers.models import ErrorReport, Summary


class OpenFilter(admin.SimpleListFilter):
    """Open reports first: the queue opens on what is still to do."""

    title = _("state")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Resolved")), ("all", _("All"))]

    def value(self):
        return super().value() or "yes"

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {"selected": self.value() == value, "display": label,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


class AssignReportForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=error_reports.desk_members(), label=_("Assignee"))


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                           help_text=_("What was wrong and what you did (or why nothing needed changing)."))


@admin.register(ErrorReport)
class ErrorReportAdmin(admin.ModelAdmin):
    list_display = ("entry", "kind", "comment_excerpt", "count", "last_reported_at", "assignee", "resolved_at",
                    "resolved_by")
    list_filter = (OpenFilter, "kind", ("assignee", admin.RelatedOnlyFieldListFilter))
    search_fields = ("=summary__paper__arxiv_id", "comment")
    list_select_related = ("summary__paper", "assignee", "resolved_by")
    actions = ["assign_to_me", "assign_to", "resolve"]
    fields = ("entry", "kind", "comment", "count", "first_reported_at", "last_reported_at", "assignee",
              "resolved_at", "resolved_by", "resolution_note", "changed_fields")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # readers file reports, on the public site

    def has_delete_permission(self, request, obj=None):
        return False  # a report is resolved, never made to disappear

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("entry"), ordering="summary__paper__arxiv_id")
    def entry(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:papers_summary_change", args=[obj.summary_id]),
                           obj.summary.paper.arxiv_id)

    @admin.display(description=_("comment"))
    def comment_excerpt(self, obj):
        return Truncator(obj.comment).chars(120)  # plain text: the admin escapes it

    @admin.display(description=_("fields changed"))
    def changed_fields(self, obj):
        return ", ".join(str(Summary._meta.get_field(name).verbose_name) for name in obj.fields_changed
                         if name in Summary.TEXT_FIELDS) or "—"

    def _assign(self, request, queryset, assignee):
        try:
            changes = error_reports.assign(queryset, assignee=assignee, user=request.user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, ngettext("%(n)d report assigned to %(user)s.", "%(n)d reports assigned to %(user)s.",
                                            len(changes)) % {"n": len(changes), "user": assignee}, messages.SUCCESS)

    @admin.action(description=_("Assign to me (selected)"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._assign(request, queryset, request.user)

    @admin.action(description=_("Assign to… (selected)"), permissions=["change"])
    def assign_to(self, request, queryset):
        form = AssignReportForm(request.POST if "assignee" in request.POST else None)
        if form.is_valid():
            self._assign(request, queryset, form.cleaned_data["assignee"])
            return None
        return render(request, "admin/editorial/report_action.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "queryset": queryset,
            "action": "assign_to", "title": _("Assign readers' reports"), "button": _("Assign"),
        })

    @admin.action(description=_("Resolve… (selected)"), permissions=["change"])
    def resolve(self, request, queryset):
        form = ResolveForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                done = error_reports.resolve(queryset, user=request.user, note=form.cleaned_data["note"])
            except PermissionDenied as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return None
            self.message_user(request, ngettext("%(n)d report resolved.", "%(n)d reports resolved.", done)
                              % {"n": done}, messages.SUCCESS)
            return None
        return render(request, "admin/editorial/report_action.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "queryset": queryset,
            "action": "resolve", "title": _("Resolve readers' reports"), "button": _("Resolve"),
        })
