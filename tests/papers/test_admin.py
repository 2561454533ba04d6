"""The admin pages for papers render with the seed digests imported."""
import pytest
from django.urls import reverse

from papers.models import Digest, ImportBatch, Paper, Summary
from papers.services.ingest import import_sources

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(seed_digest, seed_hexo):
    import_sources([str(seed_digest), str(seed_hexo)])


@pytest.mark.parametrize("model", [Paper, Summary, Digest, ImportBatch])
def test_changelist_and_change_pages_render(admin_client, seeded, model):
    meta = model._meta
    response = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200
    obj = model.objects.first()
    response = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    assert response.status_code == 200


def test_import_batch_page_lists_its_errors_and_warnings(admin_client, seeded):
    batch = ImportBatch.objects.get()
    response = admin_client.get(reverse("admin:papers_importbatch_change", args=[batch.pk]))
    assert "structured summary links to arXiv 2302.08134" in response.content.decode()
