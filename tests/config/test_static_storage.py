"""config.static_storage: whitenoise's storage, each file's URL worked out once."""
from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.test import override_settings
from whitenoise.storage import CompressedStaticFilesStorage

from config.static_storage import StaticFilesStorage


def test_urls_are_whitenoises_and_remembered():
    ours, theirs = StaticFilesStorage(), CompressedStaticFilesStorage()
    for name in ("css/site.css", "js/reading-list.js", "vendor/katex/katex.min.css", "a file/with spaces?.js"):
        assert ours.url(name) == theirs.url(name)
    assert (ours.base_url, "css/site.css") in ours._urls
    ours._urls[(ours.base_url, "css/site.css")] = "/remembered.css"  # the second answer comes from the memory
    assert ours.url("css/site.css") == "/remembered.css"


def test_the_sites_storage_is_this_one_and_follows_static_url():
    assert static("css/site.css").endswith("css/site.css")
    assert type(staticfiles_storage._wrapped) is StaticFilesStorage  # (evaluated by the call above)
    with override_settings(STATIC_URL="https://cdn.example/s/"):
        assert static("css/site.css") == "https://cdn.example/s/css/site.css"
    assert not static("css/site.css").startswith("https://cdn.example/")


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr("config.static_storage.URLS_KEPT", 3)
    storage = StaticFilesStorage()
    for n in range(10):
        assert storage.url(f"f{n}.js").endswith(f"f{n}.js")
    assert len(storage._urls) <= 3
