"""The desk's own records: the audit log of workflow transitions, and entry history."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register

from papers.models import Digest, Status, Summary

# Every save of an entry is a revision (who, when, what) — django-simple-history
# keeps them in editorial's own table, so papers stays unaware of the desk.
register(Summary, app="editorial", excluded_fields=["key_points_html", "structured_html", "source_change"])


class Action(models.TextChoices):
    """What an audit entry records: a workflow transition, an assignment, or a state set by an import."""

    SUBMIT = "submit", _("Submit for review")
    APPROVE = "approve", _("Approve")
    REQUEST_CHANGES = "request_changes", _("Request changes")
    PUBLISH = "publish", _("Publish")
    UNPUBLISH = "unpublish", _("Unpublish")
    ASSIGN = "assign", _("Assign a reviewer")
    IMPORT = "import", _("Import")


class AuditEntry(models.Model):
    """One workflow transition: who moved what from which state to which, and why."""

    summary = models.ForeignKey(Summary, verbose_name=_("entry"), null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries")
    digest = models.ForeignKey(Digest, verbose_name=_("digest"), null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(verbose_name=_("action"), max_length=30, choices=Action.choices)
    from_state = models.CharField(verbose_name=_("from state"), max_length=20, choices=Status.choices)
    to_state = models.CharField(verbose_name=_("to state"), max_length=20, choices=Status.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL)
    comment = models.TextField(verbose_name=_("comment"), blank=True)
    created_at = models.DateTimeField(verbose_name=_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        permissions = [
            ("submit_entry", "Can submit entries and digests for review"),
            ("review_entry", "Can approve entries and digests or request changes"),
            ("publish_entry", "Can publish and unpublish entries and digests"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(summary__isnull=False) | models.Q(digest__isnull=False), name="audit_entry_has_subject"
            )
        ]

    def __str__(self):
        who = self.user or _("system")
        return f"{who}: {self.action} {self.summary or self.digest} ({self.from_state} → {self.to_state})"
