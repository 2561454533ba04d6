"""Signing in to the desk as a person does (the login form), shared by the browser tests of the desk."""
from __future__ import annotations

PASSWORD = "correct horse battery"


def signed_in(browser, site: str, username: str, *, locale: str = "en-US", size: tuple[int, int] = (1400, 1000)):
    """A new browser context's page, logged in to the admin as ``username`` (whose password is ``PASSWORD``)."""
    width, height = size
    page = browser.new_context(locale=locale, viewport={"width": width, "height": height}).new_page()
    page.goto(site + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(site + "/admin/")
    return page
