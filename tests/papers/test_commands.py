"""``import_papers`` and ``export_papers`` as a user runs them."""
from __future__ import annotations

import functools
import http.server
import io
import json
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
from django.core.management import call_command

from papers.models import Digest, ImportBatch, Paper, RecordError, Summary, Topic

from tests.factories import SnapshotItemFactory
from tests.pipeline.conftest import arxiv_api  # noqa: F401 - the recorded arXiv API, served locally

from .helpers import run_import

pytestmark = pytest.mark.django_db(transaction=True)
MANAGE = Path(__file__).resolve().parents[2] / "manage.py"



def write(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


def test_imports_a_folder_and_prints_a_table(seed_digest):
    result = run_import(str(seed_digest.parent), "--publish")
    assert result.code == 0, result.err
    assert "000_d5c0faa7ab539173.txt  digest-md" in result.out and "003_2b154e7610c01647.txt  hexo" in result.out
    assert result.out.splitlines()[-2].split()[1:] == ["42", "0", "0", "0"]
    assert "progress: 28 records" in result.err  # plain progress lines when not on a terminal
    batch = ImportBatch.objects.get()
    assert (batch.state, batch.created, batch.format) == ("done", 42, "digest-md,hexo")
    assert Summary.objects.published().count() == 42


@pytest.mark.parametrize(
    "name, data, line, reason",
    [
        ("empty.md", b"", 1, "file is empty"),
        ("blank.md", b"\n \n", 1, "file is empty"),
        ("junk.bin", bytes(range(256)) * 4, 1, "binary data"),
        ("latin1.txt", "Caf\xe9 ol\xe9 ".encode("latin-1") * 200, 1, "not UTF-8"),
        ("notes.txt", b"hello world\nnothing to see\n", 1, "unknown format"),
    ],
)
def test_unreadable_files_fail_with_file_line_and_reason(tmp_path, seed_digest, name, data, line, reason):
    bad = write(tmp_path, name, data)
    result = run_import(bad, str(seed_digest))
    assert result.code == 1
    error = RecordError.objects.get(level="error")
    assert (error.file, error.line) == (bad, line) and reason in error.reason
    assert f"error: {bad}:{line}: " in result.err
    assert Paper.objects.count() == 28  # the good file still landed


def test_broken_entries_fail_alone(tmp_path, seed_digest):
    lines = seed_digest.read_text(encoding="utf-8").splitlines(keepends=True)
    entry = lines[0:6]  # 2402.19474, six lines
    no_link = ["#### [没有链接的标题](https://example.org/x)\n"] + lines[7:12]  # 2402.19465 without its link
    cut_short = lines[12:15]  # 2402.19464: headings and date, abstracts missing
    text = "".join(entry + no_link + entry + cut_short + lines[18:24])
    data = text.encode("utf-8").replace("大家的是全新升级".encode(), b"\xff\xfe\xfd", 1)  # invalid UTF-8 in the 1st
    path = write(tmp_path, "broken.md", data)
    result = run_import(path)
    assert result.code == 1
    errors = {e.line: e.reason for e in RecordError.objects.filter(level="error")}
    assert "invalid UTF-8" in errors[4]
    assert "no arXiv link" in errors[7]
    assert "cut short" in errors[19]
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"2402.19474", "2402.19449"}
    # line 13 is the same entry as line 1 again: the first copy was broken (invalid UTF-8), this one lands


def test_duplicate_entry_in_one_file(tmp_path, seed_digest):
    lines = seed_digest.read_text(encoding="utf-8").splitlines(keepends=True)
    path = write(tmp_path, "dup.md", "".join(lines[0:6] + lines[6:12] + lines[0:6]))
    result = run_import(path)
    assert result.code == 1
    error = RecordError.objects.get(level="error")
    assert error.line == 13 and "duplicate" in error.reason and "line 1" in error.reason
    assert Paper.objects.count() == 2


def test_malformed_json_lines_fail_alone(tmp_path):
    good, also_good = (json.dumps(item) for item in SnapshotItemFactory.create_batch(2))
    text = "\n".join([good, '{"id": "2401.99999", "title": ', also_good, "[1, 2]"])
    result = run_import(write(tmp_path, "snap.jsonl", text))
    assert result.code == 1
    errors = {e.line: e.reason for e in RecordError.objects.filter(level="error")}
    assert set(errors) == {2, 4} and "malformed JSON" in errors[2] and "not an object" in errors[4]
    assert Paper.objects.count() == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "nope", "x.md"], "error: argument --format: invalid choice: 'nope'"),
        (["missing.md"], "CommandError: no such file or folder: missing.md"),
        (["--batch-size", "0", "x.md"], "CommandError: --batch-size must be at least 1"),
        ([], "CommandError: nothing to import: give files, folders, URLs or -, or --arxiv-range FROM TO"),
        (["--arxiv-range", "2024-03-01", "March 4"], "error: argument --arxiv-range: “March 4” is not a date (YYYY-MM-DD)"),
        (["--arxiv-range", "2024-03-04", "2024-03-01"], "CommandError: --arxiv-range ends (2024-03-01) before it starts (2024-03-04)"),
        (["x.md", "--arxiv-range", "2024-03-01", "2024-03-04"], "CommandError: give files or --arxiv-range, not both"),
    ],
    ids=["unknown-format", "missing-path", "bad-batch-size", "no-target", "range-not-a-date", "range-backwards",
         "range-and-files"],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    (tmp_path / "x.md").write_text("x")
    proc = subprocess.run(
        [sys.executable, str(MANAGE), "import_papers", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr


def test_format_override(seed_digest):
    result = run_import(str(seed_digest), "--format", "arxiv-snapshot")
    assert result.code == 1 and Paper.objects.count() == 0  # read as JSON Lines, every line is malformed
    assert RecordError.objects.filter(reason__startswith="malformed JSON").count() == 28 * 6  # every line


def test_reads_standard_input(monkeypatch, seed_digest):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(seed_digest.read_bytes())))
    result = run_import("-")
    assert result.code == 0 and Paper.objects.count() == 28


def test_reads_a_url(seed_digest):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(seed_digest.parent))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{seed_digest.name}"
        result = run_import(url)
        missing = run_import(f"http://127.0.0.1:{server.server_port}/nope.md")
    finally:
        server.shutdown()
    assert result.code == 0 and Paper.objects.count() == 28
    assert missing.code == 1 and "cannot fetch" in RecordError.objects.get(level="error").reason


def test_export_then_import_into_an_empty_database_reproduces_everything(tmp_path, seed_digest, seed_hexo):
    assert run_import(str(seed_digest), "--publish").code == 0
    assert run_import(str(seed_hexo)).code == 0
    edited = Summary.objects.get(paper__arxiv_id="2401.12215")
    edited.title_zh = "少即是多：参数高效微调推进医学视觉基础模型"
    edited.save()
    first = tmp_path / "first.jsonl"
    call_command("export_papers", "--output", str(first), stderr=io.StringIO())

    for model in (Digest, Paper, Topic, ImportBatch):
        model.objects.all().delete()
    assert run_import(str(first)).code == 0
    second = tmp_path / "second.jsonl"
    call_command("export_papers", "--output", str(second), stderr=io.StringIO())

    def body(path):
        return path.read_text(encoding="utf-8").splitlines()[1:]  # past the header with its timestamp

    assert body(first) == body(second)
    restored = Summary.objects.get(paper__arxiv_id="2401.12215")
    assert restored.title_zh.endswith("推进医学视觉基础模型") and restored.edited_fields() == {"title_zh"}
    assert Summary.objects.published().count() == 28 and Digest.objects.get(date="2024-02-29").status == "published"
    assert run_import(str(first)).out.splitlines()[-2].split()[1:] == ["0", "0", "42", "0"]


def test_arxiv_range_backfills_from_the_search_api(arxiv_api):
    result = run_import("--arxiv-range", "2024-02-29", "2024-02-29", "--categories", "cs.CL cs.CV")
    assert result.code == 0, result.err
    batch = ImportBatch.objects.get()
    assert (batch.created, batch.failed, batch.started_by) == (3, 0, "backfill:2024-02-29..2024-02-29")
    [(path, agent)] = arxiv_api["requests"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["search_query"]
    assert query == ["(cat:cs.CL OR cat:cs.CV) AND submittedDate:[202402290000 TO 202402292359]"]
    assert agent.startswith("Paperdesk/")
    assert "total" in result.out and f"import batch #{batch.pk}: {batch.get_state_display()}" in result.out
