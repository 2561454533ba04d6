"""papers.importers.detect / get: format sniffing, pure (no database)."""
from __future__ import annotations

import gzip

import pytest

from papers.importers import (
    FORMATS,
    arxiv_atom,
    arxiv_snapshot,
    detect,
    digest_md,
    get,
    hexo,
    paperdesk_export,
)
from papers.importers.sources import InputError, from_bytes, from_path

EXPORT = (
    '{"paperdesk_export": 1, "exported_at": "2024-03-01T00:00:00+00:00"}\n'
    '{"kind": "topic", "slug": "agent", "name_zh": "智能体", "name_en": "Agent"}\n'
)

# Bytes as os.urandom might give them, fixed: NULs, control bytes, high bytes.
BINARY_JUNK = bytes.fromhex(
    "8f3a00d1e27b0004ff9c5e0010a7c3b2e1f0000093cc7d1a00be44f102000000"
    "7f454c4602010100000000000000000003003e0001000000a0cb000000000000"
)
# Not UTF-8 and no NUL: Latin-1 / random high bytes.
NOT_UTF8 = bytes(range(0x80, 0x100)) * 8


def test_seed_digest_is_digest_md(seed_digest):
    assert detect(from_path(seed_digest)) is digest_md


def test_seed_hexo_is_hexo(seed_hexo):
    assert detect(from_path(seed_hexo)) is hexo


def test_atom_response(data_dir):
    assert detect(from_path(data_dir / "arxiv_api_response.xml")) is arxiv_atom


def test_snapshot(data_dir):
    assert detect(from_path(data_dir / "arxiv_snapshot_sample.jsonl")) is arxiv_snapshot


def test_paperdesk_export():
    assert detect(from_bytes("export.jsonl", EXPORT.encode())) is paperdesk_export


def test_gzipped_seed_digest_is_digest_md(seed_digest):
    data = gzip.compress(seed_digest.read_bytes())
    assert data[:2] == b"\x1f\x8b"
    file = from_bytes("000.txt.gz", data)
    assert detect(file) is digest_md
    assert len([r for r in digest_md.parse(file) if r.__class__.__name__ == "PaperRecord"]) == 28


def test_gzipped_snapshot(data_dir):
    data = gzip.compress((data_dir / "arxiv_snapshot_sample.jsonl").read_bytes())
    assert detect(from_bytes("snapshot.jsonl.gz", data)) is arxiv_snapshot


def test_utf8_bom_before_hexo_front_matter(seed_hexo):
    assert detect(from_bytes("post.md", b"\xef\xbb\xbf" + seed_hexo.read_bytes())) is hexo


def test_hexo_post_without_front_matter():
    text = "## A Title\n**Authors:Ann Author**\n\nAbstract.\n\n[PDF](http://arxiv.org/abs/2401.12215v1)\n"
    assert detect(from_bytes("post.md", text.encode())) is hexo


def test_snapshot_line_with_only_authors_parsed():
    line = '{"id": "2402.19474", "title": "T", "authors_parsed": [["Wang", "Weiyun", ""]]}\n'
    assert detect(from_bytes("s.jsonl", line.encode())) is arxiv_snapshot


def test_plain_atom_feed_without_arxiv_is_unknown():
    text = '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title></feed>\n'
    with pytest.raises(InputError, match="unknown format"):
        detect(from_bytes("blog.xml", text.encode()))


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"   \n\t\n  \r\n", "empty"),
        (BINARY_JUNK, "binary"),
        (NOT_UTF8, "binary"),
        (b"hello world\n", "unknown format"),
        (b'{"some": "json"}\n', "unknown format"),
        (b"# Just a heading\n\nSome text without any arXiv link.\n", "unknown format"),
    ],
    ids=["empty", "whitespace", "binary-junk", "not-utf8", "hello-world", "other-json", "markdown-without-arxiv"],
)
def test_detect_refuses(data, words):
    with pytest.raises(InputError) as caught:
        detect(from_bytes("input.bin", data))
    error = caught.value
    assert words in error.reason
    assert error.source == "input.bin" and error.line == 1
    assert str(error).startswith("input.bin:1: ")


def test_unknown_format_lists_the_known_ones():
    with pytest.raises(InputError) as caught:
        detect(from_bytes("hello.txt", b"hello world"))
    for name in FORMATS:
        assert name in caught.value.reason
    assert "--format" in caught.value.reason


def test_empty_gzip_is_empty():
    with pytest.raises(InputError, match="empty"):
        detect(from_bytes("empty.gz", gzip.compress(b"")))


def test_corrupt_gzip():
    with pytest.raises(InputError, match="cannot decompress"):
        detect(from_bytes("bad.gz", b"\x1f\x8b" + BINARY_JUNK))


@pytest.mark.parametrize(
    "name, module",
    [
        ("digest-md", digest_md),
        ("hexo", hexo),
        ("arxiv-atom", arxiv_atom),
        ("arxiv-snapshot", arxiv_snapshot),
        ("paperdesk", paperdesk_export),
    ],
)
def test_get_by_name(name, module):
    assert get(name) is module
    assert module.FORMAT == name


def test_get_unknown_name():
    with pytest.raises(InputError, match="unknown format"):
        get("bibtex")
