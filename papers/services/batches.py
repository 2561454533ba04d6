"""Import batches whose process is gone are marked interrupted, so that none stays "running" forever.

An import records the host and process id that run it, and a heartbeat each
time it writes a batch of records.  A running batch is interrupted when its
process is gone: on the same host, that process id no longer runs, or runs
another process (the id was reused: its start time differs); on another host,
its heartbeat is older than ``IMPORT_STALE_SECONDS``.  Running the import again
resumes it: every record lands once (upsert by arXiv id).
"""
from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from papers.models import ImportBatch, RecordError

PROC = Path("/proc/self/stat").exists()  # Linux: a process's start time tells it from a later one of the same id


def _proc_start(pid: int) -> int | None:
    """Process ``pid``'s start, in clock ticks since boot; None if there is none (or only its zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (command name)", which may hold spaces
    if fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent: gone all the same
        return None
    return int(fields[19])


def this_process() -> dict:
    """What a new batch records about the process running it."""
    pid = os.getpid()
    return {"host": socket.gethostname()[:255], "pid": pid, "pid_started": _proc_start(pid) if PROC else None,
            "heartbeat_at": timezone.now()}


def process_runs(pid: int, started: int | None) -> bool:
    """Whether process ``pid`` of this host still runs, and is the one that started at ``started`` (if known)."""
    if PROC:
        now_started = _proc_start(pid)
        return now_started is not None and (started is None or now_started == started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        pass
    return True


def gone(batch: ImportBatch, *, host: str, now: dt.datetime) -> bool:
    """Whether the process of a running batch is gone."""
    if batch.pid and batch.host == host:
        return not process_runs(batch.pid, batch.pid_started)
    last_sign = batch.heartbeat_at or batch.started_at
    return last_sign < now - dt.timedelta(seconds=settings.IMPORT_STALE_SECONDS)


def import_batches_mark_interrupted() -> list[ImportBatch]:
    """Mark every running batch whose process is gone as interrupted, with a note saying so; returns them."""
    now, host = timezone.now(), socket.gethostname()[:255]
    running = ImportBatch.objects.filter(state=ImportBatch.State.RUNNING).only(
        "pk", "host", "pid", "pid_started", "started_at", "heartbeat_at")
    interrupted = [batch for batch in running if gone(batch, host=host, now=now)]
    if not interrupted:
        return []
    with transaction.atomic():
        marked = set(ImportBatch.objects.filter(pk__in=[b.pk for b in interrupted], state=ImportBatch.State.RUNNING)
                     .select_for_update().values_list("pk", flat=True))
        interrupted = [batch for batch in interrupted if batch.pk in marked]
        ImportBatch.objects.filter(pk__in=marked).update(state=ImportBatch.State.INTERRUPTED)
        RecordError.objects.bulk_create([
            RecordError(batch=batch, level=RecordError.Level.WARNING, file=f"pid {batch.pid or '?'} on {batch.host or '?'}",
                        reason=f"interrupted: the import's process is gone (last sign of life "
                               f"{(batch.heartbeat_at or batch.started_at):%Y-%m-%d %H:%M:%S} UTC); "
                               "run the import again to finish it, nothing lands twice")
            for batch in interrupted
        ])
    for batch in interrupted:
        batch.state = ImportBatch.State.INTERRUPTED
    return interrupted
