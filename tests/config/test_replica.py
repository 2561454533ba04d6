"""Reads from a replica: a second real PostgreSQL database stands in for it.

Nothing replicates between the two test databases, so a row written to the
primary and not copied is exactly a replica lagging behind: where a read finds
it shows which database answered.
"""
from __future__ import annotations

import pytest
from django.core import serializers
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from config.replica import PIN_COOKIE, ReplicaMiddleware
from papers.models import Paper, Summary, Topic
from tests.factories import SummaryFactory

pytestmark = [
    pytest.mark.django_db(databases=["default", "replica"]),
    pytest.mark.usefixtures("routed"),
]

REPLICATED, LAGGING = "2501.00001", "2501.00002"


@pytest.fixture
def routed():
    cache.clear()
    with override_settings(DATABASE_ROUTERS=["config.replica.PrimaryReplicaRouter"]):
        yield
    cache.clear()


def published(arxiv_id: str) -> Summary:
    return SummaryFactory(paper__arxiv_id=arxiv_id, paper__title=f"Paper {arxiv_id}", paper__authors=[],
                          published=True, generation=False)


def replicate(*objects) -> None:
    """Copy rows to the replica as replication would (same primary keys)."""
    for item in serializers.deserialize("python", serializers.serialize("python", objects)):
        item.save(using="replica")


@pytest.fixture
def lagging_replica():
    """Two published papers on the primary; the replica has caught up with the first only."""
    first, second = published(REPLICATED), published(LAGGING)
    replicate(*Topic.objects.all(), first.paper, first)
    assert Paper.objects.using("replica").filter(arxiv_id=REPLICATED).exists()
    assert not Paper.objects.using("replica").filter(arxiv_id=LAGGING).exists()
    return first, second


def test_the_public_pages_read_the_replica(client, lagging_replica):
    assert client.get(f"/paper/{REPLICATED}/").status_code == 200
    assert client.get(f"/paper/{LAGGING}/").status_code == 404  # not on the replica yet


def test_the_desk_reads_the_primary(admin_client, lagging_replica):
    response = admin_client.get("/admin/papers/paper/", {"q": LAGGING})
    assert [p.arxiv_id for p in response.context["cl"].result_list] == [LAGGING]


def test_after_a_post_the_same_client_reads_the_primary_for_a_while(client, lagging_replica, settings):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.cookies[PIN_COOKIE]["max-age"] == settings.REPLICA_PIN_SECONDS
    assert client.get(f"/paper/{LAGGING}/").status_code == 200
    client.cookies.pop(PIN_COOKIE)  # the pin expired
    cache.clear()  # (the page the primary rendered is cached for everyone, rightly: it is the newer one)
    assert client.get(f"/paper/{LAGGING}/").status_code == 404


def test_a_request_reads_its_own_writes(lagging_replica):
    seen = []

    def view(request):
        seen.append(Paper.objects.filter(arxiv_id=LAGGING).exists())  # before any write: the replica
        Topic.objects.create(slug="written", name_zh="写", name_en="Written")
        seen.append(Paper.objects.filter(arxiv_id=LAGGING).exists())  # after one: the primary
        return HttpResponse("ok")

    ReplicaMiddleware(view)(RequestFactory().get("/anything/"))
    assert seen == [False, True]
    assert Topic.objects.filter(slug="written").exists()
    assert not Topic.objects.using("replica").filter(slug="written").exists()  # writes never go to the replica


def test_outside_a_request_everything_reads_the_primary(lagging_replica):
    """Celery tasks and commands write then read: they never see a lagging replica."""
    assert Paper.objects.filter(arxiv_id=LAGGING).exists()
    assert Summary.objects.filter(paper__arxiv_id=LAGGING).exists()


def test_only_published_content_is_read_from_the_replica(client, admin_user, lagging_replica):
    """Sessions and users are read where they were written: a login works at once."""
    client.force_login(admin_user)
    assert client.get(f"/paper/{REPLICATED}/").status_code == 200
    assert connections["replica"].settings_dict["NAME"] != connections["default"].settings_dict["NAME"]
