"""bench.pages.reads: the database's reads per request, from PostgreSQL's own statistics."""
from __future__ import annotations

import pytest
from django.db import connection

from bench.pages.reads import database_reads, reads_per_request, warm_kernel_cache


@pytest.mark.django_db
def test_the_database_reads_are_read_from_its_statistics():
    with connection.cursor() as cursor:
        cursor.execute("SELECT blks_read, blk_read_time FROM pg_stat_database WHERE datname = current_database()")
        blocks, _ = cursor.fetchone()
    reads = database_reads()
    assert reads is not None
    assert isinstance(reads[0], int) and isinstance(reads[1], float)
    assert reads[0] >= blocks  # the same counter, read later


def test_reads_per_request_divide_the_difference_by_the_requests():
    assert reads_per_request((100, 10.0), (340, 16.0), 120) == (2.0, 0.05)
    assert reads_per_request(None, (340, 16.0), 120) is None
    assert reads_per_request((100, 10.0), (340, 16.0), 0) is None


@pytest.mark.django_db
def test_the_kernel_cache_is_warmed_with_every_index_and_table():
    with connection.cursor() as cursor:  # every index has a block at least (its metapage), empty or not
        cursor.execute("SELECT count(*), sum(pg_relation_size(c.oid) / current_setting('block_size')::int) "
                       "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.relkind = 'i' AND n.nspname = 'public'")
        indexes, index_blocks = cursor.fetchone()
    assert indexes > 50
    assert warm_kernel_cache() >= index_blocks >= indexes
