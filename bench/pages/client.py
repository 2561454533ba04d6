"""The load generator: keep-alive HTTP/1.1 connections in threads, measuring throughput and latency.

A hand-written client rather than a library: it must add almost nothing per
request (the static file answers in a fraction of a millisecond) and must
see the ``X-Cache`` header of every answer.
"""
from __future__ import annotations

import itertools
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bench.pages.cpu import cpu_ticks, cpu_used
from bench.pages.reads import database_reads, reads_per_request

if TYPE_CHECKING:
    from bench.pages.server import Gunicorn

@dataclass
class Response:
    status: int
    size: int
    cache: str  # X-Cache header: "hit", "miss" or ""


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1; reconnects when the server closes it.

    It also starts a new connection every ``REQUESTS_PER_CONNECTION`` requests, as
    browsers and proxies do now and then: a gthread worker keeps every connection it
    accepted, so without that a chance imbalance between the workers would last the
    whole scenario.
    """

    REQUESTS_PER_CONNECTION = 100

    def __init__(self, port: int):
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = bytearray()
        self.served = 0

    def connect(self) -> None:
        self.close()
        self.served = 0
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buffer.clear()

    def request(self, path: str) -> Response:
        # Accept-Encoding as browsers send it: the static file and cached pages then go compressed, as to readers.
        message = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUser-Agent: bench.pages\r\n"
                   f"Accept-Encoding: gzip, deflate, br\r\n\r\n").encode()
        reused = self.sock is not None
        if not reused:
            self.connect()
        try:
            self.sock.sendall(message)
            return self.read_response()
        except (ConnectionError, EOFError):
            if not reused:
                raise
            self.connect()  # the server closed an idle keep-alive connection: once more, on a new one
            self.sock.sendall(message)
            return self.read_response()

    def fill(self) -> None:
        chunk = self.sock.recv(262144)
        if not chunk:
            raise EOFError("connection closed by the server")
        self.buffer += chunk

    def read_response(self) -> Response:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self.fill()
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            size = int(headers["content-length"])
            while len(self.buffer) < size:
                self.fill()
            del self.buffer[:size]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            size = self.read_chunked()
        else:  # body until the server closes
            try:
                while True:
                    self.fill()
            except EOFError:
                pass
            size = len(self.buffer)
            self.close()
        self.served += 1
        if headers.get("connection", "").lower() == "close" or self.served >= self.REQUESTS_PER_CONNECTION:
            self.close()
        return Response(status, size, headers.get("x-cache", ""))

    def read_chunked(self) -> int:
        total = 0
        while True:
            while (end := self.buffer.find(b"\r\n")) < 0:
                self.fill()
            length = int(bytes(self.buffer[:end]).split(b";")[0], 16)
            del self.buffer[: end + 2]
            while len(self.buffer) < length + 2:
                self.fill()
            del self.buffer[: length + 2]
            total += length
            if length == 0:
                return total  # (no trailers from gunicorn)


@dataclass
class Result:
    name: str
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: dict[str, int] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    body_bytes: int = 0  # of the measured answers, as sent (compressed where they were)
    cpu: dict[str, float] = field(default_factory=dict)  # CPUs used by group while measured (see cpu_ticks)
    reads: tuple[float, float] | None = None  # blocks and ms the database read per request (see bench.pages.reads)
    note: str = ""

    @property
    def size(self) -> float:
        """The mean size of an answer's body in bytes: a scenario of several URLs has pages of several sizes."""
        return self.body_bytes / len(self.latencies) if self.latencies else 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency in ms at percentile ``p`` (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))] * 1000


def load(name: str, server: Gunicorn, paths: list[str], *, connections: int, warmup: float, duration: float) -> Result:
    """``connections`` threads, each on its own keep-alive connection, requesting ``paths`` in turn.

    Throughput: the requests that complete in the ``duration`` seconds after
    ``warmup``.  Latency: every request that was running during that window —
    also those still running when it closes (they are waited for, no new ones
    start), so that slow pages are not left out of the percentiles.
    """
    counter = itertools.count()
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + duration
    result = Result(name)
    lock = threading.Lock()
    cpu_marks: list[dict | None] = []
    read_marks: list[tuple[int, float] | None] = []
    port = server.port

    def client() -> None:
        conn = Connection(port)
        latencies, errors, hits, misses, size, completed = [], {}, 0, 0, 0, 0
        try:
            while (now := time.perf_counter()) < stop_at:
                path = paths[next(counter) % len(paths)]
                try:
                    response, problem = conn.request(path), None
                except (OSError, EOFError) as exc:
                    conn.close()
                    response, problem = None, type(exc).__name__
                done = time.perf_counter()
                if response is not None and response.status != 200:
                    problem = f"HTTP {response.status}"
                completed += not problem and measure_from <= done <= stop_at
                if done < measure_from:
                    continue
                if problem:
                    errors[problem] = errors.get(problem, 0) + 1
                    continue
                latencies.append(done - now)
                size += response.size
                hits += response.cache == "hit"
                misses += response.cache == "miss"
        finally:
            conn.close()
            with lock:
                result.requests += completed
                result.latencies += latencies
                for problem, count in errors.items():
                    result.errors[problem] = result.errors.get(problem, 0) + count
                result.hits += hits
                result.misses += misses
                result.body_bytes += size

    def mark_cpu() -> None:
        time.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu_marks.append(cpu_ticks(server.process.pid))
        read_marks.append(database_reads())
        time.sleep(max(0.0, stop_at - time.perf_counter()))
        cpu_marks.append(cpu_ticks(server.process.pid))
        time.sleep(1.1)  # a backend reports its reads at most once a second
        read_marks.append(database_reads())

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    threads.append(threading.Thread(target=mark_cpu, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = duration
    if len(cpu_marks) == 2:
        result.cpu = cpu_used(*cpu_marks, duration)
    if len(read_marks) == 2:
        result.reads = reads_per_request(*read_marks, result.requests)
    return result


def prime(port: int, paths: list[str]) -> tuple[int, int]:
    """Request every path once (fills the page cache); returns (non-200 answers, cache hits)."""
    conn, failed, hits = Connection(port), 0, 0
    try:
        for path in paths:
            response = conn.request(path)
            failed += response.status != 200
            hits += response.cache == "hit"
    finally:
        conn.close()
    return failed, hits
