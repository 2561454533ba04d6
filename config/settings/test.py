"""Test settings: the real PostgreSQL and Redis, explicitly.

Tests never fall back to SQLite silently: ``tests/conftest.py`` fails the run
when the services below cannot be reached.  Override with DATABASE_URL /
REDIS_URL in the environment.
"""
import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/paperdesk")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: E402,F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True  # tests that need a real worker switch it off (tests/pipeline)

# A second real database standing in for a PostgreSQL replica (tests/config/test_replica.py): made only
# for tests that ask for it, and read only by those, which turn the router on themselves.  Its tables come
# from the models (a replica's come by replication): the data migrations write through the default database.
DATABASES["replica"] = {  # noqa: F405
    **DATABASES["default"],  # noqa: F405
    "TEST": {"NAME": f"test_{DATABASES['default']['NAME']}_replica", "MIGRATE": False},  # noqa: F405
}
