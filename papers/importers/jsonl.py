"""JSON Lines, read one way by every JSON Lines format: blank lines skipped, a bad line failing alone."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from .records import ParseFailure
from .sources import InputFile


def json_lines(file: InputFile, *,
               loads: Callable[[str | bytes], Any] = json.loads) -> Iterator[tuple[int, Any] | ParseFailure]:
    """Each non-blank line decoded, as (line number, value); a line that is not UTF-8 or not JSON as a ParseFailure.

    ``loads`` may be ``orjson.loads`` (its errors are ``json.JSONDecodeError``s too).  Each line goes to
    ``loads`` as its bytes, which both read as UTF-8: decoding every line to text first was half of
    reading a snapshot's lines.  Only a line that fails is decoded, to say why.
    """
    for number, data in file.raw_lines():
        try:
            yield number, loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            failure = _failure(file.name, number, data, loads)
            if failure is not None:
                yield failure


def _failure(source: str, number: int, data: bytes, loads) -> ParseFailure | None:
    """Why a line failed, read from its text; None for a blank line (nothing to read, nothing wrong)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not text.strip():
        return None
    if text is None:
        return ParseFailure(source, number, "invalid UTF-8")
    try:
        loads(text)
    except json.JSONDecodeError as exc:
        return ParseFailure(source, number, f"malformed JSON: {exc.msg} at column {exc.colno}")
    return ParseFailure(source, number, "malformed JSON")  # pragma: no cover - bytes and text read alike
