"""editorial.auth_backend: the same permissions as Django's model backend, read in one query."""
from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from editorial.auth_backend import DeskBackend
from tests.factories import AdminFactory, EditorFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # no permission cache yet


@pytest.mark.parametrize("make", [EditorFactory, ReviewerFactory, AdminFactory])
def test_the_same_permissions_as_the_model_backend_in_one_query(make):
    user = make()
    user.user_permissions.add(Permission.objects.get(codename="view_logentry"))  # one of the user's own
    expected = ModelBackend().get_all_permissions(fresh(user))
    assert "admin.view_logentry" in expected and len(expected) > 1
    user = fresh(user)
    with CaptureQueriesContext(connection) as queries:
        assert DeskBackend().get_all_permissions(user) == expected
        assert user.has_perm("admin.view_logentry") and user.has_perms(sorted(expected))
        assert user.has_perm("papers.no_such_permission") == user.is_superuser  # a superuser may do anything
    assert len(queries) == 1


def test_an_inactive_user_has_none():
    user = EditorFactory(is_active=False)
    assert DeskBackend().get_all_permissions(fresh(user)) == set()
    assert not fresh(user).has_perm("papers.view_summary")


def test_signing_in_is_the_model_backends_and_a_desk_page_reads_permissions_once(client):
    EditorFactory(username="ed")
    assert DeskBackend().authenticate(None, username="ed", password="pw") is None
    response = client.post(reverse("admin:login"), {"username": "ed", "password": "pw", "next": "/admin/"})
    assert response.status_code == 302 and client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:papers_summary_changelist")).status_code == 200
    assert sum('FROM "auth_permission"' in q["sql"] for q in queries) == 1
