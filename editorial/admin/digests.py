"""The digests' admin: the list with how many entries are not yet approved, and a digest's page."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from editorial import workflow
from editorial.admin.review_day import ReviewDayMixin
from editorial.admin.workflow_panel import WorkflowAdminMixin
from papers.models import Digest, DigestEntry, Status


class DigestEntryInline(admin.TabularInline):
    model = DigestEntry
    extra = 0
    raw_id_fields = ("paper",)
    fields = ("position", "paper", "entry_status")
    readonly_fields = ("entry_status",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("paper__summary")

    @admin.display(description=_("entry state"))
    def entry_status(self, obj):
        summary = getattr(obj.paper, "summary", None)
        return summary.get_status_display() if summary else _("no entry")


@admin.register(Digest)
class DigestAdmin(ReviewDayMixin, WorkflowAdminMixin, admin.ModelAdmin):
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

    @admin.display(description=_("entries"), ordering="entry_count")
    def size(self, obj):
        return obj.entry_count

    @admin.display(description=_("not approved"))
    def not_ready(self, obj):
        missing = obj.entry_count - obj.ready_count
        return format_html('<strong style="color:#b00">{}</strong>', missing) if missing else "0"

    def extra_change_context(self, request, obj) -> dict:
        return {"blockers": workflow.digest_blockers(obj)}
