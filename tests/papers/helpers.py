"""Running the import command the way a user does, and reading what it said; inputs cut short."""
from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import CommandError


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_import(*args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_papers", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return Run(code, out.getvalue(), err.getvalue())


def gzip_cut_short(lines: list[bytes], whole: int) -> bytes:
    """A gzip stream of the first ``whole`` lines that ends halfway through the next one.

    A full flush after those lines makes exactly them readable, whatever the zlib build;
    the next line, compressed alone, is cut in the middle, before its line break.
    """
    compressor = zlib.compressobj(wbits=31)  # gzip framing
    readable = compressor.compress(b"".join(lines[:whole])) + compressor.flush(zlib.Z_FULL_FLUSH)
    cut = compressor.compress(lines[whole]) + compressor.flush(zlib.Z_FULL_FLUSH)
    return readable + cut[: len(cut) // 2]
