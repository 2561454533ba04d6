"""The desk's own records: the audit log of workflow transitions, and entry history."""
from django.conf import settings
from django.db import models
from simple_history import register

from papers.models import Digest, Status, Summary

# Every save of an entry is a revision (who, when, what) — django-simple-history
# keeps them in editorial's own table, so papers stays unaware of the desk.
register(Summary, app="editorial", excluded_fields=["key_points_html", "structured_html", "source_change"])


class AuditEntry(models.Model):
    """One workflow transition: who moved what from which state to which, and why."""

    summary = models.ForeignKey(Summary, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries")
    digest = models.ForeignKey(Digest, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, choices=Status.choices)
    to_state = models.CharField(max_length=20, choices=Status.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
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
        who = self.user or "system"
        return f"{who}: {self.action} {self.summary or self.digest} ({self.from_state} → {self.to_state})"
