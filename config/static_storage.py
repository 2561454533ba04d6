"""Static files as whitenoise stores them, each file's URL worked out once per process."""
from __future__ import annotations

from whitenoise.storage import CompressedStaticFilesStorage

URLS_KEPT = 1024


class StaticFilesStorage(CompressedStaticFilesStorage):
    """whitenoise's compressed storage; ``url`` remembered per base URL and name.

    Every page asks for the same handful of files (the style sheet, the icon,
    the scripts, KaTeX's): seven ``{% static %}`` on a search page, each
    quoting and joining its path again, 6% of the page's Python.  The base URL
    is part of the key, so a changed ``STATIC_URL`` (tests override it) is
    answered afresh.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, str], str] = {}

    def url(self, name):
        key = (self.base_url, name)
        url = self._urls.get(key)
        if url is None:
            if len(self._urls) >= URLS_KEPT:  # bounded, should a caller ever pass names without end
                self._urls.clear()
            url = self._urls[key] = super().url(name)
        return url
