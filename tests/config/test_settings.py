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
    assert proc.returncode == 1
    assert proc.stderr.rstrip().endswith("ImproperlyConfigured: Set the SECRET_KEY environment variable")


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


def test_gunicorn_configuration_is_valid_and_serves_one_sync_worker_per_cpu():
    env = {**os.environ, "WEB_CONCURRENCY": "3", "PGOPTIONS": "-c work_mem=8MB"}
    check = subprocess.run([sys.executable, "-m", "gunicorn", "--check-config", "--print-config", "config.wsgi"],
                           cwd=ROOT, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    printed = {key.strip(): value.strip() for key, value in
               (line.split(" = ", 1) for line in check.stdout.splitlines() if " = " in line)}
    assert printed["workers"] == "3" and printed["worker_class"] == "sync" and printed["preload_app"] == "True"
    assert printed["raw_env"] == "['PGOPTIONS=-c work_mem=8MB -c max_parallel_workers_per_gather=0']"


def test_gunicorn_workers_freeze_the_loaded_site_and_collect_young_objects_in_small_batches():
    code = ("import gc, runpy; conf = runpy.run_path('gunicorn.conf.py'); conf['pre_fork'](None, None);"
            " conf['post_fork'](None, None); print(gc.get_freeze_count() > 0, gc.get_threshold())")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "True (5000, 10, 10)", proc.stderr
