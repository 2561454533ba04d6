"""Parsing a large file in a second process, a few batches ahead of the writer.

An import does two kinds of work: turning lines into records (Python) and
writing them (mostly the database's).  In one process they take turns; with
the parsing in a child process they overlap, which is much of what keeps a
snapshot import within a few times a raw COPY on a two-core server (see
``bench/import_snapshot.py``).

Local files above ``BACKGROUND_MIN_BYTES`` are parsed this way; URLs,
standard input and small files in-process.  Either way the items arrive in the
same order with the same failures, and an error that ends the input (a
truncated gzip stream, say) is raised where the parsing reached it.  If no
child can start, or one stops before sending anything, the file is parsed
in-process after all.

The child is a plain ``python -m papers.importers.reader FORMAT PATH [--encode-papers LIMIT]``
that writes pickled chunks of items to a pipe, each behind its length, so a
child killed in the middle of a message (the pipe is full more often than
not) is told apart from a message this process cannot read: unlike ``multiprocessing`` it
copies none of the parent's threads or connections, never re-imports the
caller's main script, and may be started from a daemon process such as a
Celery prefork worker.  It imports only the importers, which need no Django
settings.  A thread in the parent keeps reading the pipe into a bounded
queue, so the child can run a couple of batches ahead, and no further.
"""
from __future__ import annotations

import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from papers.importers.bulkgc import bulk_work

from . import get
from . import author_numbers
from .author_numbers import AuthorNumbering, AuthorTable
from .paper_rows import EncodedPaper, encoded
from .records import PaperRecord, Parsed, prepared
from .sources import InputError, InputFile, from_path

# Starting an interpreter costs about a tenth of a second; below this size the
# parsing is over before a child would have started.
BACKGROUND_MIN_BYTES = 8 * 2**20
CHUNK = 250  # items per message
AHEAD = 16  # messages buffered in the parent: a couple of batches, so memory stays flat
POLL_SECONDS = 5  # how often a parent waiting for items checks that they can still come
PROJECT_ROOT = Path(__file__).resolve().parents[2]
LENGTH = struct.Struct("<Q")  # in front of every message
ENCODE_PAPERS = "--encode-papers"

logger = logging.getLogger(__name__)


def parsed(module: ModuleType, file: InputFile, *, encode_papers: bool = False) -> Iterator[Parsed | EncodedPaper]:
    """Every item of ``file``, parsed by ``module``, with the keys the ingest needs.

    With ``encode_papers``, a parsing process sends a record that only makes a
    paper as an EncodedPaper (its row for PostgreSQL's binary COPY); parsed
    in-process, records stay records.
    """
    if file.path is None or (file.size or 0) < BACKGROUND_MIN_BYTES:
        return _in_this_process(module, file)
    return _from_child(module, file, encode_papers)


def _in_this_process(module: ModuleType, file: InputFile) -> Iterator[Parsed]:
    return map(prepared, module.parse(file))


def _from_child(module: ModuleType, file: InputFile, encode_papers: bool) -> Iterator[Parsed | EncodedPaper]:
    """The child's items; in-process instead if no child can start or it dies before its first item.

    ``sys.executable`` is not always a Python that can run this project
    (embedded interpreters), and the parsing is worth more than the overlap.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "papers.importers.reader", module.FORMAT, str(file.path),
             *([ENCODE_PAPERS, str(author_numbers.LIMIT)] if encode_papers else [])],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
        )
    except OSError as exc:
        logger.warning("cannot start a parsing process (%s); parsing %s in this one", exc, file.name)
        yield from _in_this_process(module, file)
        return
    started = in_process = False
    messages: queue.Queue = queue.Queue(maxsize=AHEAD)
    pump = threading.Thread(target=_pump, args=(child.stdout, messages), name="paperdesk-parse-pipe", daemon=True)
    pump.start()
    try:
        while True:
            try:
                kind, payload = messages.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if pump.is_alive():
                    continue  # the child is slow (a huge record), not gone
                kind, payload = "gone", None
            if kind == "items":
                started = True
                yield from payload
            elif kind == "end":
                return
            elif kind == "input error":
                source, reason, line = payload
                raise InputError(source, reason, line=line)
            elif kind == "crash":
                raise RuntimeError(f"parsing {file.name} failed in the parsing process:\n{payload}")
            elif started:  # the pipe closed without an ending: the child was killed
                raise InputError(file.name, f"the parsing process stopped (exit code {child.wait()})")
            else:
                logger.warning("the parsing process stopped before its first item (exit code %s); parsing %s "
                               "in this one", child.wait(), file.name)
                in_process = True
                break
    finally:
        child.kill()
        while pump.is_alive():  # let the pump see the pipe close, however full its queue is
            try:
                messages.get(timeout=0.1)
            except queue.Empty:
                pass
        child.wait()
        child.stdout.close()
    if in_process:
        yield from _in_this_process(module, file)


def _pump(pipe, messages: queue.Queue) -> None:
    """Parent side: messages off the pipe into the queue, until an ending or the pipe closes.

    Whatever stops it is sent on as a message, so the parent never waits on a
    thread that is gone.  The authors the child numbered are kept here, and
    each encoded paper is given the table its numbers refer to.
    """
    table = AuthorTable()
    while True:
        try:
            message = _receive(pipe)
        except OSError:
            message = None
        except Exception:  # noqa: BLE001 - a message this process cannot read (code changed under it?)
            messages.put(("crash", traceback.format_exc()))
            return
        if message is None:
            messages.put(("gone", None))
            return
        if message[0] == "authors":
            restarted, people = message[1]
            if restarted:
                table = AuthorTable()
            table.extend(people)
            continue
        if message[0] == "items":
            for item in message[1]:
                if isinstance(item, EncodedPaper):
                    item.table = table
        messages.put(message)
        if message[0] != "items":
            return


def _send(out, message: tuple) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(LENGTH.pack(len(data)))
    out.write(data)


def _receive(pipe) -> tuple | None:
    """The next message; None once the pipe has closed, between messages or inside one."""
    header = pipe.read(LENGTH.size)
    if len(header) < LENGTH.size:
        return None
    (size,) = LENGTH.unpack(header)
    data = pipe.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def _parse_into(format: str, path: str, out, people: AuthorNumbering | None = None) -> None:
    """Child side: parse, and send the items in chunks (blocking while the parent is behind).

    With ``people``, new papers go as EncodedPapers, their authors as numbers:
    the people a chunk numbered first are sent just before it.
    """
    chunk = []

    def send_chunk():
        if people is not None:
            _send(out, ("authors", people.take()))
        _send(out, ("items", chunk))

    try:
        for item in get(format).parse(from_path(Path(path))):
            item = prepared(item)
            chunk.append(encoded(item, people) if people is not None and isinstance(item, PaperRecord) else item)
            if len(chunk) >= CHUNK:
                send_chunk()
                chunk = []
    except InputError as exc:
        end = ("input error", (exc.source, exc.reason, exc.line))
    except Exception:  # noqa: BLE001 - sent to the parent, which raises it
        end = ("crash", traceback.format_exc())
    else:
        end = ("end", None)
    if chunk:
        send_chunk()
    _send(out, end)
    out.flush()


if __name__ == "__main__":
    # The pipe is this process's stdout; anything printed goes to stderr instead.
    pipe = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        options = sys.argv[3:]
        numbering = AuthorNumbering(int(options[options.index(ENCODE_PAPERS) + 1])) if ENCODE_PAPERS in options else None
        with bulk_work():
            _parse_into(sys.argv[1], sys.argv[2], pipe, numbering)
    except BrokenPipeError:  # the parent stopped reading
        pass
