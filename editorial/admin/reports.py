"""The audit log (read-only) and the edit-rate report of machine text."""
from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from editorial.models import AuditEntry
from editorial.reports import edit_rates


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
            "title": _("Edit rates of machine text"),
        })

    list_display = ("created_at", "user", "action", "subject", "from_state", "to_state", "comment")
    list_filter = ("action", "to_state")
    list_select_related = ("user", "summary__paper", "digest__topic")
    show_full_result_count = False

    @admin.display(description=_("entry or digest"))
    def subject(self, obj):
        return obj.summary.paper.arxiv_id if obj.summary_id else str(obj.digest)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
