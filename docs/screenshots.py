"""Screenshots of the desk in Chinese for the README: ``python -m docs.screenshots`` (or ``make screenshots``).

Sets up the demo (``manage.py demo``) in a fresh SQLite file, serves it with
``runserver``, and drives Debian's Chromium (never a downloaded one; override
with ``CHROMIUM``) through Playwright as the demo's reviewer, in Chinese, at
1366×768 and 1920×1080: the entry's edit screen, the entries list, the day's
review screen and the dashboard.  Writes docs/desk-*.png.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--disable-dev-shm-usage"]
SIZES = {"1366": (1366, 768), "1920": (1920, 1080)}
ENTRY = "2402.19474"  # a long abstract, with a check finding and a glossary term


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(env: dict) -> tuple[subprocess.Popen, str, dict]:
    """The demo in its own database: the server, its address and the logins the demo printed."""
    setup = subprocess.run([sys.executable, "manage.py", "demo"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=600)
    if setup.returncode:
        sys.exit(f"manage.py demo failed:\n{setup.stderr}")
    logins = dict(re.findall(r"^\w+ login: (\S+) / (\S+)$", setup.stdout, re.M))
    port = free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    site = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(site + "/admin/login/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server, site, logins


def shoot(site: str, username: str, password: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for size, (width, height) in SIZES.items():
            page = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height}).new_page()
            page.goto(site + "/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_url(site + "/admin/")
            shots = {"dashboard": site + "/admin/", "changelist": site + "/admin/papers/summary/?status__exact=draft"}
            for name, url in shots.items():
                page.goto(url)
                written.append(OUT / f"desk-{name}-{size}.png")
                page.screenshot(path=str(written[-1]))
            page.goto(site + f"/admin/papers/summary/?q={ENTRY}")
            page.locator("#result_list a", has_text=ENTRY).first.click()
            page.wait_for_url("**/change/**")
            page.evaluate("document.querySelector('.desk-keys').scrollIntoView()")  # the keys, then the fields
            written.append(OUT / f"desk-entry-{size}.png")
            page.screenshot(path=str(written[-1]))
            page.goto(site + "/admin/papers/digest/?status__exact=draft")
            page.locator("#result_list tbody a").first.click()
            page.wait_for_url("**/change/**")
            page.locator("a[href$='/review/']").click()
            page.wait_for_load_state()
            written.append(OUT / f"desk-review-day-{size}.png")
            page.screenshot(path=str(written[-1]))
            page.context.close()
        browser.close()
    return written


def main():
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
        env.update(DATABASE_URL=f"sqlite:///{tmp}/demo.sqlite3", DJANGO_SETTINGS_MODULE="config.settings.base",
                   DEBUG="true")
        server, site, logins = serve(env)
        try:
            username = next(name for name in logins if "review" in name)
            for path in shoot(site, username, logins[username]):
                print(path.relative_to(ROOT))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
