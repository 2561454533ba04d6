"""gunicorn with the production settings, cached (Redis) or not, on a free port; and its static files."""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.pages import REDIS_CACHE_URL, STATIC_NAME
from bench.pages.client import Connection

BASE_DIR = Path(__file__).resolve().parent.parent.parent
OUT_DIR = BASE_DIR / "bench" / "out"  # gunicorn logs (git-ignored)

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(cached: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=os.urandom(32).hex(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        DATABASE_URL=os.environ["DATABASE_URL"],
        CONN_MAX_AGE="60",
        DEBUG="False",
        # Uncached: the page cache off, and REDIS_URL set but empty so a .env file cannot turn Redis on.
        REDIS_URL=REDIS_CACHE_URL if cached else "",
        PAGE_CACHE="True" if cached else "False",
    )
    return env


def collectstatic() -> Path:
    env = server_env(cached=False)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], cwd=BASE_DIR, env=env, check=True)
    root = subprocess.run(
        [*manage, "shell", "--command", "from django.conf import settings; print(settings.STATIC_ROOT)"],
        cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # (the shell may print a banner first)
    return Path(root)


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


class Gunicorn:
    """gunicorn on a free port, stopped (TERM, then KILL) when the block ends, error or not."""

    def __init__(self, name: str, cached: bool, args: argparse.Namespace):
        self.name, self.cached, self.args = name, cached, args
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = OUT_DIR / f"gunicorn-{name}.log"

    def __enter__(self) -> Gunicorn:
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.args.workers),
            # (gunicorn turns sync workers into gthread ones when given more than one thread)
            "--worker-class", self.args.worker_class,
            "--threads", str(self.args.threads if self.args.worker_class == "gthread" else 1),
            # Load the app before forking: every worker is ready as soon as it exists, so no
            # scenario starts while one worker is still booting (see wait_ready).
            "--preload",
            "--keep-alive", "5", "--graceful-timeout", "10", "--no-control-socket",
            "--worker-tmp-dir", "/dev/shm" if Path("/dev/shm").is_dir() else tempfile.gettempdir(),
            "--error-logfile", str(self.log),
        ]
        with self.log.open("w"):
            pass
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=server_env(self.cached), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        """Until gunicorn answers and all its workers exist.

        A keep-alive connection stays with the worker that accepted it: connections
        opened while only one worker is up would all land on it, halving the throughput.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench.pages: gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            probe = Connection(self.port)
            try:
                status = probe.request(f"/static/{STATIC_NAME}").status
            except (OSError, EOFError):
                status = None
            finally:
                probe.close()
            if status == 200 and len(self.worker_pids()) >= self.args.workers:
                time.sleep(0.2)
                return
            time.sleep(0.1)
        raise SystemExit(f"bench.pages: gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.process.pid:  # ppid
                    pids.append(int(stat.parent.name))
            except (OSError, ValueError, IndexError):
                continue
        return pids if Path("/proc/self/stat").exists() else [0] * self.args.workers

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # gunicorn: graceful shutdown of the workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only what it started
            self.process.wait()

    def __exit__(self, *exc) -> None:
        self.stop()
