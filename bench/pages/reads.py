"""What the bench database read from outside PostgreSQL's buffers while a scenario ran, and how long it waited.

At a million papers the database (14 GB) is far larger than PostgreSQL's
default ``shared_buffers`` (128 MB), and the paper scenario asks for 2,000
random papers: each request reads blocks through the kernel, from its cache
or from the disk.  Whether a slow tail waited on those reads or on the CPU is
told by two figures: blocks read a request, and the milliseconds spent reading
them (PostgreSQL's ``track_io_timing``).
"""
from __future__ import annotations

from django.db import connection
from django.db.utils import DatabaseError


def time_reads() -> bool:
    """Have the bench database's new sessions time their reads; False where that is not allowed.

    ``track_io_timing`` is a superuser's setting; on the database, so it applies to the
    server's connections, which start after this.
    """
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {name} SET track_io_timing = on")
    except DatabaseError:
        return False
    return True


def database_reads() -> tuple[int, float] | None:
    """(blocks read, milliseconds spent reading them) by the bench database so far; None if unknown.

    Called from a thread of its own: its connection is closed again, not left to the thread's end.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT blks_read, blk_read_time FROM pg_stat_database WHERE datname = current_database()")
            blocks, milliseconds = cursor.fetchone()
        return int(blocks), float(milliseconds)
    except DatabaseError:
        return None
    finally:
        connection.close()


def reads_per_request(before: tuple[int, float] | None, after: tuple[int, float] | None,
                      requests: int) -> tuple[float, float] | None:
    """(blocks, ms) read per request between two ``database_reads``."""
    if before is None or after is None or not requests:
        return None
    return (after[0] - before[0]) / requests, (after[1] - before[1]) / requests
