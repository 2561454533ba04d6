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
from contextlib import contextmanager

# Young collections ten times rarer: the objects they would find are dead by then anyway.
THRESHOLDS = (20_000, 50, 100)


@contextmanager
def bulk_work():
    """Collect rarely, and skip the objects that existed before.

    Frozen objects are skipped by every collection; unfreezing at the end
    hands them back, so a long-lived worker leaks nothing.  A process that
    froze objects itself (gunicorn's, before forking) keeps them frozen.
    """
    thresholds = gc.get_threshold()
    froze = not gc.get_freeze_count()
    if froze:
        gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if froze:
            gc.unfreeze()
