"""The review desk in the Django admin: entries, digests, the audit log, the dashboard.

Every state change goes through ``editorial.workflow.transition``, which checks
the user's permission on the server: buttons are only a convenience.  Where
each screen lives: ``changelist`` (the entries' list, filters and bulk
actions), ``edit_screen`` (an entry's change page and revision compare),
``workflow_panel`` (the transition buttons and actions entries and digests
share), ``digests`` (the digest list and page), ``review_day`` (a day's
entries reviewed on one page), ``reports`` (the audit log and edit rates) and
``error_reports`` (readers' reports of errors: the queue, assigning, resolving).
Importing this package registers them all.
"""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from editorial.admin.digests import DigestAdmin
from editorial.admin.error_reports import ErrorReportAdmin
from editorial.admin.reports import AuditEntryAdmin
from editorial.admin.summaries import SummaryAdmin

# The desk's own name on every admin page, in the desk's language.
admin.site.site_header = _("Paperdesk editorial desk")
admin.site.site_title = _("Paperdesk desk")
admin.site.index_title = _("The desk")

__all__ = ["AuditEntryAdmin", "DigestAdmin", "ErrorReportAdmin", "SummaryAdmin"]
