"""Subscribing, confirming, unsubscribing and managing, without an account.

Never says whether an address is subscribed: a subscribe or manage request
gets the same answer (a redirect to "check your inbox") for any address, and
what differs goes only to the address, by mail.  Both forms are rate-limited
per client address and per e-mail address (django-ratelimit, counted in the
cache).  None of these pages is in the page cache (they are not marked
``cached_page``), so they carry CSRF tokens as usual; the unsubscribe URL alone
takes a POST without one, because mail providers post to it (RFC 8058) and its
signed token is the credential.
"""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from subscriptions import services, tasks, tokens
from subscriptions.forms import ManageRequestForm, SubscribeForm
from subscriptions.mail import target_label
from subscriptions.models import Subscription


def _limited(request) -> bool:
    return getattr(request, "limited", False)


def _too_many(request):
    return render(request, "subscriptions/too_many.html", status=429)


def _email_key(group, request) -> str:
    return services.normalize_email(request.POST.get("email", ""))


def _rate_limited(name: str):
    """Count a form's POSTs per client and per address (either limit marks the request limited)."""
    def decorate(view):
        view = ratelimit(key=_email_key, rate=lambda g, r: settings.SUBSCRIBE_RATE_EMAIL, method="POST",
                         block=False, group=f"subscriptions.{name}-email")(view)
        return ratelimit(key="ip", rate=lambda g, r: settings.SUBSCRIBE_RATE_IP, method="POST", block=False,
                         group=f"subscriptions.{name}")(view)
    return decorate


@never_cache
@require_http_methods(["GET", "POST"])
@_rate_limited("subscribe")
def subscribe(request):
    if request.method == "POST":
        if _limited(request):
            return _too_many(request)
        form = SubscribeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            subscription, requested = services.subscription_request(
                email=data["email"], kind=data["kind"], target=data["target"], language=data["language"],
                frequency=data["frequency"])
            tasks.send_confirmation.delay_on_commit(subscription.pk, requested is services.Requested.ALREADY)
            return redirect("subscriptions:sent")
    else:
        form = SubscribeForm(initial={k: request.GET[k] for k in ("kind", "target") if request.GET.get(k)})
    return render(request, "subscriptions/subscribe.html", {"form": form})


def sent(request):
    return render(request, "subscriptions/sent.html")


@never_cache
def confirm(request, token: str):
    try:
        value = tokens.read(tokens.CONFIRM, token)
    except tokens.BadToken:
        return render(request, "subscriptions/bad_link.html", status=400)
    subscription = services.subscription_confirm(subscription_id=value.get("s"), email=value["e"])
    if subscription is None:
        return render(request, "subscriptions/bad_link.html", status=400)
    return render(request, "subscriptions/confirmed.html", {
        "subscription": subscription, "label": target_label(subscription),
        "manage_url": reverse("subscriptions:manage", args=[tokens.make(tokens.MANAGE, email=subscription.email)]),
    })


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (link checkers and previews must not unsubscribe anyone); POST, one click or a mail provider's, does it."""
    try:
        value = tokens.read(tokens.UNSUBSCRIBE, token)
    except tokens.BadToken:
        return render(request, "subscriptions/bad_link.html", status=400)
    subscription = Subscription.objects.filter(pk=value.get("s"), email=value["e"]).first()
    if request.method == "POST":
        services.subscription_cancel(subscription_id=value.get("s"), email=value["e"])
        return render(request, "subscriptions/unsubscribed.html")
    if subscription is None:
        return render(request, "subscriptions/unsubscribed.html")
    return render(request, "subscriptions/unsubscribe.html",
                  {"subscription": subscription, "label": target_label(subscription)})


@never_cache
@require_http_methods(["GET", "POST"])
@_rate_limited("manage")
def manage_request(request):
    if request.method == "POST":
        if _limited(request):
            return _too_many(request)
        form = ManageRequestForm(request.POST)
        if form.is_valid():
            tasks.send_manage_link.delay_on_commit(services.normalize_email(form.cleaned_data["email"]))
            return redirect("subscriptions:sent")
    else:
        form = ManageRequestForm()
    return render(request, "subscriptions/manage_request.html", {"form": form})


@never_cache
def manage(request, token: str):
    try:
        email = tokens.read(tokens.MANAGE, token)["e"]
    except tokens.BadToken:
        return render(request, "subscriptions/bad_link.html", status=400)
    subscriptions = [
        {"subscription": s, "label": target_label(s),
         "unsubscribe": reverse("subscriptions:unsubscribe",
                                args=[tokens.make(tokens.UNSUBSCRIBE, email=email, subscription_id=s.pk)])}
        for s in Subscription.objects.filter(email=email)
    ]
    return render(request, "subscriptions/manage.html", {"email": email, "subscriptions": subscriptions})
