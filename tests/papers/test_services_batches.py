"""Imports under faults: a batch whose process is gone is marked interrupted; a failed batch says so in one line."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from papers.models import ImportBatch, Paper
from papers.services import batches
from papers.services.batches import import_batches_mark_interrupted
from tests.factories import ImportBatchFactory, SnapshotItemFactory
from tests.papers.helpers import run_import

ROOT = Path(__file__).resolve().parents[2]


def snapshot(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def manage(*args: str, settings) -> subprocess.Popen:
    """``manage.py ARGS`` in a process of its own, on the test database."""
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "REDIS_URL": settings.REDIS_URL,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def killed_mid_import(tmp_path, settings, records: int = 6000) -> tuple[ImportBatch, Path]:
    """An import_papers process killed with SIGKILL after it wrote some batches: its batch, and the file."""
    source = snapshot(tmp_path / "snapshot.jsonl", SnapshotItemFactory.create_batch(records))
    proc = manage("import_papers", str(source), "--batch-size", "100", settings=settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.filter(processed__gte=300).first()
        if batch or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the import ended before it could be killed: {proc.communicate()}"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    batch = ImportBatch.objects.get()
    assert batch.state == ImportBatch.State.RUNNING and batch.processed < records  # what kill -9 leaves behind
    assert (batch.host, batch.pid) == (socket.gethostname(), proc.pid)
    return batch, source


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_with_sigkill_is_marked_interrupted_by_the_next_import(tmp_path, settings):
    batch, source = killed_mid_import(tmp_path, settings)
    again = run_import(str(source))
    assert again.code == 0, again.err
    assert (f"note: import batch #{batch.pk} was still marked running, but its process (pid {batch.pid} on "
            f"{batch.host}) is gone: marked interrupted") in again.out
    batch.refresh_from_db()
    assert batch.state == ImportBatch.State.INTERRUPTED
    note = batch.errors.get()
    assert (note.level, note.file) == ("warning", f"pid {batch.pid} on {batch.host}")
    assert note.reason.startswith("interrupted: the import's process is gone (last sign of life ")
    assert Paper.objects.count() == 6000  # everything, once
    assert ImportBatch.objects.exclude(pk=batch.pk).get().state == ImportBatch.State.DONE


@pytest.mark.django_db(transaction=True)
def test_the_desk_shows_a_killed_import_as_interrupted(tmp_path, settings, client):
    from tests.factories import AdminFactory

    batch, _ = killed_mid_import(tmp_path, settings, records=3000)
    client.force_login(AdminFactory())
    body = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Interrupted (the process is gone): run the import again to finish it, nothing lands twice." in body
    assert f'<tr class="imports-interrupted"><td><a href="{reverse("admin:papers_importbatch_change", args=[batch.pk])}">' \
           f'#{batch.pk}</a>' in body
    assert ImportBatch.objects.get(pk=batch.pk).state == ImportBatch.State.INTERRUPTED
    assert "No import running." in body


@pytest.mark.django_db
def test_a_batch_is_gone_when_its_pid_runs_another_process_or_its_heartbeat_stops(settings):
    settings.IMPORT_STALE_SECONDS = 600
    me = batches.this_process()
    now = timezone.now()
    alive = ImportBatchFactory(**me)
    reused = ImportBatchFactory(**{**me, "pid_started": me["pid_started"] - 1})  # the same id, another process
    elsewhere_fresh = ImportBatchFactory(host="worker-2", pid=4242, heartbeat_at=now - dt.timedelta(minutes=5))
    elsewhere_stale = ImportBatchFactory(host="worker-2", pid=4242, heartbeat_at=now - dt.timedelta(minutes=11))
    finished = ImportBatchFactory(done=True, host="worker-2", pid=4242, heartbeat_at=now - dt.timedelta(days=1))
    marked = import_batches_mark_interrupted()
    assert sorted(b.pk for b in marked) == sorted([reused.pk, elsewhere_stale.pk])
    states = dict(ImportBatch.objects.values_list("pk", "state"))
    assert [states[b.pk] for b in (alive, reused, elsewhere_fresh, elsewhere_stale, finished)] == [
        "running", "interrupted", "running", "interrupted", "done"]
    assert import_batches_mark_interrupted() == []  # once


@pytest.mark.django_db
def test_a_running_import_records_its_process_and_a_heartbeat(seed_digest):
    before = timezone.now()
    batch = run_import(str(seed_digest))
    assert batch.code == 0
    stored = ImportBatch.objects.get()
    assert (stored.host, stored.pid) == (socket.gethostname(), os.getpid())
    assert stored.pid_started == batches.this_process()["pid_started"]
    assert stored.heartbeat_at >= before


# --- a batch the database rejects ------------------------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("verbosity", ["1", "2"])
def test_a_rejected_batch_is_one_clear_line_and_its_traceback_only_with_v2(tmp_path, settings, verbosity):
    items = SnapshotItemFactory.create_batch(3)
    items[1]["authors_parsed"] = [["X" * 400, "Jane", ""]]  # Author.name holds 300 characters
    proc = manage("import_papers", str(snapshot(tmp_path / "snap.jsonl", items)), "-v", verbosity, settings=settings)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1  # one record failed, the others landed
    retry = [line for line in err.splitlines() if "retrying record by record" in line]
    assert retry == ["batch of 3 records failed (value too long for type character varying(300)); "
                     "retrying record by record"]
    assert ("Traceback" in err) == (verbosity == "2")
    assert Paper.objects.count() == 2
