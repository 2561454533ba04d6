"""The desk's changelists at the cost of the columns they show.

The admin's list loads whole rows (an entry's every text field, its paper's
abstract and search vector, the machine text's JSON) to show a few short
columns, renders the row checkbox through the form widgets' templates and
reverses the change URL once per row.  At a million papers the rows alone
were most of a page's query time, and the 50 checkboxes and links a third of
its Python.  ``LeanChangelistMixin`` loads only ``list_columns`` for the page
(actions still get whole rows: they save them), writes the checkbox's HTML
directly and reverses the change URL, with the list's filters, once per page.
"""
from __future__ import annotations

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

PK_MARK = "__pk__"  # stands for the primary key in the one reversed change URL


class LeanChangeList(ChangeList):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The list's filters, carried on every row's link: added once to the page's one reversed URL, not per
        # row (Django's add_preserved_filters resolves each row's URL again: 50 URL resolutions a page).
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def get_results(self, request):
        columns = getattr(self.model_admin, "list_columns", ())
        if not columns:
            return super().get_results(request)
        whole = self.queryset
        self.queryset = whole.only(*columns)
        try:
            super().get_results(request)
        finally:
            self.queryset = whole

    def url_for_result(self, result):
        if not hasattr(self, "_change_url"):
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                          args=(PK_MARK,), current_app=self.model_admin.admin_site.name)
            self._change_url = add_preserved_filters({"preserved_filters": self.row_filters, "opts": self.opts}, url)
        return self._change_url.replace(PK_MARK, str(quote(getattr(result, self.pk_attname))), 1)


class LeanChangelistMixin:
    """For a ``ModelAdmin``: ``list_columns`` are the fields (``paper__title`` …) its list shows."""

    list_columns: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return LeanChangeList

    def action_checkbox(self, obj):
        # The markup of Django's CheckboxInput, without a template render per row.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, obj.pk, label)
