"""papers.importers.author_numbers: a parsing process's people as numbers, and the table that reads them back."""
from __future__ import annotations

from papers.importers.author_numbers import AuthorNumbering, AuthorTable, unpack


def numbers(numbering: AuthorNumbering, names: list[str]) -> list[int]:
    return list(unpack(numbering.numbers(names)))


def test_each_person_has_one_number_whatever_the_spelling():
    numbering = AuthorNumbering()
    assert numbers(numbering, ["Weiyun Wang", "Yiming Ren"]) == [0, 1]
    assert numbers(numbering, ["Yiming Ren", "WEIYUN WANG", "Jifeng Dai"]) == [1, 0, 2]
    # Sent once each, as first spelt, in the order numbered.
    assert numbering.take() == (False, [("weiyun-wang", "Weiyun Wang"), ("yiming-ren", "Yiming Ren"),
                                        ("jifeng-dai", "Jifeng Dai")])
    assert numbers(numbering, ["Jifeng Dai", "Haowen Luo"]) == [2, 3]
    assert numbering.take() == (False, [("haowen-luo", "Haowen Luo")])
    assert numbering.take() == (False, [])


def test_a_person_listed_twice_in_a_paper_keeps_the_first_place():
    numbering = AuthorNumbering()
    assert numbers(numbering, ["Weiyun Wang", "Yiming Ren", "weiyun  wang", "Weiyun Wang"]) == [0, 1]
    assert numbers(numbering, []) == []


def test_past_its_limit_the_numbering_starts_again_after_a_take():
    numbering = AuthorNumbering(limit=2)
    assert numbers(numbering, ["Weiyun Wang", "Yiming Ren", "Jifeng Dai"]) == [0, 1, 2]  # a paper is never split
    assert numbering.take() == (False, [("weiyun-wang", "Weiyun Wang"), ("yiming-ren", "Yiming Ren"),
                                        ("jifeng-dai", "Jifeng Dai")])
    assert numbers(numbering, ["Jifeng Dai"]) == [0]
    assert numbering.take() == (True, [("jifeng-dai", "Jifeng Dai")])
    assert numbers(numbering, ["Yiming Ren"]) == [1]
    assert numbering.take() == (False, [("yiming-ren", "Yiming Ren")])


def test_the_table_reads_numbers_back_as_names():
    numbering, table = AuthorNumbering(), AuthorTable()
    packed = numbering.numbers(["Weiyun Wang", "Yiming Ren", "WEIYUN WANG"])
    table.extend(numbering.take()[1])
    assert [table.names[n] for n in unpack(packed)] == ["Weiyun Wang", "Yiming Ren"]
    assert table.slugs == ["weiyun-wang", "yiming-ren"]
