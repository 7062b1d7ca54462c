"""Throughput of the AMPECO tenant simulator, measured over real sockets.

The simulator runs as a separate process, started through the real command line
(``python -m pulumi_ampeco.cli sim ...``), so the clients here and the server do not share a GIL.
For each database (``:memory:`` and a SQLite file in a temporary directory) it measures reads
(GET of one location, GET of a listing page of 100) and writes (POST create, PATCH update), each
with 1 client and with 8 concurrent clients (threads, each with its own keep-alive
``httpx.Client``). Every measurement stops after ``--requests`` requests or ``--seconds`` seconds,
whichever comes first. Non-2xx answers and transport errors are counted; the exit status is 1 if
there were any.

Everything talks to 127.0.0.1 only.

    python bench/sim_throughput.py [--requests 2000] [--seconds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

HOST = "127.0.0.1"
TOKEN = "bench-token"
API = "/public-api/resources"
LOCATIONS = f"{API}/locations/v2.0"
READY_LINE = "AMPECO tenant simulator listening on "
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
REQUEST_TIMEOUT = 30.0
MAX_ERROR_SAMPLES = 5
OPERATIONS = ("get_item", "list_page", "create", "update")
DATABASES = ("memory", "file")
SEED_CLIENTS = 8


# --- the simulator process -----------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the process does not exit in time (or the wait is interrupted)."""
    try:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_TIMEOUT)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """The base URL from the simulator's first line of output."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        for line in text.splitlines():
            if line.startswith(READY_LINE):
                url = line[len(READY_LINE) :].strip()
                if not url.startswith(f"http://{HOST}:"):
                    raise RuntimeError(f"simulator listens on {url}, expected {HOST}")
                return url
        if process.poll() is not None:
            raise RuntimeError(f"simulator exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    raise RuntimeError(f"simulator did not start within {START_TIMEOUT:.0f} s")


@contextlib.contextmanager
def simulator(db: str, workdir: Path) -> Iterator[Server]:
    """A simulator process on 127.0.0.1; always terminated on the way out."""
    log_path = workdir / f"sim-{os.getpid()}-{time.monotonic_ns()}.log"
    launcher = ["-m", "pulumi_ampeco.cli"]
    command = [
        sys.executable,
        *launcher,
        "sim",
        "--host",
        HOST,
        "--port",
        "0",
        "--token",
        TOKEN,
        "--rate-limit",
        "0",
        "--db",
        db,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        server = Server(process, _wait_ready(process, log_path), log_path)
        yield server
    finally:
        _stop(process)


# --- request bodies and operations ---------------------------------------------------------


def _translation(text: str) -> list[dict[str, str]]:
    return [{"locale": "en", "translation": text}]


def location_body(tag: str) -> dict[str, Any]:
    return {
        "externalId": f"bench-{tag}",
        "name": _translation(f"Bench site {tag}"),
        "geoposition": {"latitude": 59.9, "longitude": 10.7},
        "address": _translation(f"Street {tag}, Oslo"),
        "country": "NO",
    }


@dataclass(frozen=True)
class Context:
    """What an operation needs: ids of seeded locations and a tag for unique bodies."""

    ids: tuple[int, ...]
    run: str
    per_page: int


Operation = Callable[[httpx.Client, Context, int], httpx.Response]


def op_get_item(client: httpx.Client, ctx: Context, seq: int) -> httpx.Response:
    return client.get(f"{LOCATIONS}/{ctx.ids[seq % len(ctx.ids)]}")


def op_list_page(client: httpx.Client, ctx: Context, seq: int) -> httpx.Response:
    return client.get(LOCATIONS, params={"per_page": ctx.per_page})


def op_create(client: httpx.Client, ctx: Context, seq: int) -> httpx.Response:
    return client.post(LOCATIONS, json=location_body(f"{ctx.run}-{seq}"))


def op_update(client: httpx.Client, ctx: Context, seq: int) -> httpx.Response:
    # Consecutive sequence numbers go to different clients and to different locations.
    id_ = ctx.ids[seq % len(ctx.ids)]
    return client.patch(f"{LOCATIONS}/{id_}", json={"name": _translation(f"Renamed {seq}")})


OPERATION_FUNCS: dict[str, Operation] = {
    "get_item": op_get_item,
    "list_page": op_list_page,
    "create": op_create,
    "update": op_update,
}


# --- measuring -----------------------------------------------------------------------------


@dataclass
class ErrorSample:
    request: str
    response: str


@dataclass
class Result:
    db: str
    operation: str
    clients: int
    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    samples: list[ErrorSample] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, p: int) -> float:
        data = self.latencies_ms
        if not data:
            return float("nan")
        if len(data) == 1:
            return data[0]
        return statistics.quantiles(data, n=100, method="inclusive")[p - 1]


class Budget:
    """Hands out sequence numbers until ``limit`` requests are issued or the deadline passes."""

    def __init__(self, limit: int, seconds: float) -> None:
        self._limit = limit
        self._seconds = seconds
        self._next = 0
        self._lock = threading.Lock()
        self._deadline = float("inf")

    def start(self) -> None:
        self._deadline = time.perf_counter() + self._seconds

    def take(self) -> int | None:
        if time.perf_counter() >= self._deadline:
            return None
        with self._lock:
            if self._next >= self._limit:
                return None
            seq = self._next
            self._next += 1
            return seq


def _client(base_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
        timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        trust_env=False,
    )


def _describe_request(request: httpx.Request) -> str:
    body = request.content.decode(errors="replace") if request.content else ""
    return f"{request.method} {request.url.raw_path.decode()} {body}".rstrip()


def measure(
    base_url: str, db: str, name: str, clients: int, ctx: Context, requests: int, seconds: float
) -> Result:
    operation = OPERATION_FUNCS[name]
    result = Result(db, name, clients)
    budget = Budget(requests, seconds)
    lock = threading.Lock()
    clock: list[float] = []

    def go() -> None:  # runs once, as the barrier releases everybody
        budget.start()
        clock.append(time.perf_counter())

    ready = threading.Barrier(clients + 1, action=go, timeout=START_TIMEOUT)
    warmup_failures: list[str] = []

    def worker() -> None:
        latencies: list[float] = []
        errors = 0
        samples: list[ErrorSample] = []
        with _client(base_url) as client:
            try:
                # Open the keep-alive connection before the clock starts.
                client.get(f"{LOCATIONS}/{ctx.ids[0]}").raise_for_status()
            except httpx.HTTPError as exc:
                with lock:
                    warmup_failures.append(repr(exc))
                ready.abort()
                return
            try:
                ready.wait()
            except threading.BrokenBarrierError:
                return
            while (seq := budget.take()) is not None:
                started = time.perf_counter()
                try:
                    response = operation(client, ctx, seq)
                except Exception as exc:  # transport errors, mostly; all are counted
                    latencies.append((time.perf_counter() - started) * 1000)
                    errors += 1
                    if len(samples) < MAX_ERROR_SAMPLES:
                        req = exc.request if isinstance(exc, httpx.RequestError) else None
                        samples.append(
                            ErrorSample(
                                _describe_request(req) if req is not None else f"{name} #{seq}",
                                f"transport error: {exc!r}",
                            )
                        )
                    continue
                latencies.append((time.perf_counter() - started) * 1000)
                if not response.is_success:
                    errors += 1
                    if len(samples) < MAX_ERROR_SAMPLES:
                        samples.append(
                            ErrorSample(
                                _describe_request(response.request),
                                f"{response.status_code} {response.text[:500]}",
                            )
                        )
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors
            room = MAX_ERROR_SAMPLES - len(result.samples)
            result.samples.extend(samples[: max(room, 0)])

    threads = [
        threading.Thread(target=worker, name=f"bench-{name}-{i}", daemon=True)
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    join_deadline = time.monotonic() + seconds + REQUEST_TIMEOUT + 10
    for thread in threads:
        thread.join(timeout=max(join_deadline - time.monotonic(), 0.1))
    result.elapsed = time.perf_counter() - clock[0] if clock else 0.0
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError(f"{name} with {clients} clients did not finish in time")
    if warmup_failures:
        raise RuntimeError(f"warm-up request failed: {warmup_failures[0]}")
    result.requests = len(result.latencies_ms)
    return result


# --- seeding -------------------------------------------------------------------------------


def seed(base_url: str, count: int, per_page: int) -> tuple[int, ...]:
    """Create ``count`` locations; check that a listing page is full. Returns their ids."""
    with _client(base_url) as client:
        client.post("/_sim/reset").raise_for_status()

    def create(numbers: range) -> list[int]:
        ids: list[int] = []
        with _client(base_url) as client:
            for n in numbers:
                response = client.post(LOCATIONS, json=location_body(f"seed-{n}"))
                if not response.is_success:
                    raise RuntimeError(
                        f"seeding failed: POST {LOCATIONS} -> {response.status_code} {response.text}"
                    )
                ids.append(int(response.json()["data"]["id"]))
        return ids

    with ThreadPoolExecutor(max_workers=SEED_CLIENTS) as pool:
        chunks = [range(i, count, SEED_CLIENTS) for i in range(SEED_CLIENTS)]
        ids = sorted(id_ for chunk in pool.map(create, chunks) for id_ in chunk)
    with _client(base_url) as client:
        page = client.get(LOCATIONS, params={"per_page": per_page})
        page.raise_for_status()
        got = len(page.json()["data"])
    if got != min(per_page, count):
        raise RuntimeError(f"listing page has {got} items, expected {min(per_page, count)}")
    return tuple(ids)


# --- reporting -----------------------------------------------------------------------------

COLUMNS = ("db", "operation", "clients", "requests", "req/s", "p50 ms", "p95 ms", "errors")


def _row(result: Result) -> tuple[str, ...]:
    return (
        result.db,
        result.operation,
        str(result.clients),
        str(result.requests),
        f"{result.rate:.0f}",
        f"{result.percentile(50):.2f}",
        f"{result.percentile(95):.2f}",
        str(result.errors),
    )


def table(results: Sequence[Result]) -> str:
    rows = [COLUMNS, *(_row(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    left = {0, 1}

    def fmt(row: Sequence[str]) -> str:
        cells = (
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    lines = [fmt(rows[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(row) for row in rows[1:]]
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests",
        type=_positive_int,
        default=2000,
        help="requests per measurement, over all clients (default 2000)",
    )
    parser.add_argument(
        "--seconds",
        type=_positive_float,
        default=5.0,
        help="time limit per measurement in seconds (default 5)",
    )
    parser.add_argument(
        "--clients",
        type=_positive_int,
        nargs="+",
        default=[1, 8],
        help="concurrent client counts to measure (default 1 8)",
    )
    parser.add_argument(
        "--db",
        choices=DATABASES,
        nargs="+",
        default=list(DATABASES),
        help="databases to measure (default memory file)",
    )
    parser.add_argument(
        "--operation",
        choices=OPERATIONS,
        nargs="+",
        default=list(OPERATIONS),
        help="operations to measure (default all, reads before writes)",
    )
    parser.add_argument(
        "--seed", type=_positive_int, default=200, help="locations created first (default 200)"
    )
    parser.add_argument(
        "--per-page", type=_positive_int, default=100, help="listing page size (default 100)"
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="ampeco-bench-") as tmp:
        workdir = Path(tmp)
        for db in args.db:
            db_arg = ":memory:" if db == "memory" else str(workdir / "tenant.sqlite3")
            label = db
            with simulator(db_arg, workdir) as server:
                print(f"[{label}] simulator at {server.base_url} (--db {db_arg})", flush=True)
                try:
                    ids = seed(server.base_url, args.seed, args.per_page)
                    for number, name in enumerate(args.operation):
                        for clients in args.clients:
                            ctx = Context(ids, f"{db}-{name}-{clients}-{number}", args.per_page)
                            result = measure(
                                server.base_url,
                                label,
                                name,
                                clients,
                                ctx,
                                args.requests,
                                args.seconds,
                            )
                            results.append(result)
                            print(
                                f"[{label}] {name:<9} clients={clients:<2} "
                                f"{result.requests:>6} requests in {result.elapsed:5.2f} s  "
                                f"{result.rate:8.0f} req/s  errors={result.errors}",
                                flush=True,
                            )
                except Exception:
                    tail = server.log_tail()
                    if tail:
                        print(f"--- simulator output ---\n{tail}", file=sys.stderr)
                    raise
                if server.process.poll() is not None:
                    raise RuntimeError(f"simulator exited early:\n{server.log_tail()}")
    return results


def _load() -> str:
    """The 1-minute load average; other work on the machine skews the numbers."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load = _load()
    # SIGTERM unwinds like Ctrl+C, so the simulator is still stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.perf_counter()
    try:
        results = run(args)
    except (RuntimeError, httpx.HTTPError) as exc:
        print(f"sim_throughput: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sim_throughput: interrupted", file=sys.stderr)
        return 130
    print()
    print(
        f"limits: {args.requests} requests or {args.seconds:g} s per measurement; "
        f"cpu cores: {os.cpu_count()}; load average before the run: {load}; "
        f"total {time.perf_counter() - started:.1f} s"
    )
    print(table(results))
    failed = [r for r in results if r.errors]
    for result in failed:
        print(
            f"\n{result.errors} errors in {result.db}/{result.operation}/{result.clients} clients; "
            "first ones:"
        )
        for sample in result.samples:
            print(f"  request:  {sample.request}\n  response: {sample.response}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
