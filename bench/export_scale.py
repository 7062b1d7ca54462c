"""Cost of ``ampeco-iac export`` on a tenant of 1,000 and 12,000 objects, over real sockets.

For each size a fresh simulator process (``python -m pulumi_ampeco.cli sim --db :memory:`` on
127.0.0.1, rate limit off) is seeded through its HTTP API with a mid-size operator's tenant. Per
100 objects: 2 locations, each with 1 charging zone and 5 charge points × 2 EVSEs × 2
connectors (74 objects), 8 tariffs, 8 tariff groups (each gets the tenant's free base tariff,
so 8 more tariffs) and taxes filling up to the size; plus one tax identification number, one
currency and what a new tenant holds (its base currency and default tax).

Then the export runs twice against the same tenant, each in its own process so that the peak
RSS is the export's alone:

* ``api``: ``snapshot.read`` + ``document.build`` + ``yaml_text.render`` through a real
  ``AmpecoClient`` built from ``TenantConfig`` (``config.load``), each phase timed;
* ``cli``: ``python -m pulumi_ampeco.cli export -o FILE -c ampeco:tenantUrl=... -c
  ampeco:apiToken=...`` end to end (interpreter start-up included).

The simulator's request log (``/_sim/requests``, cleared before each run) gives the API calls.
A kind may cost at most ceil(N/100)+2 GETs (N: its objects in the tenant); charging zones are
listed once per location (every location here holds fewer than 100), connectors come with
their EVSEs (``include[]=connectors``), and the tenant settings cost one GET. The export must
write nothing. The exit status is 1 if a bound or the no-write rule is broken, or if the two
runs disagree (objects, GETs, document bytes); 2 if the simulator could not be started or
seeded; 130 if interrupted. Everything talks to 127.0.0.1 only.

    python bench/export_scale.py [--sizes 1000,12000] [--quick] [--seed-clients 6]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from sim_throughput import API, STOP_TIMEOUT, TOKEN, Server, _client, _positive_int
from sim_throughput import simulator as sim_process

SEED_CLIENTS = 6
RUN_TIMEOUT = 1200.0
PAGE = 100
MIB = 1024 * 1024


# --- the simulator process -----------------------------------------------------------------


@contextlib.contextmanager
def simulator(workdir: Path) -> Iterator[Server]:
    """A simulator process on 127.0.0.1 with an in-memory tenant; always stopped on the way out."""
    with sim_process(":memory:", workdir) as server:
        yield server


def sim_requests(base_url: str) -> list[dict[str, Any]]:
    with _client(base_url) as client:
        response = client.get("/_sim/requests")
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()["data"]
        return entries


def clear_requests(base_url: str) -> None:
    with _client(base_url) as client:
        client.delete("/_sim/requests").raise_for_status()


# --- the tenant ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What is seeded; ``total`` also counts what the tenant makes by itself."""

    locations: int
    tariffs: int
    groups: int
    taxes: int
    zones: int = 1  # per location
    charge_points: int = 5  # per location
    evses: int = 2  # per charge point
    connectors: int = 2  # per EVSE
    zoned: int = 3  # charge points per location placed in its zone

    PRESEEDED = 2  # a new tenant's base currency and default tax
    FIXED = 2  # one tax identification number, one currency

    @classmethod
    def of_size(cls, size: int) -> Shape:
        units = max(1, round(size / 100))
        shape = cls(locations=2 * units, tariffs=8 * units, groups=8 * units, taxes=1)
        return cls(
            locations=shape.locations,
            tariffs=shape.tariffs,
            groups=shape.groups,
            taxes=max(1, size - (shape.total() - shape.taxes)),
        )

    def sites(self) -> int:
        points = self.locations * self.charge_points
        evses = points * self.evses
        return self.locations * (1 + self.zones) + points + evses + evses * self.connectors

    def expected(self) -> dict[str, int]:
        points = self.locations * self.charge_points
        return {
            "Currency": 2,
            "TaxIdentificationNumber": 1,
            "Tax": self.taxes + 1,
            "Tariff": self.tariffs + self.groups,  # each group adds its base tariff
            "TariffGroup": self.groups,
            "Location": self.locations,
            "ChargingZone": self.locations * self.zones,
            "ChargePoint": points,
            "Evse": points * self.evses,
            "Connector": points * self.evses * self.connectors,
        }

    def total(self) -> int:
        return sum(self.expected().values())


def _text(value: str) -> list[dict[str, str]]:
    return [{"locale": "en", "translation": value}]


class Seeder:
    """POSTs through a bounded pool of threads, each with its own keep-alive client."""

    def __init__(self, base_url: str, clients: int) -> None:
        self.base_url = base_url
        self.pool = ThreadPoolExecutor(max_workers=clients, thread_name_prefix="seed")
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()
        self.posts = 0

    def _http(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = _client(self.base_url + API)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _post(self, item: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        path, body = item
        response = self._http().post(path, json=body)
        if response.status_code != 201:
            raise RuntimeError(
                f"seeding failed: POST {path} -> {response.status_code} {response.text[:500]}"
            )
        with self._lock:
            self.posts += 1
        data: dict[str, Any] = response.json()["data"]
        return data

    def create(self, label: str, items: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """Create every item (in parallel); the created objects in the order of ``items``."""
        started = time.perf_counter()
        created = list(self.pool.map(self._post, items))
        elapsed = time.perf_counter() - started
        rate = len(items) / elapsed if elapsed > 0 else 0.0
        print(f"    {label:<16} {len(items):6d} in {elapsed:6.1f} s ({rate:5.0f}/s)", flush=True)
        return created

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for client in self._clients:
            client.close()


def seed(base_url: str, shape: Shape, clients: int) -> int:
    """Create the tenant of ``shape``; returns the number of POSTs sent."""
    seeder = Seeder(base_url, clients)
    try:
        (tin,) = seeder.create(
            "TIN", [("/tax-identification-numbers/v2.0", {"name": "NO 987 654 321 MVA"})]
        )
        seeder.create(
            "currency",
            [("/currencies/v2.0", {"alphabeticCode": "NOK", "suffix": " kr", "decimal": 2})],
        )
        taxes = seeder.create(
            "taxes",
            [
                (
                    "/taxes/v2.0",
                    {
                        "name": f"VAT {t}",
                        "percentage": 25 if t % 2 == 0 else 12,
                        **({"taxIdentificationNumberId": tin["id"]} if t % 4 != 3 else {}),
                    },
                )
                for t in range(shape.taxes)
            ],
        )
        tariffs = seeder.create(
            "tariffs",
            [
                (
                    "/tariffs/v1.0",
                    {
                        "name": f"Tariff {t}",
                        "externalId": f"tariff-{t}",
                        "type": "flat rate" if t % 2 == 0 else "standard",
                        "pricing": (
                            {"pricePerSession": 2.5}
                            if t % 2 == 0
                            else {"pricePerKwh": 0.45, "taxID": taxes[t % len(taxes)]["id"]}
                        ),
                    },
                )
                for t in range(shape.tariffs)
            ],
        )
        groups = seeder.create(
            "tariff groups",
            [
                (
                    "/tariff-groups/v1.0",
                    {
                        "name": f"Group {g}",
                        "tariffIds": [
                            tariffs[g % len(tariffs)]["id"],
                            tariffs[(g + 1) % len(tariffs)]["id"],
                        ],
                    },
                )
                for g in range(shape.groups)
            ],
        )
        locations = seeder.create(
            "locations",
            [
                (
                    "/locations/v2.0",
                    {
                        "externalId": f"site-{n}",
                        "name": _text(f"Site {n}"),
                        "geoposition": {"latitude": 59.0 + n / 10_000, "longitude": 10.7},
                        "address": _text(f"Street {n}, Oslo"),
                        "country": "NO",
                    },
                )
                for n in range(shape.locations)
            ],
        )
        zones = seeder.create(
            "charging zones",
            [
                (
                    f"/locations/v2.0/{loc['id']}/charging-zones",
                    {"name": f"Level -{z + 1}", "status": "enabled"},
                )
                for loc in locations
                for z in range(shape.zones)
            ],
        )
        point_items = []
        for n, loc in enumerate(locations):
            zone = zones[n * shape.zones]["id"]
            for c in range(shape.charge_points):
                body: dict[str, Any] = {
                    "name": f"CP {n}.{c}",
                    "type": "public",
                    "status": "enabled",
                    "locationId": loc["id"],
                    "externalId": f"site-{n}-cp-{c}",
                    "network": {"id": f"NET-{n}-{c}", "protocol": "ocpp 1.6"},
                }
                if c < shape.zoned:
                    body["chargingZoneId"] = zone
                point_items.append(("/charge-points/v2.0", body))
        points = seeder.create("charge points", point_items)
        evses = seeder.create(
            "EVSEs",
            [
                (
                    "/evses/v2.1",
                    {
                        "chargePointId": cp["id"],
                        "physicalReference": f"NO*AMP*E{cp['id']}*{e + 1}",
                        "currentType": "ac",
                        "networkId": str(e + 1),
                        "status": "enabled",
                        "tariffGroupId": groups[(p + e) % len(groups)]["id"],
                    },
                )
                for p, cp in enumerate(points)
                for e in range(shape.evses)
            ],
        )
        seeder.create(
            "connectors",
            [
                (
                    f"/charge-points/v2.0/{evse['chargePointId']}/evses/{evse['id']}/connectors",
                    {"type": "type2", "format": "socket"}
                    if k == 0
                    else {"type": "ccs2", "format": "cable"},
                )
                for evse in evses
                for k in range(shape.connectors)
            ],
        )
        return seeder.posts
    finally:
        seeder.close()


# --- the runs (each in its own process) ----------------------------------------------------


@dataclass
class Child:
    status: int
    wall: float
    max_rss_kib: int
    stdout: str
    stderr: str


def run_child(command: list[str], workdir: Path, name: str, timeout: float) -> Child:
    """Run ``command``; its exit status, wall time and peak RSS (from ``wait4``, this child
    alone). Killed after ``timeout`` seconds."""
    out_path, err_path = workdir / f"{name}.out", workdir / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
    deadline = started + timeout
    try:
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid == process.pid:
                wall = time.perf_counter() - started
                process.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                process.kill()
                raise RuntimeError(f"{name} did not finish within {timeout:.0f} s")
            time.sleep(0.01)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(timeout=STOP_TIMEOUT)
    return Child(
        process.returncode,
        wall,
        usage.ru_maxrss,  # KiB on Linux
        out_path.read_text(errors="replace"),
        err_path.read_text(errors="replace"),
    )


def _proc_status(field_name: str) -> int | None:
    """A ``/proc/self/status`` figure in bytes (``VmRSS``, ``VmHWM``), if there is one."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def worker(base_url: str) -> dict[str, Any]:
    """The library path of the export, phase by phase (runs in a child process)."""
    from pulumi_ampeco import config
    from pulumi_ampeco.client import AmpecoClient
    from pulumi_ampeco.export import document, snapshot, yaml_text
    from pulumi_ampeco.kinds import KINDS

    base_rss = _proc_status("VmRSS")
    settings = config.load({"ampeco:tenantUrl": base_url, "ampeco:apiToken": TOKEN}, env={})
    hwm: dict[str, int | None] = {}
    started = time.perf_counter()
    with AmpecoClient.from_config(settings) as client:
        snap = snapshot.read(client, list(KINDS))
        read_done = time.perf_counter()
        client_calls = client.stats.by_method()
    hwm["read"] = _proc_status("VmHWM")
    exported = document.build(snap)
    build_done = time.perf_counter()
    hwm["build"] = _proc_status("VmHWM")
    text = yaml_text.render(exported)
    render_done = time.perf_counter()
    hwm["render"] = _proc_status("VmHWM")
    data = text.encode("utf-8")
    return {
        "objects": {kind: len(objects) for kind, objects in snap.objects.items()},
        "read": read_done - started,
        "build": build_done - read_done,
        "render": render_done - build_done,
        "total": render_done - started,
        "client_calls": client_calls,
        "base_rss": base_rss,
        "hwm": hwm,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "bytes": len(data),
        "lines": text.count("\n"),
        "sha256": hashlib.sha256(data).hexdigest(),
        "notes": len(exported.notes),
    }


# --- counting ------------------------------------------------------------------------------


def collections() -> dict[str, str]:
    """Collection path (ids as ``{id}``) → kind, and the settings."""
    from pulumi_ampeco.kinds import KINDS

    found = {re.sub(r"\{\w+\}", "{id}", kind.collection): name for name, kind in KINDS.items()}
    found["/settings/v1.0"] = "settings"
    return found


def collection_of(path: str) -> str:
    path = path.removeprefix(API)
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


@dataclass
class Calls:
    gets: Counter[str] = field(default_factory=Counter)  # collection → GETs
    writes: Counter[str] = field(default_factory=Counter)  # "POST /taxes/v2.0" → count
    failed: int = 0  # answers other than 2xx

    @classmethod
    def of(cls, entries: list[dict[str, Any]]) -> Calls:
        calls = cls()
        for entry in entries:
            where = collection_of(entry["path"])
            if entry["method"] == "GET":
                calls.gets[where] += 1
            else:
                calls.writes[f"{entry['method']} {where}"] += 1
            if not 200 <= int(entry["status"]) < 300:
                calls.failed += 1
        return calls


@dataclass
class Run:
    label: str
    objects: dict[str, int]
    calls: Calls
    total: float
    max_rss_kib: int
    doc_bytes: int
    doc_lines: int
    sha256: str
    read: float | None = None
    build: float | None = None
    render: float | None = None
    base_rss: int | None = None


@dataclass
class SizeResult:
    size: int
    shape: Shape
    seed_seconds: float
    posts: int
    runs: list[Run]
    problems: list[str]


def bound(kind: str, objects: dict[str, int]) -> int | None:
    """The most GETs a kind may cost: ceil(N/100)+2; zones one listing per location (each
    holds fewer than 100 here); the settings one."""
    if kind == "settings":
        return 1
    if kind == "ChargingZone":
        return objects.get("Location", 0)
    if kind not in objects:
        return None
    return math.ceil(objects[kind] / PAGE) + 2


def run_size(size: int, args: argparse.Namespace, workdir: Path) -> SizeResult:
    shape = Shape.of_size(size)
    problems: list[str] = []
    runs: list[Run] = []
    with simulator(workdir) as server:
        print(
            f"[{size}] simulator at {server.base_url}; seeding {shape.total()} objects "
            f"({shape.locations} locations, {shape.sites()} site objects, {shape.tariffs}"
            f" tariffs + {shape.groups} base, {shape.groups} groups, {shape.taxes + 1} taxes)"
            f" with {args.seed_clients} clients",
            flush=True,
        )
        started = time.perf_counter()
        try:
            posts = seed(server.base_url, shape, args.seed_clients)
        except (RuntimeError, httpx.HTTPError):
            tail = server.log_tail()
            if tail:
                print(f"--- simulator output ---\n{tail}", file=sys.stderr)
            raise
        seed_seconds = time.perf_counter() - started
        print(f"[{size}] seeded with {posts} POSTs in {seed_seconds:.1f} s", flush=True)

        # The library path, phase by phase.
        clear_requests(server.base_url)
        child = run_child(
            [sys.executable, __file__, "--worker", server.base_url],
            workdir,
            f"api-{size}",
            args.timeout,
        )
        if child.status != 0:
            raise RuntimeError(f"the api run failed ({child.status}):\n{child.stderr[-3000:]}")
        result = json.loads(child.stdout.strip().splitlines()[-1])
        calls = Calls.of(sim_requests(server.base_url))
        runs.append(
            Run(
                "api",
                result["objects"],
                calls,
                result["total"],
                child.max_rss_kib,
                result["bytes"],
                result["lines"],
                result["sha256"],
                result["read"],
                result["build"],
                result["render"],
                result["base_rss"],
            )
        )
        sent = sum(result["client_calls"].values())
        if sent != sum(calls.gets.values()) + sum(calls.writes.values()):
            problems.append(
                f"[{size}] api: the client counted {sent} requests, the tenant logged "
                f"{sum(calls.gets.values()) + sum(calls.writes.values())}"
            )
        hwm = result["hwm"]
        if all(hwm.values()) and result["base_rss"]:
            print(
                f"[{size}] api: {result['total']:.2f} s; RSS after imports "
                f"{result['base_rss'] / MIB:.1f} MiB, high-water after read "
                f"{hwm['read'] / MIB:.1f}, build {hwm['build'] / MIB:.1f}, "
                f"render {hwm['render'] / MIB:.1f} MiB; {result['notes']} notes",
                flush=True,
            )

        # The command line, end to end.
        clear_requests(server.base_url)
        output = workdir / f"tenant-{size}.yaml"
        child = run_child(
            [
                sys.executable,
                "-m",
                "pulumi_ampeco.cli",
                "export",
                "-o",
                str(output),
                "-c",
                f"ampeco:tenantUrl={server.base_url}",
                "-c",
                f"ampeco:apiToken={TOKEN}",
            ],
            workdir,
            f"cli-{size}",
            args.timeout,
        )
        if child.status != 0:
            raise RuntimeError(f"the cli run failed ({child.status}):\n{child.stderr[-3000:]}")
        calls = Calls.of(sim_requests(server.base_url))
        data = output.read_bytes()
        stated = re.search(r"==> exported (\d+) objects.* in ([\d.]+) s", child.stderr)
        runs.append(
            Run(
                "cli",
                {},
                calls,
                child.wall,
                child.max_rss_kib,
                len(data),
                data.count(b"\n"),
                hashlib.sha256(data).hexdigest(),
            )
        )
        print(
            f"[{size}] cli: {child.wall:.2f} s wall"
            + (f" (the command says {stated.group(2)} s)" if stated else ""),
            flush=True,
        )
        if server.process.poll() is not None:
            raise RuntimeError(f"simulator exited early:\n{server.log_tail()}")

    api, cli = runs
    objects = api.objects
    if stated is None:
        problems.append(f"[{size}] cli: no '==> exported N objects' line on standard error")
    elif int(stated.group(1)) != sum(objects.values()):
        problems.append(
            f"[{size}] cli exported {stated.group(1)} objects, the api run {sum(objects.values())}"
        )
    cli.objects = dict(objects)
    if objects != shape.expected():
        problems.append(f"[{size}] read {objects}, seeded {shape.expected()}")
    if api.calls.gets != cli.calls.gets:
        problems.append(
            f"[{size}] GETs differ: api {dict(api.calls.gets)}, cli {dict(cli.calls.gets)}"
        )
    if api.sha256 != cli.sha256:
        problems.append(
            f"[{size}] the api and cli documents differ ({api.doc_bytes} vs {cli.doc_bytes} bytes)"
        )
    kinds = collections()
    for run in runs:
        if run.calls.writes:
            problems.append(f"[{size}] {run.label}: writes {dict(run.calls.writes)}")
        if run.calls.failed:
            problems.append(f"[{size}] {run.label}: {run.calls.failed} answers were not 2xx")
        for where, count in run.calls.gets.items():
            kind = kinds.get(where)
            limit = bound(kind, objects) if kind else None
            if kind is None:
                problems.append(f"[{size}] {run.label}: {count} GETs of unexpected {where}")
            elif limit is not None and count > limit:
                problems.append(f"[{size}] {run.label}: {kind} {count} GETs, over {limit}")
    return SizeResult(size, shape, seed_seconds, posts, runs, problems)


# --- reporting -----------------------------------------------------------------------------

COLUMNS = (
    "size",
    "row",
    "collection",
    "objects",
    "GETs",
    "bound",
    "check",
    "writes",
    "read s",
    "build s",
    "render s",
    "total s",
    "ms/obj",
    "peak MiB",
    "base MiB",
    "doc bytes",
    "doc lines",
)
LEFT = {0, 1, 2}


def _rows(result: SizeResult) -> list[tuple[str, ...]]:
    from pulumi_ampeco.kinds import KINDS

    api = result.runs[0]
    objects = api.objects
    paths = {kind: path for path, kind in collections().items()}
    rows: list[tuple[str, ...]] = []
    size = str(result.size)
    blank = ("",) * (len(COLUMNS) - 7)
    for kind in ("settings", *KINDS):
        path = paths[kind]
        count = api.calls.gets.get(path, 0)
        limit = bound(kind, objects)
        if kind == "Connector":
            path = "(with the EVSEs, include[]=connectors)"
        check = "OK" if limit is None or count <= limit else "OVER"
        rows.append(
            (
                size,
                kind,
                path,
                str(objects.get(kind, "-")),
                str(count),
                "-" if limit is None else str(limit),
                check,
                *blank,
            )
        )
    total_objects = sum(objects.values())
    total_bound = sum(bound(k, objects) or 0 for k in ("settings", *KINDS))

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    for run in result.runs:
        gets = sum(run.calls.gets.values())
        writes = sum(run.calls.writes.values())
        over = any(
            (limit := bound(collections().get(w, ""), objects)) is not None and n > limit
            for w, n in run.calls.gets.items()
        )
        rows.append(
            (
                size,
                run.label,
                "read + build + render" if run.label == "api" else "ampeco-iac export (process)",
                str(total_objects),
                str(gets),
                str(total_bound),
                "OVER" if over or writes else "OK",
                str(writes),
                ms(run.read),
                ms(run.build),
                ms(run.render),
                f"{run.total:.2f}",
                f"{run.total * 1000 / max(total_objects, 1):.2f}",
                f"{run.max_rss_kib / 1024:.1f}",
                "-" if run.base_rss is None else f"{run.base_rss / MIB:.1f}",
                str(run.doc_bytes),
                str(run.doc_lines),
            )
        )
    return rows


def table(results: Sequence[SizeResult]) -> str:
    rows: list[tuple[str, ...]] = [COLUMNS]
    breaks: set[int] = set()
    for result in results:
        breaks.add(len(rows))
        rows += _rows(result)
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

    def fmt(row: Sequence[str]) -> str:
        cells = (
            c.ljust(w) if i in LEFT else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [fmt(rows[0])]
    for index, row in enumerate(rows[1:], start=1):
        if index in breaks:
            lines.append(rule)
        lines.append(fmt(row))
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected sizes such as 1000,12000") from None
    if not sizes or any(size < 100 for size in sizes):
        raise argparse.ArgumentTypeError("sizes must be at least 100")
    return sizes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=[1000, 12000],
        help="tenant sizes in objects, comma-separated (default 1000,12000)",
    )
    parser.add_argument("--quick", action="store_true", help="only the 1000-object tenant")
    parser.add_argument(
        "--seed-clients",
        type=_positive_int,
        default=SEED_CLIENTS,
        help=f"concurrent clients that seed the tenant (default {SEED_CLIENTS})",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_int,
        default=int(RUN_TIMEOUT),
        help=f"seconds an export run may take before it is killed (default {RUN_TIMEOUT:.0f})",
    )
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = [1000]
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    load = _load()
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.perf_counter()
    results: list[SizeResult] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ampeco-export-bench-") as tmp:
            for size in args.sizes:
                results.append(run_size(size, args, Path(tmp)))
    except (RuntimeError, httpx.HTTPError) as exc:
        print(f"export_scale: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("export_scale: interrupted", file=sys.stderr)
        return 130
    print()
    print(
        f"cpu cores: {os.cpu_count()}; load average before the run: {load}; "
        f"total {time.perf_counter() - started:.1f} s; seeding: "
        + ", ".join(
            f"{r.size}: {r.posts} POSTs in {r.seed_seconds:.1f} s ({r.posts / r.seed_seconds:.0f}/s)"
            for r in results
        )
    )
    print(table(results))
    problems = [p for r in results for p in r.problems]
    for problem in problems:
        print(f"problem: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
