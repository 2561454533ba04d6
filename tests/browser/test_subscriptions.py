"""A reader subscribes in real Chromium: the form, the confirmation mail (a real SMTP server), the link, confirmed."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from subscriptions.models import Subscription
from tests.subscriptions.smtp import link, smtp  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_subscribe_confirm_by_the_mailed_link_and_unsubscribe(page, live_server, smtp, settings, screenshot):
    settings.DEBUG = True  # the live server serves the CSS, as the demo does
    settings.SITE_URL = live_server.url  # the mailed links lead back to this server
    page.goto(live_server.url + "/subscribe/?kind=topic&target=agent")
    expect(page.locator("h1")).to_have_text("邮件订阅")
    page.get_by_label("电子邮件地址").fill("Reader@Example.org")
    assert page.get_by_label("关注").input_value() == "topic"
    assert page.get_by_label("哪一个").input_value() == "agent"
    page.get_by_label("English", exact=True).check()
    page.get_by_label("每周", exact=True).check()
    screenshot(page, "subscribe")
    page.get_by_role("button", name="订阅", exact=True).click()
    page.wait_for_url("**/subscribe/sent/")
    expect(page.locator("h1")).to_have_text("请查收邮件")

    [message] = smtp.wait_for(1)
    assert message["To"] == "reader@example.org"
    subscription = Subscription.objects.get()
    assert (subscription.language, subscription.frequency, subscription.confirmed) == ("en", "weekly", False)

    page.goto(link(message, "/subscribe/confirm/"))
    expect(page.locator("h1")).to_have_text("订阅已确认")
    screenshot(page, "subscription-confirmed")
    subscription.refresh_from_db()
    assert subscription.confirmed

    page.get_by_role("link", name="管理你的订阅").click()
    page.wait_for_url("**/subscribe/manage/**")
    expect(page.locator("table.subscriptions tbody tr")).to_have_count(1)
    page.get_by_role("button", name="退订").click()
    expect(page.locator("h1")).to_have_text("已退订")
    assert not Subscription.objects.exists()
    assert page.console_errors == []
