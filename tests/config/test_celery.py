"""The Celery app's Django fixup: a worker's database connections between tasks."""
from __future__ import annotations

import psycopg
import pytest
from celery.fixups.django import DjangoFixup
from django.db import connection

from config.celery import app


def worker_fixup():
    (fixup,) = [f for f in app._fixups if isinstance(f, DjangoFixup)]
    return fixup.worker_fixup


def connect(monkeypatch, max_age):
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", max_age)
    connection.ensure_connection()
    return connection.connection


@pytest.mark.django_db(transaction=True)
def test_a_task_keeps_the_connection_of_the_one_before_while_conn_max_age_allows(monkeypatch):
    raw = connect(monkeypatch, 60)
    worker_fixup().close_database()  # what runs before and after every task
    assert connection.connection is raw and not raw.closed


@pytest.mark.django_db(transaction=True)
def test_without_conn_max_age_every_task_gets_a_fresh_connection(monkeypatch):
    raw = connect(monkeypatch, 0)
    worker_fixup().close_database()
    assert connection.connection is None and raw.closed


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_broke_is_not_handed_to_the_next_task(monkeypatch):
    raw = connect(monkeypatch, 60)
    params = {k: v for k, v in connection.get_connection_params().items() if k in ("dbname", "user", "host", "port")}
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [raw.info.backend_pid])  # a server restart, say
    with pytest.raises(Exception):
        connection.cursor().execute("SELECT 1")  # the task that finds out; Django marks the error
    worker_fixup().close_database()
    assert connection.connection is None
