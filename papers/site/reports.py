"""Readers report an error on a paper page: the form, and where it posts.

**CSRF on cached pages.**  A cached paper page is the same bytes for every
reader, so it cannot carry a per-reader CSRF token, and the form is not part
of it.  The page links to this view (``/paper/<id>/report/``), which is never
cached and renders the form with a fresh token (setting the CSRF cookie); a
small script (``static/js/report.js``) loads that form into the paper page
when the reader opens "Report an error" and posts it from there, and without
script the link opens the same form as a page of its own.  The POST is
checked by Django's CSRF middleware like any other form — token and cookie,
and the Referer on HTTPS — nothing here is exempt, so a page elsewhere cannot
file reports in a reader's name.

**Abuse.**  Every POST counts against a per-address rate limit
(django-ratelimit, ``REPORT_RATE``, counted in the default cache: Redis in
production, shared by every web process; the demo's single process uses its
local memory); a hidden honeypot field that people leave empty and form-filling
bots do not; a length limit on the comment; and a repeat of an open report is
folded into it (``papers.services.error_reports``).  Comments are plain text,
escaped wherever they are shown, and nowhere on the public site: a reader sees
only that their report was received, never other reports.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from papers.models import ErrorReport, Paper
from papers.services.error_reports import report_submit

HONEYPOT = "website"  # a field name form-filling bots cannot resist


class ErrorReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is wrong?"), choices=ErrorReport.Kind.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=ErrorReport.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": ErrorReport.COMMENT_MAX}),
        help_text=_("Plain text, at most %(max)s characters. Please do not include personal data.")
        % {"max": ErrorReport.COMMENT_MAX},
    )
    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def honeypot_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())


def _rate(group, request) -> str:
    return settings.REPORT_RATE


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_rate, method="POST", block=False)
def report_error(request, arxiv_id: str):
    """GET: the form, with its token.  POST: the report — 429 over the rate limit, 400 for a bot or bad input."""
    paper = get_object_or_404(Paper.objects.published().select_related("summary"), arxiv_id=arxiv_id)
    fragment = request.GET.get("fragment") == "1"
    template = "papers/includes/report_form.html" if fragment else "papers/report.html"
    context = {"paper": paper, "fragment": fragment}
    if request.method == "GET":
        return render(request, template, {**context, "form": ErrorReportForm()})
    form = ErrorReportForm(request.POST)
    if getattr(request, "limited", False):
        return render(request, template, {**context, "form": form, "refused": "rate"}, status=429)
    if form.honeypot_filled():
        return render(request, template, {**context, "form": ErrorReportForm(), "refused": "bot"}, status=400)
    if not form.is_valid():
        return render(request, template, {**context, "form": form}, status=400)
    report_submit(summary=paper.summary, kind=form.cleaned_data["kind"], comment=form.cleaned_data["comment"])
    return render(request, template, {**context, "received": True})
