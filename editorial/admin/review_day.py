"""Review a day: the digest's entries in order on one page, approved one by one, then the day published."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext

from editorial import workflow
from editorial.checks import check_summary
from papers.models import Digest, Status, Summary


class ReviewDayMixin:
    """The review-day page and its two POST endpoints (mixed into ``DigestAdmin``)."""

    def get_urls(self):
        return [
            path("<int:pk>/review/", self.admin_site.admin_view(self.review_day_view), name="papers_digest_review"),
            path("<int:pk>/review/<int:summary_id>/approve/", self.admin_site.admin_view(self.review_approve_view),
                 name="papers_digest_review_approve"),
            path("<int:pk>/review/publish/", self.admin_site.admin_view(self.review_publish_view),
                 name="papers_digest_review_publish"),
            *super().get_urls(),
        ]

    def review_day_view(self, request, pk):
        """The day's entries in order on one page: checks at a glance, keyboard to move and approve."""
        digest = get_object_or_404(Digest.objects.select_related("topic"), pk=pk)
        if not self.has_view_permission(request, digest):
            raise PermissionDenied
        entries = list(
            Summary.objects.filter(paper__digest_entries__digest=digest)
            .select_related("paper", "generation").order_by("paper__digest_entries__position")
        )
        cards = [{"summary": s, "problems": check_summary(s)} for s in entries]
        return TemplateResponse(request, "admin/editorial/review_day.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "digest": digest, "cards": cards,
            "ready": sum(s.status in (Status.APPROVED, Status.PUBLISHED) for s in entries),
            "can_review": request.user.has_perm("editorial.review_entry"),
            "title": gettext("Review the day: %(digest)s") % {"digest": digest},
        })

    def review_publish_view(self, request, pk):
        """End of the day: take the digest itself through submit and approve, then publish it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        digest = get_object_or_404(Digest, pk=pk)
        try:
            for name in ("submit", "approve"):
                if digest.status in workflow.TRANSITIONS[name].sources:
                    workflow.transition(digest, name, user=request.user, comment=gettext("review of the day"))
        except workflow.TransitionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:papers_digest_review", args=[pk]))
        return self.transition_view(request, pk, "publish")

    def review_approve_view(self, request, pk, summary_id):
        """Submit (if still a draft) and approve one entry; answers JSON for the review page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        summary = get_object_or_404(Summary, pk=summary_id, paper__digest_entries__digest_id=pk)
        try:
            if summary.status in workflow.TRANSITIONS["submit"].sources:
                workflow.transition(summary, "submit", user=request.user)
            workflow.transition(summary, "approve", user=request.user, comment=request.POST.get("comment", ""))
        except PermissionDenied:
            return JsonResponse({"error": gettext("you may not approve")}, status=403)
        except workflow.TransitionError as exc:
            return JsonResponse({"error": str(exc), "status": summary.status}, status=409)
        return JsonResponse({"status": summary.status, "label": summary.get_status_display()})
