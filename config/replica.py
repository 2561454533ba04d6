"""Public reads from a PostgreSQL replica; writes, the desk and read-your-writes from the primary.

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database,
this router and ``ReplicaMiddleware``.  Reads go to the replica only where the
middleware allows it: a safe (GET/HEAD) request outside the desk, from a
client that has not written in the last ``REPLICA_PIN_SECONDS``, and only for
the published content (the ``papers`` and ``taggit`` tables: sessions, users
and the rest are read where they are written).  Everything else reads the
primary: the desk (``/admin/``), Celery tasks and commands (no request),
the rest of a request once it has written, and a client's requests for a few
seconds after a POST (a cookie), so nobody misses their own change while the
replica catches up.
"""
from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
PIN_COOKIE = "primary_pin"
REPLICA_APPS = {"papers", "taggit"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and any(path.endswith(".PrimaryReplicaRouter") for path in settings.DATABASE_ROUTERS)


class PrimaryReplicaRouter:
    """``DATABASE_ROUTERS`` entry: see the module's docstring."""

    def db_for_read(self, model, **hints):
        if _replica_reads.get() and model._meta.app_label in REPLICA_APPS:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        _replica_reads.set(False)  # read your own write for the rest of this request
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica gets its schema by replication


class ReplicaMiddleware:
    """Decides per request whether its reads may use the replica, and pins writers to the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = (
            replica_configured()
            and request.method in SAFE_METHODS
            and not request.path.startswith(settings.REPLICA_PRIMARY_PATHS)
            and PIN_COOKIE not in request.COOKIES
        )
        token = _replica_reads.set(allowed)
        try:
            response = self.get_response(request)
        finally:
            _replica_reads.reset(token)
        if replica_configured() and request.method not in SAFE_METHODS:
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True, samesite="Lax",
                                secure=request.is_secure())
        return response
