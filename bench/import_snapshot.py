"""Import benchmark: ``import_sources`` against PostgreSQL COPY, on the arXiv snapshot.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/paperdesk_bench \\
        python -m bench.import_snapshot --n 100000

Generates N synthetic records in the schema of arXiv's metadata snapshot (Kaggle
"arxiv-metadata-oai-snapshot", JSON Lines), empties the paper tables, imports
the file with the ingest service, then loads the same rows with COPY into a
bare table, and prints both times, records per second, peak RSS and, as the
last line, ``ratio: X.XX`` (import time ÷ COPY time).

Why COPY is the baseline: it is the fastest way PostgreSQL takes rows in (one
statement streaming every row, no per-row round trips, and here no ORM, no
constraints, no indexes), so no importer can beat it.  Both sides read the
same file and parse every line (COPY with the standard library's ``json``, as
it has since the first run so that ratios stay comparable; the import with
orjson); what the ratio measures is therefore everything the ingest service
does beyond storing the fields: normalizing, upserting keyed on the arXiv id,
authors and authorships, indexes, per-batch transactions and bookkeeping.

The import runs in a child process so that its peak RSS is its own (neither
generating the file nor COPY counts), and so does the parsing process it
starts for a large file; compare ``--n 10000`` with ``--n 100000`` to see
whether memory stays flat as N grows.

The database is created when missing and migrated on every run; its paper
tables are emptied on every run, so point DATABASE_URL at a throwaway database.
DEBUG defaults to off, as in production (with it Django keeps every query's SQL).
"""
from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import django
import psycopg
from django.core.management import call_command
from django.db import connection
from psycopg import sql
from psycopg.types.json import Jsonb

from bench.cli import at_least_one
from bench.results import save
from bench.vocabulary import english_words

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/paperdesk_bench"
SEED = 20240229

# Everything an import writes; emptied before every run so each run is a fresh import.
PAPER_TABLES = (
    "papers_authorship", "papers_author", "papers_digestentry", "papers_generation", "papers_summary",
    "papers_paper", "papers_recorderror", "papers_importbatch", "taggit_taggeditem", "taggit_tag",
)
COPY_TABLE = "bench_snapshot_copy"
# The snapshot's fields, in its own order; the JSON ones become jsonb columns.
SNAPSHOT_FIELDS = (
    "id", "submitter", "authors", "title", "comments", "journal-ref", "doi", "report-no",
    "categories", "license", "abstract", "versions", "update_date", "authors_parsed",
)
JSON_FIELDS = {"versions", "authors_parsed"}


# --- synthetic snapshot --------------------------------------------------------

FIRST_NAMES = """
    Wei Jing Yang Xin Hao Lei Min Yu Chen Jun Li Tao Yan Zhi Ming Hui Ying Fang Kai Bo
    James John Robert Michael David William Richard Thomas Daniel Matthew Andrew Mark
    Mary Jennifer Linda Sarah Emily Anna Laura Julia Maria Elena Sofia Clara Alice
    Hiroshi Takashi Yuki Kenji Akira Soo-Min Ji-Hoon Min-Jun Arjun Priya Rahul Ananya
    Vikram Deepak Sanjay Ahmed Omar Fatima Yusuf Ali Mehmet Ayşe Giovanni Luca Marco
    Pierre Jean-Luc Étienne Hélène François Jürgen Klaus Stefan Lukas Jörg Ingrid
    Lars Sven Nils Pavel Dmitry Sergey Olga Irina Tomasz Piotr Agnieszka José Pablo
""".split()
LAST_NAMES = """
    Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo
    Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai
    Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore
    Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King
    Tanaka Suzuki Takahashi Watanabe Yamamoto Nakamura Kobayashi Kim Lee Park Choi Jung
    Kang Cho Yoon Sharma Gupta Singh Kumar Patel Reddy Iyer Nair Rao Das Mukherjee
    Rossi Russo Ferrari Bianchi Romano Colombo Dubois Lefèvre Moreau Laurent Girard
    Müller Schmidt Schneider Fischer Weber Becker Hoffmann Schäfer Koch Richter
    Ivanov Petrov Smirnov Kuznetsov Popov Nowak Kowalski Wiśniewski García Martínez
    López González Rodríguez Fernández Pérez Sánchez Yilmaz Kaya Demir Hassan Haddad
""".split()
MIDDLE_INITIALS = ("", "A.", "J.", "M.", "S.", "K.")
CATEGORIES = """
    cs.CL cs.AI cs.LG cs.CV cs.IR cs.RO cs.CR cs.SE cs.DC cs.HC cs.NE cs.MA stat.ML
    math.OC math.ST eess.SP eess.AS q-bio.NC econ.EM quant-ph hep-th hep-ph gr-qc
    astro-ph.GA cond-mat.mtrl-sci cond-mat.stat-mech physics.optics physics.comp-ph
""".split()
WORDS = """
    language model models large learning neural network networks training data method
    methods approach propose proposed show results performance task tasks benchmark
    benchmarks evaluation evaluate dataset datasets reasoning retrieval augmented
    generation agent agents reinforcement policy reward alignment human feedback
    instruction tuning fine-tuning pretraining pre-trained transformer attention
    representation representations embedding embeddings graph graphs knowledge
    inference efficient efficiency scalable scaling parameters computation memory
    robust robustness adversarial generalization zero-shot few-shot in-context prompt
    prompting chain-of-thought multimodal vision visual image images video text
    semantic structure structured framework novel state-of-the-art baseline baselines
    significantly improves improvement outperforms existing prior work while however
    moreover furthermore specifically particular across diverse domains real-world
    experiments experimental analysis theoretical empirical demonstrate extensive
    the the the of of of and and and to to in in a a for for with on that we our is
    are by this from as which can be it these their both than under over between
""".split()
SENTENCE_WORDS = (10, 28)
ABSTRACT_WORDS = (150, 250)
TITLE_WORDS = (6, 14)
AUTHOR_COUNTS = range(1, 13)
AUTHOR_WEIGHTS = (9, 15, 16, 14, 11, 9, 7, 5, 4, 3, 2, 5)
LICENSES = (
    None,
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    "http://creativecommons.org/licenses/by/4.0/",
    "http://creativecommons.org/licenses/by-nc-sa/4.0/",
)


def name_pool(rng: random.Random) -> list[tuple[str, str]]:
    """(last, first) for every plausible person, shuffled so the frequent ones are random."""
    people = [
        (last, f"{first} {initial}".strip())
        for first, initial, last in itertools.product(FIRST_NAMES, MIDDLE_INITIALS, LAST_NAMES)
    ]
    rng.shuffle(people)
    return people


def wrap(words: list[str], width: int, separator: str) -> str:
    """Break lines the way the snapshot does (titles: "\\n  ", abstracts: "\\n")."""
    # Each line's length kept as it grows, its words joined once: the generator spent a quarter of its
    # time here (a million records take minutes), and the text must stay the same for the same seed.
    lines, line, length = [], [words[0]], len(words[0])
    for word in words[1:]:
        if length + 1 + len(word) > width:
            lines.append(" ".join(line))
            line, length = [word], len(word)
        else:
            line.append(word)
            length += 1 + len(word)
    lines.append(" ".join(line))
    return separator.join(lines)


def title(rng: random.Random) -> str:
    words = english_words(rng, rng.randint(*TITLE_WORDS))
    words = [w.capitalize() if len(w) > 3 else w for w in words]
    words[0] = words[0].capitalize()
    if rng.random() < 0.3:
        words[0] += ":"
    return wrap(words, 66, "\n  ")


def abstract(rng: random.Random) -> str:
    target, words = rng.randint(*ABSTRACT_WORDS), []
    while len(words) < target:
        sentence = english_words(rng, rng.randint(*SENTENCE_WORDS))
        sentence[0], sentence[-1] = sentence[0].capitalize(), sentence[-1] + "."
        words += sentence
    return "  " + wrap(words, 80, "\n") + "\n"


def rfc822(moment: dt.datetime) -> str:
    """"Mon, 2 Apr 2007 19:18:42 GMT", as the snapshot writes version dates."""
    return moment.strftime(f"%a, {moment.day} %b %Y %H:%M:%S GMT")


def versions(rng: random.Random, month: dt.date) -> tuple[list[dict], dt.date]:
    """1-3 versions, the first within ``month``; and the day of the last one."""
    moment = dt.datetime(month.year, month.month, rng.randint(1, 28)) + dt.timedelta(seconds=rng.randint(0, 86_399))
    history = [{"version": "v1", "created": rfc822(moment)}]
    for number in range(2, rng.choices((1, 2, 3), weights=(6, 3, 1))[0] + 1):
        moment += dt.timedelta(days=rng.randint(1, 120), seconds=rng.randint(0, 86_399))
        history.append({"version": f"v{number}", "created": rfc822(moment)})
    return history, moment.date()


def comments(rng: random.Random, people: list[tuple[str, str]]) -> str | None:
    roll = rng.random()
    if roll < 0.3:
        return None
    pages = f"{rng.randint(4, 40)} pages, {rng.randint(1, 12)} figures"
    if roll < 0.4:
        return f"{pages}. Code: https://github.com/{people[0][0].lower()}/{rng.choice(WORDS)}-{rng.randint(1, 99)}"
    if roll < 0.5:
        return f"{pages}, accepted at ACL {rng.randint(2019, 2025)}"
    return pages


def record(rng: random.Random, arxiv_id: str, month: dt.date, pool: list[tuple[str, str]]) -> dict:
    count = rng.choices(AUTHOR_COUNTS, weights=AUTHOR_WEIGHTS)[0]
    # Squaring skews the draw: a few people write many papers, most write few.
    people = list(dict.fromkeys(pool[int(len(pool) * rng.random() ** 2)] for _ in range(count)))
    names = [f"{first} {last}" for last, first in people]
    history, last_version = versions(rng, month)
    journal_ref = f"Phys. Rev. D {rng.randint(60, 110)}:{rng.randint(10, 99)}, {month.year}"
    return {
        "id": arxiv_id,
        "submitter": names[0],
        "authors": names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1],
        "title": title(rng),
        "comments": comments(rng, people),
        "journal-ref": journal_ref if rng.random() < 0.15 else None,
        "doi": f"10.{rng.randint(1000, 9999)}/{arxiv_id}" if rng.random() < 0.2 else None,
        "report-no": f"ANL-HEP-PR-{month:%y}-{rng.randint(1, 99)}" if rng.random() < 0.03 else None,
        "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
        "license": rng.choice(LICENSES),
        "abstract": abstract(rng),
        "versions": history,
        "update_date": (last_version + dt.timedelta(days=rng.randint(0, 30))).isoformat(),
        "authors_parsed": [[last, first, ""] for last, first in people],
    }


def snapshot_records(n: int, seed: int = SEED) -> Iterator[dict]:
    """N records with unique, increasing new-style ids (1501.00001 …), one at a time."""
    rng = random.Random(seed)
    pool = name_pool(rng)
    month, number = dt.date(2015, 1, 1), 0
    for _ in range(n):
        number += rng.randint(1, 4)
        if number > 29_999:
            month, number = (month + dt.timedelta(days=31)).replace(day=1), 1
        yield record(rng, f"{month:%y%m}.{number:05d}", month, pool)


def write_snapshot(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for item in snapshot_records(n):
            out.write(json.dumps(item) + "\n")


# --- database ------------------------------------------------------------------

def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DEBUG", "False")
    django.setup()


def ensure_database() -> None:
    """Create the database when it does not exist yet, then bring it up to date."""
    settings = connection.settings_dict
    server = {key: settings[key.upper()] for key in ("host", "port", "user", "password") if settings[key.upper()]}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings["NAME"])))
    call_command("migrate", verbosity=0)


def truncate_papers() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(PAPER_TABLES)} RESTART IDENTITY CASCADE")


# --- the two loads ---------------------------------------------------------------

def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS so far of this process, or of its largest finished child (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def import_in_child(path: str) -> dict:
    """Runs in a fresh (spawned) process: the import and nothing else."""
    setup_django()
    from papers.models import RecordError
    from papers.services.ingest import IngestOptions, import_sources

    rss_before = peak_rss_mb()
    started = time.perf_counter()
    batch = import_sources([path], options=IngestOptions(), started_by="bench")
    seconds = time.perf_counter() - started
    errors = RecordError.objects.filter(batch=batch).values_list("line", "reason")[:5]
    return {
        "seconds": seconds, "created": batch.created, "failed": batch.failed, "batch": batch.pk,
        "errors": list(errors), "rss_before": rss_before, "rss_peak": peak_rss_mb(),
        "rss_parser": peak_rss_mb(resource.RUSAGE_CHILDREN),
    }


def run_import(path: Path) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(import_in_child, str(path)).result()


def copy_row(item: dict) -> tuple:
    return tuple(Jsonb(item[name]) if name in JSON_FIELDS else item[name] for name in SNAPSHOT_FIELDS)


def run_copy(path: Path) -> float:
    """Seconds to COPY every line of ``path`` into a bare table (dropped afterwards)."""
    columns = ", ".join(
        f"{name.replace('-', '_')} {'jsonb' if name in JSON_FIELDS else 'text'}" for name in SNAPSHOT_FIELDS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        cursor.execute(f"CREATE TABLE {COPY_TABLE} ({columns})")
        try:
            started = time.perf_counter()
            with path.open(encoding="utf-8") as lines, cursor.copy(f"COPY {COPY_TABLE} FROM STDIN") as copy:
                for line in lines:
                    copy.write_row(copy_row(json.loads(line)))
            return time.perf_counter() - started
        finally:
            cursor.execute(f"DROP TABLE {COPY_TABLE}")


# --- command ---------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.import_snapshot", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=at_least_one, default=100_000, help="number of records (default: 100000)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    if connection.vendor != "postgresql":
        print(f"bench.import_snapshot needs PostgreSQL; DATABASE_URL points to {connection.vendor}.", file=sys.stderr)
        return 2
    ensure_database()
    with tempfile.TemporaryDirectory(prefix="paperdesk-bench-") as folder:
        path = Path(folder) / "arxiv-metadata-oai-snapshot.jsonl"
        started = time.perf_counter()
        write_snapshot(path, args.n)
        size = path.stat().st_size / 2**20
        print(f"generated {args.n} records ({size:.1f} MB) in {time.perf_counter() - started:.1f} s")
        truncate_papers()
        imported = run_import(path)
        if imported["created"] != args.n or imported["failed"]:
            print(
                f"FAILED: import created {imported['created']} of {args.n} papers, {imported['failed']} failed "
                f"(ImportBatch #{imported['batch']}); first errors: {imported['errors']}",
                file=sys.stderr,
            )
            return 1
        copy_seconds = run_copy(path)
    import_seconds = imported["seconds"]
    print(f"records: {args.n}")
    print(f"import: {import_seconds:.2f} s, {args.n / import_seconds:,.0f} records/s")
    print(f"COPY:   {copy_seconds:.2f} s, {args.n / copy_seconds:,.0f} records/s")
    print(f"peak RSS, import process: {imported['rss_peak']:.1f} MB (Django set up: {imported['rss_before']:.1f} MB)")
    print(f"peak RSS, its parsing process: {imported['rss_parser']:.1f} MB")
    print(f"peak RSS, main process (generate + COPY): {peak_rss_mb():.1f} MB")
    print(f"ratio: {import_seconds / copy_seconds:.2f}")
    save("import_snapshot", {
        "records": args.n, "import_s": round(import_seconds, 2), "copy_s": round(copy_seconds, 2),
        "ratio": round(import_seconds / copy_seconds, 3), "rss_peak_mb": round(imported["rss_peak"], 1),
        "rss_parser_mb": round(imported["rss_parser"], 1),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
