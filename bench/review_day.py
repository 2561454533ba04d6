"""How many page loads and form submissions a reviewer needs for a day.

Imports the seed digest of 2024-02-29 (28 entries) as drafts into a fresh
SQLite database, serves the site, and drives Debian's Chromium through the
"review the day" screen: approve every entry with the keyboard, publish the
digest (overriding the consistency checks with a comment where the seed has
findings).  Logging in is not counted.  Target: at most 1.5 per entry.

    python -m bench.review_day      # last line: ``actions per entry: X.XX``
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.results import save

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "demo" / "seeds" / "000_d5c0faa7ab539173.txt"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(env: dict) -> None:
    manage(env, "migrate")
    manage(env, "import_papers", str(SEED))
    code = ("from django.contrib.auth.models import User, Group; "
            "u = User.objects.create_user('reviewer', password='bench-pass-123', is_staff=True); "
            "u.groups.add(Group.objects.get(name='Reviewer'))")
    manage(env, "shell", "-c", code)


def serve(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the site did not start")


def review(base: str) -> dict:
    from playwright.sync_api import sync_playwright

    counts = {"page loads": 0, "form submissions": 0}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(locale="en-US")
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "reviewer")
        page.fill("#id_password", "bench-pass-123")
        page.click("input[type=submit]")
        page.wait_for_url(base + "/admin/")
        page.goto(base + "/admin/papers/digest/")
        digest_url = page.locator("#result_list tbody a").first.get_attribute("href")
        digest_id = digest_url.strip("/").split("/")[-2]

        def on_request(request):
            if request.method == "POST":
                counts["form submissions"] += 1
            elif request.is_navigation_request() and request.frame == page.main_frame:
                counts["page loads"] += 1

        page.on("request", on_request)
        page.on("response", lambda r: counts.__setitem__("page loads", counts["page loads"] + 1)
                if r.request.method == "POST" and r.request.is_navigation_request() else None)
        page.goto(f"{base}/admin/papers/digest/{digest_id}/review/")
        total = page.locator(".review-card").count()
        for _ in range(total):
            with page.expect_response(lambda r: "/approve/" in r.url):
                page.keyboard.press("a")
        with page.expect_navigation():
            page.keyboard.press("p")
        if page.locator("input[name=override]").count():  # the seed has check findings: override, logged
            page.fill("input[name=comment]", "Seed findings reviewed by hand")
            page.check("input[name=override]")
            with page.expect_navigation():
                page.get_by_role("button", name="Publish anyway").click()
        published = "Published" in page.locator(".desk-state").inner_text()
        browser.close()
    return {**counts, "entries": total, "published": published}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DATABASE_URL": f"sqlite:///{tmp}/day.sqlite3",
               "REDIS_URL": "", "DEBUG": "True", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
        prepare(env)
        server = serve(env, port)
        try:
            result = review(f"http://127.0.0.1:{port}")
        finally:
            server.terminate()
            server.wait(timeout=10)
    actions = result["page loads"] + result["form submissions"]
    print(f"entries: {result['entries']}")
    print(f"page loads: {result['page loads']}")
    print(f"form submissions: {result['form submissions']}")
    print(f"digest published: {result['published']}")
    print(f"actions per entry: {actions / result['entries']:.2f}")
    save("review_day", {"entries": result["entries"], "page_loads": result["page loads"],
                        "form_submissions": result["form submissions"],
                        "actions_per_entry": round(actions / result["entries"], 2)})
    return 0 if result["published"] else 1


if __name__ == "__main__":
    sys.exit(main())
