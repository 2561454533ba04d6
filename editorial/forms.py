"""The entry form of the desk: lists as lines, and a guard against stale saves."""
from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from editorial.diffs import as_text, inline_diff
from papers.models import Summary

EDITABLE = Summary.TEXT_FIELDS  # the entry text, in the order the desk shows it
LIST_FIELDS = {"key_points": "\n", "keywords": "、"}


def reviewers():
    """Who an entry may be assigned to."""
    return get_user_model().objects.filter(Q(groups__name="Reviewer") | Q(is_superuser=True)).distinct()


class LinesField(forms.CharField):
    """A JSON list edited as text: one item per line (key points) or separated (keywords)."""

    def __init__(self, *args, separator: str = "\n", **kwargs):
        self.separator = separator
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return self.separator.join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if self.separator == "\n":
            items = text.splitlines()
        else:
            items = text.replace("，", "、").replace(",", "、").split("、")
        return [item.strip() for item in items if item.strip()]


class SummaryForm(forms.ModelForm):
    revision_seen = forms.IntegerField(widget=forms.HiddenInput, required=False, label=_("revision seen"))
    key_points = LinesField(required=False, label=_("key points"), help_text=_("One per line; Markdown allowed."))
    keywords = LinesField(required=False, separator="、", label=_("keywords"), widget=forms.TextInput(attrs={"size": 80}))
    # Not the model's ``assignee``: an assignment is logged, so the admin makes it through
    # ``editorial.workflow.assign`` (see SummaryAdmin.save_model) instead of the form writing it.
    reviewer = forms.ModelChoiceField(queryset=reviewers(), required=False, label=_("Reviewer"),
                                      help_text=_("The reviewer this entry waits for."))

    class Meta:
        model = Summary
        fields = (*EDITABLE, "summary_language", "publish_at")
        widgets = {
            name: forms.Textarea(attrs={"rows": 2 if name in ("headline_zh", "title_zh", "tldr", "affiliation") else 5})
            for name in EDITABLE if name not in LIST_FIELDS
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["revision_seen"].initial = self._stored_revision()
            self.fields["reviewer"].initial = self.instance.assignee_id

    def _stored_revision(self) -> int:
        # The stored row, not self.instance: a revert form's instance is an old copy.
        return Summary.objects.filter(pk=self.instance.pk).values_list("revision", flat=True).first() or 0

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("revision_seen")
        if self.instance.pk and seen is not None:
            stored = self._stored_revision()
            if seen != stored:
                current = Summary.objects.get(pk=self.instance.pk)
                self.stale_changes = changes_since(current, seen)
                raise forms.ValidationError(
                    _("Someone saved this entry while you were editing it (revision %(seen)s → %(now)s). "
                      "Nothing of yours was saved: compare the changes below, then reapply yours."),
                    code="stale", params={"seen": seen, "now": stored},
                )
        return cleaned


def changes_since(summary: Summary, revision: int) -> list[dict]:
    """Text fields changed since ``revision``, with a diff of each (from the entry's history)."""
    then = summary.history.filter(revision=revision).order_by("-history_date").first()
    changes = []
    for name in EDITABLE:
        before = getattr(then, name) if then else ""
        after = getattr(summary, name)
        if as_text(before) != as_text(after):
            changes.append({"field": Summary._meta.get_field(name).verbose_name, "diff": inline_diff(before, after)})
    return changes
