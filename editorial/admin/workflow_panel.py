"""The workflow in the admin: transition buttons and their POST endpoint, and one bulk action per transition.

Shared by the entries' and the digests' admins; every change goes through
``editorial.workflow.transition``.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy as _

from editorial import workflow


def _transition_action(name: str):
    spec = workflow.TRANSITIONS[name]

    def action(modeladmin, request, queryset):
        done, failed = 0, []
        for obj in queryset:
            try:
                workflow.transition(obj, name, user=request.user, leave_out=False)
                done += 1
            except PermissionDenied:
                modeladmin.message_user(request, gettext("You may not %(action)s.") % {"action": str(spec.label).lower()},
                                         messages.ERROR)
                return
            except workflow.TransitionError as exc:
                failed.append(f"{obj}: {exc}")
        if done:
            modeladmin.message_user(request, gettext("%(action)s: %(n)s done.") % {"action": spec.label, "n": done},
                                     messages.SUCCESS)
        for line in failed[:20]:
            modeladmin.message_user(request, line, messages.WARNING)

    action.__name__ = f"{name}_selected"
    action.short_description = format_lazy(_("{action} (selected)"), action=spec.label)
    action.allowed_permissions = (name,)
    return action


class WorkflowAdminMixin:
    """Transition buttons, their POST endpoint, and the bulk actions."""

    actions = [_transition_action(name) for name in workflow.TRANSITIONS]

    # ModelAdmin checks has_<name>_permission for actions with allowed_permissions.
    def has_submit_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["submit"].permission)

    def has_approve_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["approve"].permission)

    def has_request_changes_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["request_changes"].permission)

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["publish"].permission)

    def has_unpublish_permission(self, request):
        return request.user.has_perm(workflow.TRANSITIONS["unpublish"].permission)

    def get_urls(self):
        meta = self.model._meta
        return [
            path("<int:pk>/transition/<str:name>/", self.admin_site.admin_view(self.transition_view),
                 name=f"{meta.app_label}_{meta.model_name}_transition"),
            *super().get_urls(),
        ]

    def transition_view(self, request, pk, name):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = get_object_or_404(self.model, pk=pk)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        leave_out = request.POST.get("leave_out") == "1"
        try:
            workflow.transition(obj, name, user=request.user, comment=request.POST.get("comment", "").strip(),
                                leave_out=leave_out, override=request.POST.get("override") == "1")
        except (workflow.DigestBlocked, workflow.ChecksFailed) as exc:
            return TemplateResponse(request, "admin/editorial/publish_blocked.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "obj": obj,
                "blockers": getattr(exc, "blockers", []), "problems": getattr(exc, "problems", {}),
                "leave_out": leave_out or isinstance(exc, workflow.DigestBlocked), "title": _("Not ready to publish"),
            }, status=409)
        except workflow.TransitionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, gettext("%(action)s: done.") % {"action": workflow.TRANSITIONS[name].label},
                              messages.SUCCESS)
        meta = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]))

    def extra_change_context(self, request, obj) -> dict:
        return {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The change page gets the workflow panel (and what each admin adds) for an existing object."""
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id) if object_id else None
        if obj is not None:
            extra_context.update(
                transitions=workflow.available(obj, request.user),
                audit=obj.audit_entries.select_related("user")[:20],
                **self.extra_change_context(request, obj),
            )
        return super().changeform_view(request, object_id, form_url, extra_context)
