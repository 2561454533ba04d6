"""bench.import_snapshot's records: the same seed gives the same bytes, run after run and change after change.

The import's ratio to COPY is compared across runs and commits; a generator
that wrote other text (other line breaks, other words) would move it for no
reason in the code being measured.
"""
from __future__ import annotations

import hashlib
import json

from bench.import_snapshot import snapshot_records, wrap

# The first 300 records as this generator has written them since its vocabulary was last changed.
FIRST_300 = "74a049bebfda2230e4edeaa05f241fb18eddcafe5e341d7418702f22b5386b7b"


def test_the_first_records_are_byte_for_byte_what_they_were():
    digest = hashlib.sha256()
    for item in snapshot_records(300):
        digest.update((json.dumps(item) + "\n").encode())
    assert digest.hexdigest() == FIRST_300


def test_lines_break_before_a_word_that_would_pass_the_width():
    words = ["aaaa", "bb", "cc", "dddddd", "e"]
    assert wrap(words, 7, "\n") == "aaaa bb\ncc\ndddddd\ne"
    assert wrap(words, 10, "|") == "aaaa bb cc|dddddd e"
    assert wrap(["longerthanwidth", "x"], 5, "\n") == "longerthanwidth\nx"
