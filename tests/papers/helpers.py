"""Running the import command the way a user does, and reading what it said."""
from __future__ import annotations

import io
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
