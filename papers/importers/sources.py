"""Where import bytes come from: files, folders, URLs, standard input.

An :class:`InputFile` can be opened more than once (once to sniff its format,
once to parse it); compressed input (gzip) is read transparently, and lines
are decoded one at a time so that one line of invalid UTF-8 spoils only the
record it belongs to.
"""
from __future__ import annotations

import gzip
import io
import os
import shutil
import sys
import tempfile
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

GZIP_MAGIC = b"\x1f\x8b"
HEAD_BYTES = 64 * 1024


class InputError(Exception):
    """A whole input that cannot be read: empty, binary, unknown format, unreachable."""

    def __init__(self, source: str, reason: str, line: int | None = None):
        super().__init__(reason)
        self.source = source
        self.reason = reason
        self.line = line

    def __str__(self):
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    valid: bool = True  # False when the raw bytes were not valid UTF-8


class InputFile:
    """One input, re-openable, decompressed on the fly."""

    def __init__(self, name: str, opener: Callable[[], BinaryIO], size: int | None = None,
                 path: Path | None = None):
        self.name = name
        self._opener = opener
        self.size = size
        self.path = path  # set for a local file, which another process can open too

    def open(self) -> BinaryIO:
        raw = self._opener()
        magic = raw.read(2)
        raw.seek(0) if raw.seekable() else None
        if magic == GZIP_MAGIC:
            return gzip.GzipFile(fileobj=raw, mode="rb")
        if not raw.seekable():  # pragma: no cover - every opener here is seekable
            raise InputError(self.name, "input is not seekable")
        return raw

    def head(self) -> bytes:
        with self.open() as stream:
            try:
                return stream.read(HEAD_BYTES)
            except (OSError, EOFError) as exc:
                raise InputError(self.name, f"cannot decompress: {exc}") from exc

    def lines(self) -> Iterator[Line]:
        """Decoded lines, numbered from 1, streaming (never the whole file)."""
        for number, raw_line in self.raw_lines():
            try:
                text = raw_line.decode("utf-8")
                valid = True
            except UnicodeDecodeError:
                text = raw_line.decode("utf-8", errors="replace")
                valid = False
            yield Line(number, text.rstrip("\r\n"), valid)

    def raw_lines(self) -> Iterator[tuple[int, bytes]]:
        """The lines as bytes, numbered from 1, without the BOM, for a parser that reads UTF-8 itself (orjson)."""
        with self.open() as stream:
            number = 0
            try:
                for raw_line in stream:
                    number += 1
                    if number == 1 and raw_line.startswith(b"\xef\xbb\xbf"):
                        raw_line = raw_line[3:]  # BOM
                    yield number, raw_line
            except (OSError, EOFError) as exc:
                raise InputError(self.name, f"input is truncated or corrupt: {exc}", line=number + 1) from exc


def _spool(stream: BinaryIO) -> tempfile.SpooledTemporaryFile:
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    shutil.copyfileobj(stream, spool)
    return spool


def _reopenable(spool) -> Callable[[], BinaryIO]:
    data_holder = spool

    def opener():
        data_holder.seek(0)
        return _NonClosing(data_holder)

    return opener


class _NonClosing(io.BufferedIOBase):
    """Lets the same spooled buffer be 'opened' and 'closed' many times."""

    def __init__(self, inner):
        self._inner = inner

    def read(self, size=-1):
        return self._inner.read(size)

    def readline(self, size=-1):
        return self._inner.readline(size)

    def __iter__(self):
        return iter(self._inner.readline, b"")

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return self._inner.seek(offset, whence)

    def tell(self):
        return self._inner.tell()

    def readable(self):
        return True

    def close(self):
        pass


@contextmanager
def opened_url(url: str, *, user_agent: str, timeout: float = 60):
    """An HTTP(S) response with our User-Agent; any network failure, while opening or reading, is an InputError."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) URLs only
            yield response
    except OSError as exc:
        raise InputError(url, f"cannot fetch: {exc}") from exc


def fetch_url(url: str, *, user_agent: str, timeout: float = 60) -> InputFile:
    """A URL as an input file, spooled (to disk past a size) so it can be read more than once."""
    with opened_url(url, user_agent=user_agent, timeout=timeout) as response:
        spool = _spool(response)
    return InputFile(url, _reopenable(spool))


def from_stdin() -> InputFile:
    return InputFile("<stdin>", _reopenable(_spool(sys.stdin.buffer)))


def from_bytes(name: str, data: bytes) -> InputFile:
    return InputFile(name, lambda: io.BytesIO(data), size=len(data))


def from_path(path: Path) -> InputFile:
    return InputFile(str(path), lambda: open(path, "rb"), size=path.stat().st_size, path=path)


def expand(target: str, *, user_agent: str) -> Iterator[InputFile]:
    """A path, folder (walked, sorted, hidden files skipped), URL, or ``-``."""
    if target == "-":
        yield from_stdin()
    elif target.startswith(("http://", "https://")):
        yield fetch_url(target, user_agent=user_agent)
    else:
        path = Path(target)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield from_path(Path(root) / name)
        elif path.is_file():
            yield from_path(path)
        else:
            raise InputError(target, "no such file, folder or URL")
