"""Subscribing, confirming, unsubscribing and managing, through Django's test client and a real SMTP server."""
from __future__ import annotations

import time
import urllib.parse

import pytest
from django.core import signing
from django.test import Client

from subscriptions import tokens
from subscriptions.models import Subscription
from tests.factories import SubscriptionFactory

from .smtp import html_part, link, text_part

pytestmark = pytest.mark.django_db

FORM = {"email": "Reader@Example.org", "kind": "topic", "target": "agent", "language": "en", "frequency": "daily"}


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English (the site speaks Chinese unless asked otherwise; the browser test reads it in Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def subscribe(client, HTTP_X_REAL_IP=None, **changes):
    headers = {"HTTP_X_REAL_IP": HTTP_X_REAL_IP} if HTTP_X_REAL_IP else {}
    return client.post("/subscribe/", {**FORM, **changes}, **headers)


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def test_subscribe_sends_a_confirmation_and_the_link_confirms(client, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client)
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.kind, subscription.target, subscription.language,
            subscription.frequency, subscription.confirmed) == ("reader@example.org", "topic", "agent", "en", "daily", False)

    [message] = smtp.wait_for(1)
    assert message["To"] == "reader@example.org" and message["From"] == "Paperdesk <digest@paperdesk.test>"
    assert message["Subject"].strip() == "Paperdesk: confirm your subscription"
    assert "List-Unsubscribe" not in message  # nothing to unsubscribe from yet
    assert "topic Agent" in text_part(message) and "Confirm the subscription" in html_part(message)
    confirm = link(message, "/subscribe/confirm/")
    assert confirm.startswith("https://paperdesk.test/subscribe/confirm/")

    page = client.get(path_of(confirm))
    assert page.status_code == 200 and "Subscription confirmed" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed
    assert client.get(path_of(confirm)).status_code == 200  # a second click changes nothing
    assert Subscription.objects.get().confirmed_at == subscription.confirmed_at


def test_every_kind_of_target_is_checked_and_a_pasted_address_works(client, settings):
    settings.SUBSCRIBE_RATE_EMAIL = settings.SUBSCRIBE_RATE_IP = "100/h"
    assert subscribe(client, kind="topic", target="no-such-topic").status_code == 200
    assert subscribe(client, kind="tag", target="no-such-tag").status_code == 200
    assert subscribe(client, kind="search", target="page=2").status_code == 200  # no words, no filter
    assert subscribe(client, kind="search", target="published_after=yesterday").status_code == 200
    assert not Subscription.objects.exists()
    assert subscribe(client, kind="topic", target="http://testserver/topic/rag/").status_code == 302
    assert subscribe(client, kind="search", target="/search/?q=agent+memory&topic=agent&page=3").status_code == 302
    assert sorted(Subscription.objects.values_list("kind", "target")) == [
        ("search", "q=agent+memory&topic=agent"), ("topic", "rag")]


@pytest.mark.parametrize("mangle", ["tamper", "other purpose", "expired"])
def test_a_bad_confirmation_link_is_refused(client, mangle, monkeypatch):
    subscription = SubscriptionFactory(confirmed=False)
    if mangle == "expired":
        now = time.time()
        monkeypatch.setattr(signing.time, "time", lambda: now - 4 * 24 * 3600)  # made four days ago (limit: three)
    purpose = tokens.UNSUBSCRIBE if mangle == "other purpose" else tokens.CONFIRM
    token = tokens.make(purpose, email=subscription.email, subscription_id=subscription.pk)
    monkeypatch.undo()
    if mangle == "tamper":
        value = tokens.read(tokens.CONFIRM, token)
        assert value == {"e": subscription.email, "s": subscription.pk}  # the genuine token works …
        other = SubscriptionFactory(confirmed=False)
        payload, rest = token.split(":", 1)
        forged = signing.b64_encode(signing.JSONSerializer().dumps({"e": other.email, "s": other.pk})).decode()
        token = f"{forged}:{rest}"  # … and another subscription's id under its signature is not
    response = client.get(f"/subscribe/confirm/{token}/")
    assert response.status_code == 400 and "This link does not work" in response.content.decode()
    assert not Subscription.objects.filter(confirmed_at__isnull=False).exists()


def test_one_click_unsubscribe_needs_no_csrf_token_but_a_valid_signed_one(smtp):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    subscription = SubscriptionFactory()
    token = tokens.make(tokens.UNSUBSCRIBE, email=subscription.email, subscription_id=subscription.pk)

    shown = client.get(f"/subscribe/unsubscribe/{token}/")  # link checkers GET: nothing happens
    assert shown.status_code == 200 and Subscription.objects.filter(pk=subscription.pk).exists()

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = client.post(f"/subscribe/unsubscribe/{forged}/", "List-Unsubscribe=One-Click",
                          content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 400 and Subscription.objects.filter(pk=subscription.pk).exists()

    done = client.post(f"/subscribe/unsubscribe/{token}/", "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded")
    assert done.status_code == 200 and "Unsubscribed" in done.content.decode()
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    again = client.post(f"/subscribe/unsubscribe/{token}/", "List-Unsubscribe=One-Click",
                        content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200  # a provider posting twice gets the same answer


def test_the_subscribe_form_is_rate_limited_per_address_and_per_client(client, settings):
    settings.SUBSCRIBE_RATE_EMAIL, settings.SUBSCRIBE_RATE_IP = "2/h", "5/h"
    assert [subscribe(client, target=t).status_code for t in ("agent", "rag", "llm")] == [302, 302, 429]
    assert Subscription.objects.count() == 2
    assert subscribe(client, email="second@example.org").status_code == 302
    assert subscribe(client, email="third@example.org").status_code == 302
    refused = subscribe(client, email="fourth@example.org")  # the sixth from this client (refused ones count)
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert Subscription.objects.count() == 4
    assert client.get("/subscribe/").status_code == 200  # reading the form is never limited


def responses_for(client, path, data):
    response = client.post(path, data)
    return response.status_code, response.get("Location"), response.content


def test_the_same_answer_for_known_and_unknown_addresses(client, smtp, django_capture_on_commit_callbacks):
    known = SubscriptionFactory(email="known@example.org", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        for_known = responses_for(client, "/subscribe/", {**FORM, "email": "known@example.org"})
        for_unknown = responses_for(client, "/subscribe/", {**FORM, "email": "unknown@example.org"})
        manage_known = responses_for(client, "/subscribe/manage/", {"email": "known@example.org"})
        manage_unknown = responses_for(client, "/subscribe/manage/", {"email": "nobody@example.org"})
    assert for_known == for_unknown == manage_known == manage_unknown == (302, "/subscribe/sent/", b"")

    smtp.wait_for(3)
    # What differs goes to the address only: the owner is told it already has the subscription (unchanged) …
    [already, manage] = smtp.to("known@example.org")
    assert already["Subject"].strip() == "Paperdesk: you are already subscribed" and "List-Unsubscribe" in already
    known.refresh_from_db()
    assert known.language == "en" and known.confirmed
    # … a new address gets a link to confirm, and an address without subscriptions gets nothing.
    [confirm] = smtp.to("unknown@example.org")
    assert confirm["Subject"].strip() == "Paperdesk: confirm your subscription"
    assert smtp.to("nobody@example.org") == [] and len(smtp.messages) == 3

    # The management page, from the mailed link, lists the subscriptions and ends one.
    page = client.get(path_of(link(manage, "/subscribe/manage/")))
    assert page.status_code == 200 and "known@example.org" in page.content.decode()
    assert page.content.decode().count('action="/subscribe/unsubscribe/') == 1


def test_the_management_link_is_signed_and_expires(client, monkeypatch):
    SubscriptionFactory(email="known@example.org")
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now - 2 * 24 * 3600)
    old = tokens.make(tokens.MANAGE, email="known@example.org")
    monkeypatch.undo()
    assert client.get(f"/subscribe/manage/{old}/").status_code == 400
    fresh = tokens.make(tokens.MANAGE, email="known@example.org")
    assert client.get(f"/subscribe/manage/{fresh}/").status_code == 200
    assert client.get(f"/subscribe/manage/{fresh[:-1]}x/").status_code == 400


def test_the_search_page_links_to_a_prefilled_subscription_of_its_query(client):
    page = client.get("/search/?q=agent+memory&topic=rag&page=2").content.decode()
    link = "/subscribe/?kind=search&amp;target=q%3Dagent%2Bmemory%26topic%3Drag"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="q=agent+memory&amp;topic=rag"' in form and '<option value="search" selected>' in form


def test_behind_a_proxy_each_reader_has_a_limit_of_their_own(client, settings):
    settings.SUBSCRIBE_RATE_IP, settings.RATELIMIT_IP_META_KEY = "1/h", "HTTP_X_REAL_IP"
    assert subscribe(client, email="a@example.org", HTTP_X_REAL_IP="203.0.113.1").status_code == 302
    assert subscribe(client, email="b@example.org", HTTP_X_REAL_IP="203.0.113.1").status_code == 429
    assert subscribe(client, email="c@example.org", HTTP_X_REAL_IP="203.0.113.2").status_code == 302
