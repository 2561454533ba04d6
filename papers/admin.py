"""Admin for the paper domain.  Entries and digests are the desk's: see ``editorial.admin``."""
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _, ngettext
from simple_history.admin import SimpleHistoryAdmin

from papers.models import (
    Author, FetchDay, FetchDayItem, Generation, GlossaryTerm, ImportBatch, Paper, RecordError, Summary, Topic, TopicAlias,
)
from papers.services.ledger import fetch_days_mark_quiet
from papers.site.desk_changelist import LeanChangelistMixin
from papers.site.desk_search import EstimatedCountPaginator, IndexedSearchMixin


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("slug", "name_zh", "name_en", "position")
    list_editable = ("position",)


@admin.register(TopicAlias)
class TopicAliasAdmin(admin.ModelAdmin):
    """Categories sources use → the site's topics: editors add names and re-point new ones."""

    list_display = ("name", "topic")
    list_editable = ("topic",)
    list_filter = ("topic",)
    search_fields = ("name",)


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    list_display = ("name", "slug")
    show_full_result_count = False


class SummaryInline(admin.StackedInline):
    model = Summary
    extra = 0
    fields = ("status", "headline_zh", "title_zh", "tldr")
    readonly_fields = ("status",)
    show_change_link = True


@admin.register(Paper)
class PaperAdmin(LeanChangelistMixin, IndexedSearchMixin, SimpleHistoryAdmin):
    """Papers; History shows the text each new arXiv version replaced.

    The search box takes an arXiv id (its index) or words (the full-text index): see ``papers.site.desk_search``.
    """

    history_list_display = ("version", "title", "history_change_reason")
    list_display = ("arxiv_id", "version", "title", "topic", "published", "primary_category")
    list_filter = ("topic", "published")
    search_fields = ("=arxiv_id", "title")
    list_select_related = ("topic",)
    list_columns = ("arxiv_id", "version", "title", "topic", "published", "primary_category")  # no abstract, no vector
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ("created_at", "modified_at", "links")
    inlines = [SummaryInline]

    @admin.display(description=_("links"))
    def links(self, obj):
        return format_html('<a href="{}">{}</a> · <a href="{}">PDF</a>', obj.abs_url, _("abstract page"), obj.pdf_url)


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = ("summary", "kind", "backend", "model", "created_at")
    list_filter = ("kind", "backend")
    raw_id_fields = ("summary",)
    show_full_result_count = False


class ReadOnlyInline(admin.TabularInline):
    """Rows a process wrote (an import's errors, a fetch's papers): shown, never added, changed or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class RecordErrorInline(ReadOnlyInline):
    model = RecordError
    fields = ("level", "file", "line", "arxiv_id", "reason")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    change_form_template = "admin/papers/importbatch/change_form.html"  # refreshes itself while running
    list_display = ("id", "source", "format", "state", "started_at", "processed", "created", "updated", "unchanged", "failed")
    list_filter = ("state", "format")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
    inlines = [RecordErrorInline]

    def has_add_permission(self, request):
        return False


class FetchDayItemInline(ReadOnlyInline):
    model = FetchDayItem
    fields = ("arxiv_id", "announce_type", "outcome", "reason", "paper")

    def has_view_permission(self, request, obj=None):
        """Whoever may read a day's ledger reads its papers."""
        return request.user.has_perm("papers.view_fetchday")


@admin.register(FetchDay)
class FetchDayAdmin(admin.ModelAdmin):
    """The announcement ledger, a day and category per row; the dashboard shows the recent days counted."""

    list_display = ("day", "category", "state", "announced", "attempts", "last_attempt_at", "error")
    list_filter = ("state", "category")
    date_hierarchy = "day"
    readonly_fields = [f.name for f in FetchDay._meta.fields]
    inlines = [FetchDayItemInline]
    actions = ["mark_holiday"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_holiday_permission(self, request):
        return request.user.has_perm("papers.change_fetchday")

    @admin.action(description=_("Mark as a holiday: arXiv announced nothing (stops the retries)"),
                  permissions=["holiday"])
    def mark_holiday(self, request, queryset):
        changed = fetch_days_mark_quiet(days=list(queryset), reason=f"marked a holiday by {request.user.get_username()}")
        self.message_user(request, ngettext("%d failed day marked a holiday.", "%d failed days marked a holiday.",
                                            changed) % changed)


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ("term_en", "term_zh", "variants", "note")
    search_fields = ("term_en", "term_zh")
