"""Settings: the embedded default, and production that passes check --deploy."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy_with_zero_warnings():
    proc = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="paperdesk.example.org",
    )
    assert proc.returncode == 0, proc.stderr
    assert "no issues (0 silenced)" in proc.stdout


def test_production_refuses_to_start_without_a_secret_key():
    proc = manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="x.org")
    assert proc.returncode != 0 and "SECRET_KEY" in proc.stderr


def test_defaults_need_nothing_installed():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.SUMMARIZER_BACKEND)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base"},
    )
    assert proc.stdout.split() == ["django.db.backends.sqlite3", "True", "offline"], proc.stderr
