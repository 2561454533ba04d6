"""A day's mail: from a published digest to the SMTP server, once, with the headers RFC 8058 asks for."""
from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.test import Client
from django.utils import timezone

from config.celery import app
from papers.models import Status, Summary
from papers.services.transitions import state_change
from subscriptions.models import Delivery, Subscription
from subscriptions.periods import days_of, week_period, weekly_period_due
from subscriptions.services import Sent, pending_deliveries
from subscriptions.tasks import send_digest, send_week
from tests.factories import DigestFactory, PaperFactory, SubscriptionFactory, SummaryFactory

from .smtp import html_part, text_part

pytestmark = pytest.mark.django_db

DAY = dt.date(2024, 4, 2)
HOSTILE = '<script>alert("x")</script> & <b>Bold</b> claims'


def published_paper(**fields):
    summary_fields = {k: fields.pop(k) for k in ("headline_zh", "title_zh", "tldr", "summary_language") if k in fields}
    paper = PaperFactory(**fields)
    SummaryFactory(paper=paper, published=True, **summary_fields)
    return paper


@pytest.fixture
def day(django_capture_on_commit_callbacks):
    """Three published entries of DAY: two in the agent topic (one with a hostile title), one in RAG; a draft."""
    agent = published_paper(topic__slug="agent", title=HOSTILE, headline_zh="智能体的<i>新</i>方法", tags=["memory"])
    other_agent = published_paper(topic__slug="agent", authors=["Ada Lovelace"])
    rag = published_paper(topic__slug="rag", tags=["memory"])
    draft = PaperFactory(topic__slug="agent")
    SummaryFactory(paper=draft)
    digest = DigestFactory(date=DAY, papers=[agent, other_agent, rag, draft])

    def publish():
        with django_capture_on_commit_callbacks(execute=True):
            state_change(objects=[digest], action="publish", target=Status.PUBLISHED)

    return {"agent": agent, "other_agent": other_agent, "rag": rag, "draft": draft, "digest": digest,
            "publish": publish}


def test_publishing_a_day_mails_each_confirmed_subscriber_once_with_both_parts_and_unsubscribe_headers(smtp, day):
    zh = SubscriptionFactory(email="zh@example.org", target="agent", language="zh")
    en = SubscriptionFactory(email="en@example.org", target="agent", language="en")
    SubscriptionFactory(email="waiting@example.org", target="agent", confirmed=False)
    SubscriptionFactory(email="rag-weekly@example.org", target="rag", frequency="weekly")
    day["publish"]()

    smtp.wait_for(2)
    assert sorted(m["To"] for m in smtp.messages) == ["en@example.org", "zh@example.org"]
    [message] = smtp.to("en@example.org")
    assert message["From"] == "Paperdesk <digest@paperdesk.test>"
    assert message["Subject"].strip() == "Paperdesk: topic Agents, 2024-04-02 (2 papers)"
    unsubscribe = message["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<https://paperdesk.test/subscribe/unsubscribe/") and unsubscribe.endswith("/>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == f"<digest.{en.pk}.2024-04-02@paperdesk.test>"
    assert [part.get_content_type() for part in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]

    text, html = text_part(message), html_part(message)
    assert HOSTILE in text  # plain text stays plain text
    assert "<script>" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Bold&lt;/b&gt; claims" in html
    for paper in (day["agent"], day["other_agent"]):
        assert f"https://paperdesk.test/paper/{paper.arxiv_id}/" in text and paper.title[:20] in text
    for absent in (day["rag"], day["draft"]):  # another topic; not published
        assert absent.arxiv_id not in text and absent.arxiv_id not in html
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html

    [chinese] = smtp.to("zh@example.org")
    assert chinese["Subject"].strip() == "Paperdesk：主题 Agent，2024-04-02（2 篇）"
    assert "智能体的&lt;i&gt;新&lt;/i&gt;方法" in html_part(chinese) and "智能体的<i>新</i>方法" in text_part(chinese)
    assert HOSTILE not in text_part(chinese)  # Chinese only: the Chinese headline instead of the English title

    assert set(Delivery.objects.values_list("subscription__email", "period", "state", "entries")) == {
        ("en@example.org", "2024-04-02", "sent", 2), ("zh@example.org", "2024-04-02", "sent", 2)}

    # The header's URL is the one-click endpoint: a provider's POST, no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        urllib.parse.urlsplit(unsubscribe[1:-1]).path, "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Subscription.objects.filter(pk=en.pk).exists() and Subscription.objects.filter(pk=zh.pk).exists()


def test_tag_author_and_saved_search_subscriptions_get_what_their_pages_list(smtp, day):
    SubscriptionFactory(email="tag@example.org", kind="tag", target="memory", language="both")
    SubscriptionFactory(email="author@example.org", kind="author", target="ada-lovelace", language="en")
    SubscriptionFactory(email="search@example.org", kind="search", target="tag=memory&topic=rag", language="en")
    SubscriptionFactory(email="nothing@example.org", kind="search", target="q=zzzunfindable", language="en")
    day["publish"]()

    smtp.wait_for(3)
    arxiv = {m["To"]: sorted(p.arxiv_id for p in (day["agent"], day["other_agent"], day["rag"])
                             if p.arxiv_id in text_part(m)) for m in smtp.messages}
    assert arxiv == {
        "tag@example.org": sorted([day["agent"].arxiv_id, day["rag"].arxiv_id]),
        "author@example.org": [day["other_agent"].arxiv_id],
        "search@example.org": [day["rag"].arxiv_id],
    }
    # Nothing matched: no mail, and no ledger row, so a digest published later that day can still bring one.
    assert not Delivery.objects.filter(subscription__email="nothing@example.org").exists()
    [both] = smtp.to("tag@example.org")
    assert "智能体的<i>新</i>方法" in text_part(both) and HOSTILE in text_part(both)  # both languages


def test_running_the_task_again_sends_nothing_more(smtp, day):
    subscription = SubscriptionFactory(target="agent")
    day["publish"]()
    smtp.wait_for(1)
    assert send_digest.delay(subscription.pk, "2024-04-02").get() == Sent.ALREADY_SENT.value
    day["publish"]()  # published again (say, after an unpublish): the day's mail went out already
    assert len(smtp.messages) == 1 and Delivery.objects.get().attempts == 1


def test_a_claim_held_by_a_live_send_is_left_alone_and_an_expired_one_is_sent_once(smtp, day, settings):
    subscription = SubscriptionFactory(target="agent")
    with_claim = Delivery.objects.create(subscription=subscription, period="2024-04-02",
                                         claimed_at=timezone.now(), claim="a worker that is still sending")
    state_change(objects=[day["digest"]], action="publish", target=Status.PUBLISHED)  # no on_commit run: no signal

    assert send_digest.delay(subscription.pk, "2024-04-02").get() == Sent.CLAIMED.value
    assert smtp.messages == [] and pending_deliveries() == []

    # The worker that claimed it was killed: after the lease its claim has expired.
    Delivery.objects.filter(pk=with_claim.pk).update(
        claimed_at=timezone.now() - dt.timedelta(seconds=settings.SUBSCRIPTION_SEND_LEASE + 1))
    assert pending_deliveries() == [(subscription.pk, "2024-04-02")]
    assert send_digest.delay(subscription.pk, "2024-04-02").get() == Sent.SENT.value
    assert send_digest.delay(subscription.pk, "2024-04-02").get() == Sent.ALREADY_SENT.value
    assert len(smtp.messages) == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.entries) == ("sent", 1, 2)


def test_a_refused_send_releases_its_claim_and_is_sent_by_the_next_try(smtp, day):
    from subscriptions.services import subscription_send

    subscription = SubscriptionFactory(target="agent")
    state_change(objects=[day["digest"]], action="publish", target=Status.PUBLISHED)
    smtp.refuse = 1
    with pytest.raises(Exception, match="try again later"):
        subscription_send(subscription_id=subscription.pk, period="2024-04-02")
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.claimed_at, delivery.attempts) == ("pending", None, 1)
    assert "try again later" in delivery.last_error
    assert pending_deliveries() == [(subscription.pk, "2024-04-02")]  # the sweep would send it
    assert subscription_send(subscription_id=subscription.pk, period="2024-04-02") is Sent.SENT
    assert len(smtp.messages) == 1 and Delivery.objects.get().attempts == 2


def test_weekly_subscribers_get_the_iso_week_in_one_mail(smtp, day):
    later = published_paper(topic__slug="agent")
    day["publish"]()
    sunday = DigestFactory(date=DAY + dt.timedelta(days=5), papers=[later])  # 2024-04-07, same ISO week
    state_change(objects=[sunday], action="publish", target=Status.PUBLISHED)
    next_week = DigestFactory(date=DAY + dt.timedelta(days=6), papers=[published_paper(topic__slug="agent")])
    state_change(objects=[next_week], action="publish", target=Status.PUBLISHED)
    weekly = SubscriptionFactory(email="weekly@example.org", target="agent", frequency="weekly", language="en")

    assert weekly_period_due(dt.date(2024, 4, 8)) == "2024-W14" == week_period(DAY)  # the Monday after
    assert days_of("2024-W14") == (dt.date(2024, 4, 1), dt.date(2024, 4, 7))
    assert send_week.delay("2024-W14").get() == 1
    assert send_week.delay("2024-W14").get() == 1  # queued again, sent once
    [message] = smtp.to("weekly@example.org")
    assert message["Subject"].strip() == "Paperdesk: topic Agents, 2024-04-01 – 2024-04-07 (3 papers)"
    assert later.arxiv_id in text_part(message) and next_week.papers.get().arxiv_id not in text_part(message)
    assert Delivery.objects.get(subscription=weekly).period == "2024-W14"


def test_mail_tasks_go_to_the_mail_queue():
    for name in ("subscriptions.send_digest", "subscriptions.send_day", "subscriptions.send_confirmation"):
        assert app.amqp.router.route({}, name)["queue"].name == "mail"


def test_a_subscription_never_confirmed_or_gone_gets_nothing(smtp, day):
    waiting = SubscriptionFactory(confirmed=False)
    state_change(objects=[day["digest"]], action="publish", target=Status.PUBLISHED)
    assert send_digest.delay(waiting.pk, "2024-04-02").get() == Sent.GONE.value
    assert send_digest.delay(999999, "2024-04-02").get() == Sent.GONE.value
    assert smtp.messages == [] and not Delivery.objects.exists()
    assert Summary.objects.filter(status=Status.PUBLISHED).count() == 3
