"""The garbage collector's settings for bulk work (an import, and its parsing process).

An import allocates millions of short-lived objects, nearly all freed by
reference counting the moment a batch is written.  With the default settings
they still set off a young collection every 700 allocations and, every so
often, a full one that walks every object the process holds: all of Django,
each time.  On a 100,000-record snapshot that was a quarter of the importing
process's time and a tenth of the parsing one's.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

# Young collections ten times rarer: the objects they would find are dead by then anyway.
THRESHOLDS = (20_000, 50, 100)


_lock = threading.Lock()
_depth = 0  # bulk work under way in this process (two imports may run in two threads)
_saved: tuple = ()


@contextmanager
def bulk_work():
    """Collect rarely, and skip the objects that existed before.

    Frozen objects are skipped by every collection; unfreezing at the end
    hands them back, so a long-lived worker leaks nothing.  A process that
    froze objects itself (gunicorn's, before forking) keeps them frozen.
    The first of overlapping imports changes the settings, the last one
    puts them back.
    """
    global _depth, _saved
    with _lock:
        if not _depth:
            _saved = (gc.get_threshold(), not gc.get_freeze_count())
            if _saved[1]:
                gc.freeze()
            gc.set_threshold(*THRESHOLDS)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if not _depth:
                thresholds, froze = _saved
                gc.set_threshold(*thresholds)
                if froze:
                    gc.unfreeze()
