import pytest

from papers.models import Topic


@pytest.mark.django_db
def test_topics_are_seeded():
    assert set(Topic.objects.values_list("slug", flat=True)) >= {"agent", "llm", "llm-theory", "llm-applications", "rag"}
