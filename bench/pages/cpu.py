"""Who used the CPUs while a scenario ran: the server, the databases, the client, or something else."""
from __future__ import annotations

import os
import time
from pathlib import Path

from django.db import connection

CPU_GROUPS = ("server", "db", "client", "other")


def cpu_ticks(server_session: int | None) -> dict | None:
    """CPU time used so far, in clock ticks, by process (Linux /proc; None elsewhere).

    "busy" is the whole machine; every process is filed under "server" (the
    gunicorn processes: their own session), "db" (Redis, and the PostgreSQL
    backends connected to the bench database), "client" (this process) or nothing.
    """
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        processes = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:  # gone meanwhile
                continue
            comm, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
            pid, session = int(stat.parent.name), int(rest[3])
            if pid == os.getpid():
                group = "client"
            elif server_session is not None and session == server_session:
                group = "server"
            elif comm == "redis-server" or (comm == "postgres" and is_bench_backend(stat.parent)):
                group = "db"
            else:
                continue
            processes[pid] = (group, int(rest[11]) + int(rest[12]))  # utime + stime
        return {"busy": sum(fields) - fields[3] - fields[4], "processes": processes}
    except (OSError, ValueError, IndexError):
        return None


def is_bench_backend(proc: Path) -> bool:
    """A PostgreSQL backend ("postgres: 15/main: user dbname host(port) state") on the bench database."""
    try:
        title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return False
    return connection.settings_dict["NAME"] in title


def cpu_used(before: dict | None, after: dict | None, seconds: float) -> dict[str, float]:
    """CPUs kept busy (1.0 = one CPU all the time) by each group between two ``cpu_ticks``.

    "other" is the machine's busy time minus the three groups: tests, builds,
    anything else that ran meanwhile (and processes of the groups that ended).
    """
    if not before or not after:
        return {}
    hz = os.sysconf("SC_CLK_TCK")
    ticks = dict.fromkeys(CPU_GROUPS, 0)
    for pid, (group, used) in after["processes"].items():
        earlier = before["processes"].get(pid)
        ticks[group] += used - (earlier[1] if earlier and earlier[0] == group else 0)
    ticks["other"] = max(0, after["busy"] - before["busy"] - sum(ticks.values()))
    return {group: value / hz / seconds for group, value in ticks.items()}


def machine_busy(seconds: float = 1.0) -> float:
    """CPUs kept busy, over ``seconds``, by everything (NaN without /proc)."""
    before = cpu_ticks(None)
    time.sleep(seconds)
    used = cpu_used(before, cpu_ticks(None), seconds)
    return sum(used.values()) if used else float("nan")
