import pytest

from papers.models import Topic


@pytest.mark.django_db
def test_topics_are_seeded():
    assert list(Topic.objects.values_list("slug", "name_zh", "name_en")) == [  # in their order on the site
        ("llm", "LLM", "LLM"), ("llm-theory", "LLM理论", "LLM Theory"), ("llm-applications", "LLM应用", "LLM Applications"),
        ("agent", "Agent", "Agents"), ("rag", "RAG", "RAG"),
    ]
