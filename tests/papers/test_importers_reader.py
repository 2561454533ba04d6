"""papers.importers.reader: a large file is parsed in a child process, with the same results.

``BACKGROUND_MIN_BYTES`` is lowered so that small files take the child's path;
the child itself is the real one (``python -m papers.importers.reader``).
"""
from __future__ import annotations

import json
import os
from itertools import groupby
from pathlib import Path

import pytest

from bench.import_snapshot import snapshot_records
from papers.importers import arxiv_snapshot, author_numbers, digest_md, hexo, reader
from papers.importers.paper_rows import EncodedPaper
from papers.importers.records import PaperRecord, ParseFailure, author_slug, prepared
from papers.importers.sources import InputError, from_bytes, from_path

from .helpers import gzip_cut_short

RECORDS = 600  # more than two of the child's chunks


@pytest.fixture
def snapshot(tmp_path) -> Path:
    """A snapshot with a broken line and a duplicate among good records."""
    lines = [json.dumps(item) for item in snapshot_records(RECORDS, seed=7)]
    lines[10] = '{"id": "2401.00001", "title": '  # malformed JSON
    lines[400] = lines[399]  # the same paper twice
    path = tmp_path / "snapshot.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def in_child(monkeypatch):
    monkeypatch.setattr(reader, "BACKGROUND_MIN_BYTES", 0)


def parsed_in_process(module, path: Path) -> list:
    assert path.stat().st_size < reader.BACKGROUND_MIN_BYTES
    items = reader.parsed(module, from_path(path))
    assert not hasattr(items, "gi_code")  # a plain map over the parser
    return list(items)


def test_small_files_urls_and_stdin_are_parsed_in_process(snapshot):
    assert not hasattr(reader.parsed(arxiv_snapshot, from_bytes("-", snapshot.read_bytes())), "gi_code")
    assert len(parsed_in_process(arxiv_snapshot, snapshot)) == RECORDS


def test_the_child_gives_the_same_items_in_the_same_order(snapshot, monkeypatch):
    expected = parsed_in_process(arxiv_snapshot, snapshot)
    monkeypatch.setattr(reader, "BACKGROUND_MIN_BYTES", 0)
    items = reader.parsed(arxiv_snapshot, from_path(snapshot))
    assert items.gi_code.co_name == "_from_child"
    got = list(items)
    assert got == expected
    failures = [item for item in got if isinstance(item, ParseFailure)]
    assert [(f.line, f.reason.split(":")[0]) for f in failures] == [(11, "malformed JSON"), (401, "duplicate entry")]


def test_the_child_can_send_new_papers_as_copy_rows_that_read_back_as_the_records(snapshot, seed_hexo, in_child):
    expected = [prepared(item) for item in arxiv_snapshot.parse(from_path(snapshot))]
    got = list(reader.parsed(arxiv_snapshot, from_path(snapshot), encode_papers=True))
    assert len(got) == len(expected)
    assert all(isinstance(item, EncodedPaper) for item in got if not isinstance(item, ParseFailure))
    assert [item.record() if isinstance(item, EncodedPaper) else item for item in got] == expected
    # A record that makes more than a paper (an entry, a digest) comes whole.
    hexo_items = list(reader.parsed(hexo, from_path(seed_hexo), encode_papers=True))
    assert hexo_items and not any(isinstance(item, EncodedPaper) for item in hexo_items)


def test_authors_travel_as_numbers_whose_table_restarts_past_its_limit(snapshot, in_child, monkeypatch):
    """The parent sets the child's limit: past it both sides start a new table, and every paper reads its names back."""
    monkeypatch.setattr(author_numbers, "LIMIT", 40)
    expected = [item for item in map(prepared, arxiv_snapshot.parse(from_path(snapshot)))
                if isinstance(item, PaperRecord)]
    got = [item for item in reader.parsed(arxiv_snapshot, from_path(snapshot), encode_papers=True)
           if not isinstance(item, ParseFailure)]
    assert len(got) == len(expected) == RECORDS - 2
    # A table is full once it holds 40 people; a new one starts with the next chunk of 250 items (the
    # first two chunks hold a failure each).
    assert [len(list(run)) for _, run in groupby(got, key=lambda item: id(item.table))] == [249, 249, 100]
    for paper, record in zip(got, expected, strict=True):
        people = {author_slug(name): name for name in reversed(record.authors)}  # each person as first listed
        assert paper.record().authors == [people[slug] for slug in dict.fromkeys(map(author_slug, record.authors))]


def test_other_formats_go_through_the_child_too(seed_digest, seed_hexo, in_child):
    for module, seed, papers in ((digest_md, seed_digest, 28), (hexo, seed_hexo, 14)):
        items = list(reader.parsed(module, from_path(seed)))
        assert sum(isinstance(item, PaperRecord) for item in items) == papers
        assert items == [prepared(item) for item in module.parse(from_path(seed))]


def test_an_input_error_arrives_after_the_records_before_it(snapshot, tmp_path, in_child):
    truncated = tmp_path / "snapshot.jsonl.gz"
    truncated.write_bytes(gzip_cut_short(snapshot.read_bytes().splitlines(keepends=True), 450))
    items = reader.parsed(arxiv_snapshot, from_path(truncated))
    assert items.gi_code.co_name == "_from_child"
    received = []
    with pytest.raises(InputError, match="truncated or corrupt") as error:
        for item in items:
            received.append(item)
    # Every line before the cut, the broken and the duplicate one among them as failures.
    failed = {11, 401}
    assert [(type(item), item.line) for item in received] == [
        (ParseFailure if line in failed else PaperRecord, line) for line in range(1, 451)]
    assert (error.value.source, error.value.line) == (str(truncated), 451)


def test_stopping_early_stops_the_child(tmp_path, in_child):
    path = tmp_path / "big.jsonl"  # more than the parent's queue and the pipe hold: the child waits
    path.write_text("".join(json.dumps(item) + "\n" for item in snapshot_records(8000, seed=5)), encoding="utf-8")
    items = reader.parsed(arxiv_snapshot, from_path(path))
    next(items)
    assert len(_processes_reading(path)) == 1
    items.close()
    assert _processes_reading(path) == []


def _processes_reading(path: Path, with_pid: bool = False) -> list[str]:
    """Command lines of live parsing processes reading ``path`` (Linux's /proc)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if "papers.importers.reader" in command and str(path) in command and state != "Z":
            found.append(f"{pid} {command}" if with_pid else command)
    return found


def test_a_child_that_dies_is_an_input_error_after_what_it_sent(tmp_path, in_child):
    import signal

    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in snapshot_records(8000, seed=5)), encoding="utf-8")
    items = reader.parsed(arxiv_snapshot, from_path(path))
    received = [next(items)]
    (child,) = _pids_reading(path)  # blocked: the parent's queue and the pipe are full
    os.kill(child, signal.SIGKILL)
    with pytest.raises(InputError, match=r"the parsing process stopped \(exit code -9\)"):
        received.extend(items)
    assert 1 < len(received) < 8000  # how far it got depends on timing; what it sent is whole and in order
    assert [(type(item), item.line) for item in received] == [(PaperRecord, n) for n in range(1, len(received) + 1)]


def test_an_unexpected_error_in_the_child_is_sent_with_its_traceback(monkeypatch):
    import io
    import types

    from papers import importers

    def parse(file):
        yield ParseFailure(file.name, 1, "first line")
        raise KeyError("a bug")

    monkeypatch.setitem(importers.FORMATS, "buggy", types.SimpleNamespace(FORMAT="buggy", parse=parse))
    out = io.BytesIO()
    reader._parse_into("buggy", __file__, out)
    out.seek(0)
    (kind, items), (end, traceback) = reader._receive(out), reader._receive(out)
    assert kind == "items" and items == [ParseFailure(__file__, 1, "first line")]
    assert end == "crash" and "KeyError: 'a bug'" in traceback


def _pids_reading(path: Path) -> list[int]:
    return [int(command.split(" ", 1)[0]) for command in _processes_reading(path, with_pid=True)]


def test_a_message_the_parent_cannot_read_is_a_crash_not_a_hang():
    """A parsing process running newer code than the parent (mid-deploy) must not leave the import waiting."""
    import io
    import queue

    from papers.importers.records import PAPER_RECORD_FIELDS, _rebuilt_record

    class FromNewerCode:
        def __reduce__(self):
            names = (*PAPER_RECORD_FIELDS, "added_later")
            return _rebuilt_record, (names, ("2402.19474", *[None] * len(PAPER_RECORD_FIELDS)))

    pipe = io.BytesIO()
    reader._send(pipe, ("items", [FromNewerCode()]))
    reader._send(pipe, ("end", None))
    pipe.seek(0)
    messages: queue.Queue = queue.Queue()
    reader._pump(pipe, messages)
    kind, traceback = messages.get_nowait()
    assert kind == "crash" and "added_later" in traceback


def test_an_encoded_paper_laid_out_by_other_code_is_a_crash():
    import io
    import queue

    from papers.importers import paper_rows

    class FromOtherCode:
        def __reduce__(self):
            return paper_rows._rebuilt_encoded, ((*paper_rows.LAYOUT, "added_later"), ("2402.19474",) + (None,) * 6)

    pipe = io.BytesIO()
    reader._send(pipe, ("items", [FromOtherCode()]))
    pipe.seek(0)
    messages: queue.Queue = queue.Queue()
    reader._pump(pipe, messages)
    kind, traceback = messages.get_nowait()
    assert kind == "crash" and "added_later" in traceback


def test_a_message_cut_short_is_the_child_gone_not_a_crash():
    """A child killed while writing leaves half a message in the pipe: that is the child stopping."""
    import io
    import queue

    whole = io.BytesIO()
    reader._send(whole, ("items", [ParseFailure("f", n, "x") for n in range(1, 50)]))
    for cut in (3, len(whole.getvalue()) - 1):
        messages: queue.Queue = queue.Queue()
        reader._pump(io.BytesIO(whole.getvalue()[:cut]), messages)
        assert messages.get_nowait() == ("gone", None)
    messages = queue.Queue()
    reader._pump(io.BytesIO(whole.getvalue()), messages)
    assert messages.get_nowait()[0] == "items" and messages.get_nowait() == ("gone", None)


def test_overlapping_bulk_work_puts_the_collector_back_when_the_last_one_ends():
    import gc
    import threading

    from papers.importers.bulkgc import THRESHOLDS, bulk_work

    before = gc.get_threshold()
    first_inside, second_done = threading.Event(), threading.Event()

    def first():
        with bulk_work():
            first_inside.set()
            second_done.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_inside.wait(10)
    with bulk_work():
        pass
    assert gc.get_threshold() == THRESHOLDS and gc.get_freeze_count()  # the first is still at work
    second_done.set()
    thread.join(10)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


@pytest.mark.parametrize("executable", ["/bin/false", "/nonexistent/python"])
def test_without_a_working_child_the_file_is_parsed_in_process(snapshot, in_child, monkeypatch, executable, caplog):
    """An embedded interpreter's sys.executable cannot run the parser: parse here rather than fail the file."""
    import sys

    expected = [prepared(item) for item in arxiv_snapshot.parse(from_path(snapshot))]
    monkeypatch.setattr(sys, "executable", executable)
    assert list(reader.parsed(arxiv_snapshot, from_path(snapshot))) == expected
    assert "in this one" in caplog.text
