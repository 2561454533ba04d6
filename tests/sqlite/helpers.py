"""What the SQLite job's tests share: the seeds, and running ``manage.py`` on a SQLite file as the demo does."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "demo" / "seeds"  # the two real digests: 28 entries and 14
SEED_PAPERS = 42
SEED_AUTHORSHIPS = 92  # only the Hexo seed lists authors
ASMV2 = "2402.19474"  # The All-Seeing Project V2, first entry of seed 000


@dataclass
class Run:
    code: int
    out: str
    err: str


def demo_env(database: Path) -> dict[str, str]:
    """The environment of ``manage.py`` as the demo runs it, on the SQLite file ``database``.

    REDIS_URL is set, and empty, so that a ``.env`` file cannot turn Redis on.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", DATABASE_URL=f"sqlite:///{database}", REDIS_URL="")
    return env


def manage(*args: str, database: Path) -> Run:
    """``manage.py ARGS`` in a subprocess with the demo's settings, on the SQLite file ``database``."""
    proc = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=demo_env(database), capture_output=True,
                          text=True, timeout=120)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def start(*args: str, database: Path) -> subprocess.Popen:
    """``manage.py ARGS`` started in the background, like :func:`manage`; ``communicate()`` to wait for it."""
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=demo_env(database),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def query(database: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the SQLite file ``database``, read directly (no Django)."""
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()
