"""The mails: rendered from the site's templates, HTML and plain text, in the subscriber's language.

Links are absolute (``SITE_URL``): mail is built by a worker, with no request.
Every mail about a confirmed subscription carries RFC 8058 one-click
unsubscribe headers, whose URL takes a POST without a CSRF token but only
with a valid signed token.
"""
from __future__ import annotations

import urllib.parse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from papers.models import Author, Paper, Topic
from subscriptions import tokens
from subscriptions.models import Subscription
from subscriptions.periods import days_of

INTERFACE_LANGUAGE = {Subscription.Language.ZH: "zh-hans", Subscription.Language.EN: "en",
                      Subscription.Language.BOTH: "zh-hans"}


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(subscription: Subscription) -> str:
    token = tokens.make(tokens.UNSUBSCRIBE, email=subscription.email, subscription_id=subscription.pk)
    return absolute(reverse("subscriptions:unsubscribe", args=[token]))


def manage_url(email: str) -> str:
    return absolute(reverse("subscriptions:manage", args=[tokens.make(tokens.MANAGE, email=email)]))


def confirm_url(subscription: Subscription) -> str:
    token = tokens.make(tokens.CONFIRM, email=subscription.email, subscription_id=subscription.pk)
    return absolute(reverse("subscriptions:confirm", args=[token]))


def target_label(subscription: Subscription) -> str:
    """What the subscription follows, as a reader would name it (in the active language)."""
    kind, target, english = subscription.kind, subscription.target, translation.get_language() == "en"
    if kind == Subscription.Kind.TOPIC:
        topic = Topic.objects.filter(slug=target).first()
        name = (topic.name_en if english else topic.name_zh) if topic else target
        return _("topic %(name)s") % {"name": name}
    if kind == Subscription.Kind.TAG:
        from taggit.models import Tag

        tag = Tag.objects.filter(slug=target).first()
        return _("tag %(name)s") % {"name": tag.name if tag else target}
    if kind == Subscription.Kind.AUTHOR:
        author = Author.objects.filter(slug=target).first()
        return _("author %(name)s") % {"name": author.name if author else target}
    params = urllib.parse.parse_qs(target)
    words = params.get("q", [""])[0]
    filters = ", ".join(f"{k}={v[0]}" for k, v in params.items() if k != "q")
    return _("search “%(words)s”") % {"words": " ".join(p for p in (words, filters) if p)}


def target_url(subscription: Subscription) -> str:
    kind, target = subscription.kind, subscription.target
    if kind == Subscription.Kind.SEARCH:
        return absolute(reverse("search") + "?" + target)
    return absolute(reverse(kind, args=[target]))


def _message(subscription: Subscription, *, template: str, subject: str, context: dict,
             list_headers: bool, message_id: str | None = None) -> EmailMultiAlternatives:
    context = {**context, "subscription": subscription, "site_url": settings.SITE_URL,
               "manage_url": manage_url(subscription.email)}
    headers = {}
    if list_headers:
        context["unsubscribe_url"] = unsubscribe_url(subscription)
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message_id:
        headers["Message-ID"] = message_id
    text = render_to_string(f"subscriptions/mail/{template}.txt", context)
    html = render_to_string(f"subscriptions/mail/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[subscription.email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def digest_message(subscription: Subscription, period: str, papers: list[Paper]) -> EmailMultiAlternatives:
    """A period's entries for one subscriber.  Its Message-ID is fixed per (subscription, period)."""
    first, last = days_of(period)
    host = urllib.parse.urlsplit(settings.SITE_URL).hostname or "localhost"
    with translation.override(INTERFACE_LANGUAGE[subscription.language]):
        label = target_label(subscription)
        when = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
        subject = _("Paperdesk: %(label)s, %(when)s (%(count)d papers)") % {
            "label": label, "when": when, "count": len(papers)}
        entries = [_entry(p, subscription.language) for p in papers]
        return _message(subscription, template="digest", subject=subject, list_headers=True,
                        message_id=f"<digest.{subscription.pk}.{period}@{host}>",
                        context={"entries": entries, "label": label, "when": when,
                                 "target_url": target_url(subscription)})


def confirm_message(subscription: Subscription) -> EmailMultiAlternatives:
    with translation.override(INTERFACE_LANGUAGE[subscription.language]):
        label = target_label(subscription)
        return _message(subscription, template="confirm", subject=_("Paperdesk: confirm your subscription"),
                        list_headers=False, context={"label": label, "confirm_url": confirm_url(subscription),
                                                     "frequency": subscription.get_frequency_display(),
                                                     "language": subscription.get_language_display()})


def already_message(subscription: Subscription) -> EmailMultiAlternatives:
    with translation.override(INTERFACE_LANGUAGE[subscription.language]):
        return _message(subscription, template="already", subject=_("Paperdesk: you are already subscribed"),
                        list_headers=True, context={"label": target_label(subscription)})


def manage_message(email: str, subscriptions: list[Subscription]) -> EmailMultiAlternatives:
    """The link to the management page, sent to an address that has subscriptions (no mail to any other)."""
    language = INTERFACE_LANGUAGE[subscriptions[0].language] if subscriptions else "zh-hans"
    with translation.override(language):
        context = {"manage_url": manage_url(email), "site_url": settings.SITE_URL, "count": len(subscriptions)}
        text = render_to_string("subscriptions/mail/manage.txt", context)
        html = render_to_string("subscriptions/mail/manage.html", context)
        message = EmailMultiAlternatives(subject=_("Paperdesk: manage your subscriptions"), body=text,
                                         from_email=settings.DEFAULT_FROM_EMAIL, to=[email])
        message.attach_alternative(html, "text/html")
        return message


def _entry(paper: Paper, language: str) -> dict:
    """What a mail shows of one entry in the subscriber's language: title, the other title for both, one line."""
    summary = getattr(paper, "summary", None)
    chinese = (summary.headline_zh or summary.title_zh) if summary else ""
    if language == Subscription.Language.EN or not chinese:
        title, title_lang, subtitle = paper.title, "en", ""
    else:
        title, title_lang = chinese, "zh-Hans"
        subtitle = paper.title if language == Subscription.Language.BOTH else ""
    tldr = summary.tldr if summary else ""
    tldr_language = (summary.summary_language or "zh") if summary else "zh"
    if language != Subscription.Language.BOTH and tldr_language != language:
        tldr = ""  # the one line is in one language; a reader who asked for the other gets the title alone
    return {"paper": paper, "url": absolute(reverse("paper", args=[paper.arxiv_id])), "title": title,
            "title_lang": title_lang, "subtitle": subtitle, "tldr": tldr}
