"""JSON Lines, read one way by every JSON Lines format: blank lines skipped, a bad line failing alone."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from .records import ParseFailure
from .sources import InputFile


def json_lines(file: InputFile, *,
               loads: Callable[[str], Any] = json.loads) -> Iterator[tuple[int, Any] | ParseFailure]:
    """Each non-blank line decoded, as (line number, value); a line that is not UTF-8 or not JSON as a ParseFailure.

    ``loads`` may be ``orjson.loads`` (its errors are ``json.JSONDecodeError``s too).
    """
    for line in file.lines():
        if not line.text.strip():
            continue
        if not line.valid:
            yield ParseFailure(file.name, line.number, "invalid UTF-8")
            continue
        try:
            value = loads(line.text)
        except json.JSONDecodeError as exc:
            yield ParseFailure(file.name, line.number, f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        yield line.number, value
