"""The entries' admin: its changelist and its edit screen, with the workflow's buttons and actions."""
from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from editorial.admin.changelist import SummaryChangelist
from editorial.admin.edit_screen import SummaryEditScreen
from editorial.admin.workflow_panel import WorkflowAdminMixin
from papers.models import Summary


@admin.register(Summary)
class SummaryAdmin(SummaryChangelist, SummaryEditScreen, WorkflowAdminMixin, SimpleHistoryAdmin):
    actions = [*WorkflowAdminMixin.actions, "assign_reviewer", "resummarize", "mark_rereviewed"]
