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


def warm_kernel_cache() -> int | None:
    """Read the bench database's tables and indexes once, into the kernel's cache; the blocks read, None if not allowed.

    A server that has been answering for a while holds what its pages read
    in memory; a database just built, or pushed out by another bench's
    writes, is read from the disk instead, and the paper scenario (2,000
    random papers) then measured the disk: 24 blocks a request at 1.3 ms
    each, p99 over 500 ms.  ``pg_prewarm`` in ``read`` mode goes through the
    kernel and leaves PostgreSQL's own buffers as they were, so ``reads/req``
    still counts what each request reads from outside them.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'i', 't') AND n.nspname IN ('public', 'pg_toast') "
                "AND c.relpersistence = 'p' AND pg_relation_filenode(c.oid) IS NOT NULL"
            )
            return int(cursor.fetchone()[0])
    except DatabaseError:
        return None


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
