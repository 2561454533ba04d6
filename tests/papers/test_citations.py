"""Citations: BibTeX in arXiv's conventions on every paper page, at /paper/<id>.bib and for a list; plain text."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from papers.site.citations import bibtex, bibtex_name, escape_title, plain_citation
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def make_paper(arxiv_id="2402.19474", authors=("Weiyun Wang", "Yiming Ren", "Ludwig van Beethoven"), **fields):
    defaults = dict(title="The All-Seeing Project V2: Towards General Relation Comprehension of the Open World",
                    published=dt.date(2024, 2, 29), primary_category="cs.CV", categories=["cs.CV", "cs.AI"],
                    version=1)
    paper = PaperFactory(arxiv_id=arxiv_id, authors=list(authors), **{**defaults, **fields})
    SummaryFactory(paper=paper, published=True)
    return paper


def fields_of(entry: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\w+)=\{(.*)\},?$", entry, re.M))


def balanced(text: str) -> bool:
    depth = 0
    for index, char in enumerate(text):
        if char in "{}" and (index == 0 or text[index - 1] != "\\"):
            depth += 1 if char == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def test_bibtex_follows_arxiv_conventions():
    paper = make_paper()
    entry = bibtex(paper, ["Weiyun Wang", "Yiming Ren", "Ludwig van Beethoven"])
    assert entry.startswith("@misc{wang2024allseeing,\n")
    assert fields_of(entry) == {
        "title": "The All-Seeing Project V2: Towards General Relation Comprehension of the Open World",
        "author": "Wang, Weiyun and Ren, Yiming and van Beethoven, Ludwig",
        "year": "2024", "eprint": "2402.19474", "archivePrefix": "arXiv", "primaryClass": "cs.CV",
        "url": "https://arxiv.org/abs/2402.19474",
    }
    assert balanced(entry) and entry.endswith("}\n")


def test_doi_and_journal_when_known_and_specials_escaped():
    paper = make_paper(arxiv_id="2401.00001", title=r"50% of R&D_costs #1: {Braces} ~ ^ \ and $\mathcal{O}(n^2)$",
                       doi="10.1000/xyz_123", journal_ref="J. Mach. Learn. Res. 25 (2024) 1-10 & more")
    entry = bibtex(paper, ["A. B. Writer"])
    found = fields_of(entry)
    assert found["title"] == (r"50\% of R\&D\_costs \#1: \{Braces\} \textasciitilde{} \textasciicircum{} "
                              r"\textbackslash{} and $\mathcal{O}(n^2)$")
    assert found["doi"] == "10.1000/xyz_123"  # read verbatim by BibTeX styles
    assert found["journal"] == r"J. Mach. Learn. Res. 25 (2024) 1-10 \& more"
    assert found["author"] == "Writer, A. B."
    assert balanced(entry)


def test_unbalanced_math_is_escaped_rather_than_breaking_the_file():
    assert escape_title("Bad $x}$ math") == r"Bad \$x\}\$ math"
    assert balanced(escape_title("Bad $x}$ math"))


@pytest.mark.parametrize("name, written", [
    ("Weiyun Wang", "Wang, Weiyun"), ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
    ("Martin Luther King Jr.", "King, Jr., Martin Luther"), ("Plato", "Plato"), ("Wang, Weiyun", "Wang, Weiyun"),
    ("Jean-Benoit Delbrouck", "Delbrouck, Jean-Benoit"), ("Ana {Evil} Smith_", r"Smith\_, Ana \{Evil\}"),
])
def test_bibtex_names(name, written):
    assert bibtex_name(name) == written


def test_plain_text_citation():
    paper = make_paper(doi="10.1000/x")
    assert plain_citation(paper, ["Weiyun Wang", "Yiming Ren"]) == (
        "Weiyun Wang and Yiming Ren (2024). The All-Seeing Project V2: Towards General Relation Comprehension "
        "of the Open World. arXiv:2402.19474 [cs.CV]. doi:10.1000/x. https://arxiv.org/abs/2402.19474"
    )
    assert plain_citation(paper, ["A", "B", "C", "D"]).startswith("A et al. (2024).")


def test_the_paper_page_cites_it(client):
    make_paper()
    page = client.get("/paper/2402.19474/").content.decode()
    assert 'id="cite"' in page and 'href="/paper/2402.19474.bib"' in page
    assert "@misc{wang2024allseeing," in page and "author={Wang, Weiyun and Ren, Yiming and van Beethoven, Ludwig}" in page
    assert "url={http://testserver/paper/2402.19474/}" in page
    assert "Weiyun Wang, Yiming Ren and Ludwig van Beethoven (2024). The All-Seeing Project V2" in page


def test_paper_bib_is_plain_text_bibtex(client):
    make_paper()
    response = client.get("/paper/2402.19474.bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("@misc{wang2024allseeing,") and "eprint={2402.19474}" in body
    assert client.get("/paper/2402.19474v1.bib").content.decode() == body
    assert client.get("/paper/2501.99999.bib").status_code == 404


def test_a_draft_has_no_bibtex(client):
    SummaryFactory(paper=PaperFactory(arxiv_id="2403.00001"))
    assert client.get("/paper/2403.00001.bib").status_code == 404
    assert client.get("/bib/?ids=2403.00001").content == b""
