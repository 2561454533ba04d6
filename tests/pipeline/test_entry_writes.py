"""What a machine answer writes to the entry: a new entry in one write, and two workers over one new entry."""
from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from papers.models import Generation, Paper, Summary
from papers.services.generation import summary_generate
from papers.services.ingest import import_sources
from papers.summarizers import get_backend


@pytest.fixture
def paper(data_dir):
    import_sources([str(data_dir / "arxiv_api_response.xml")])
    return Paper.objects.get(arxiv_id="2402.19474")


@pytest.mark.django_db
def test_a_new_entry_is_written_once_with_its_machine_text(fake_llm, paper):
    fake_llm("good")
    generation = summary_generate(paper=paper)
    summary = Summary.objects.get(paper=paper)
    assert summary.generation == generation and summary.machine_state == "ok" and summary.summary_language == "zh"
    assert summary.title_zh == generation.output["title_zh"] and summary.key_points_html.startswith("<ul>")
    assert summary.edited_fields() == set()  # every field is the machine's, none counts as an editor's
    (revision,) = summary.history.all()  # no empty entry before the text
    assert (revision.history_type, revision.revision, revision.title_zh) == ("+", 1, summary.title_zh)
    assert summary.revision == 1



def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_an_entry_another_worker_creates_meanwhile_gets_no_second_generation(fake_llm, paper):
    """The other worker's new entry is not yet committed when this one looks, so this one inserts too and waits."""
    server = fake_llm("good")
    input_hash = get_backend().input_hash(paper)
    inserted, failures = threading.Event(), []

    def other_worker():
        try:
            with transaction.atomic():
                summary = Summary.objects.create(paper=paper)
                Generation.objects.create(summary=summary, kind=Generation.Kind.BACKEND, backend="openai",
                                          input_hash=input_hash, output={})
                inserted.set()
                deadline = time.monotonic() + 20
                while not waiting_for_a_lock():  # until this worker's insert waits on ours
                    if time.monotonic() > deadline:
                        raise AssertionError("the second insert never waited")
                    time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
            inserted.set()
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert inserted.wait(10)
    assert summary_generate(paper=paper) is None  # the answer is not recorded a second time
    thread.join(20)
    assert not failures
    assert len(server.calls) == 1 and Generation.objects.filter(summary__paper=paper).count() == 1
