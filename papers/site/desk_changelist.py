"""The desk's changelists at the cost of the columns they show.

The admin's list loads whole rows (an entry's every text field, its paper's
abstract and search vector, the machine text's JSON) to show a few short
columns, renders the row checkbox through the form widgets' templates and
reverses the change URL once per row.  At a million papers the rows alone
were most of a page's query time, and the 50 checkboxes and links a third of
its Python.  ``LeanChangelistMixin`` loads only ``list_columns`` for the page
(actions still get whole rows: they save them), writes the checkbox's HTML
directly and reverses the change URL, with the list's filters, once per page.

The rows themselves (``result_rows``) are the admin's own ``items_for_result``
markup, with what it works out per cell (is the column a field, which class,
which empty value, is it the link) worked out once per column: 400 cells
looked up their field by name, most of them through ``FieldDoesNotExist``.
"""
from __future__ import annotations

import datetime

from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import ResultList, _coerce_field_name, items_for_result
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName, _get_non_gfk_field, display_for_field, display_for_value, quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
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
    change_list_template = "admin/desk_change_list.html"  # the rows from ``result_rows``

    def get_changelist(self, request, **kwargs):
        return LeanChangeList

    def action_checkbox(self, obj):
        # The markup of Django's CheckboxInput, without a template render per row.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, obj.pk, label)


class Column:
    """What ``items_for_result`` works out for every cell of a column, worked out once."""

    def __init__(self, cl, index: int, name, link: bool):
        self.name, self.link = name, link
        model_admin = cl.model_admin
        self.empty = model_admin.get_empty_value_display()
        self.classes = ["field-%s" % _coerce_field_name(name, index)]
        self.field = self.method = None
        try:
            field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
        if field is not None:
            if not field.auto_created:  # a model field (an auto-created one is shown as a plain value: left to Django)
                self.field = field
                if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
                    self.classes.append("nowrap")
        elif isinstance(name, str) and name != "__str__" and hasattr(model_admin, name):
            self.method = getattr(model_admin, name)  # a column the admin computes (list_display callables)
            self.empty = getattr(self.method, "empty_value_display", self.empty)
            self.boolean = getattr(self.method, "boolean", False)
            if name == "action_checkbox":
                self.classes = ["action-checkbox"]

    def cell(self, cl, result) -> str:
        if self.field is None and self.method is None:  # anything else: the admin's own way
            return None
        classes = self.classes
        try:
            value = self.method(result) if self.method is not None else getattr(result, self.field.name)
        except ObjectDoesNotExist:
            text = self.empty
        else:
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if self.method is not None:
                text = display_for_value(value, self.empty, self.boolean)
                if isinstance(value, (datetime.date, datetime.time)):
                    classes = [*classes, "nowrap"]
            elif isinstance(self.field.remote_field, models.ManyToOneRel):
                text = self.empty if value is None else value
            else:
                text = display_for_field(value, self.field, self.empty, avoid_link=self.link)
        row_class = ' class="%s"' % " ".join(classes)
        if self.link:
            return mark_safe('<th%s><a href="%s">%s</a></th>' % (
                row_class, conditional_escape(cl.url_for_result(result)), conditional_escape(text)))
        return mark_safe("<td%s>%s</td>" % (row_class, conditional_escape(text)))


def result_rows(cl) -> list[ResultList]:
    """The changelist's rows as ``items_for_result`` writes them (no list_editable, no popup: the desk's lists)."""
    links = cl.list_display_links
    if getattr(cl, "formset", None) or cl.is_popup or links is None:
        return [ResultList(None, items_for_result(cl, result, None)) for result in cl.result_list]
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        link = (first and not links) or name in links  # as items_for_result's link_in_col
        first = first and not link
        columns.append(Column(cl, index, name, link))
    rows = []
    for result in cl.result_list:
        cells = [column.cell(cl, result) for column in columns]
        if None in cells:
            cells = list(items_for_result(cl, result, None))
        rows.append(ResultList(None, cells))
    return rows
