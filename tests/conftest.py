"""Shared fixtures: a fresh simulator on a free port for every test, over real sockets.

Also how the suite runs in parallel (pytest-xdist: ``scripts/test`` passes ``-n auto``): every
test keeps to its own ports (port 0), temporary directories and Pulumi home, and the modules of
``ONE_WORKER_MODULES`` run whole on one worker. Tests marked ``quick`` (``scripts/test --quick``)
must not need the Pulumi CLI, which collection checks. A test silent for ``SILENCE`` seconds
says so on the terminal.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig

TOKEN = "test-token-0123456789"
API = "/public-api/resources"
REPO = Path(__file__).resolve().parent.parent

#: The TLS settings of every client the tests make. The simulator speaks plain HTTP, so they are
#: never used; made once, because httpx otherwise loads the CA bundle for each new client (tens of
#: milliseconds of CPU, paid thousands of times in a run).
TLS = ssl.create_default_context()


def http_client(base_url: str = "", **kwargs: Any) -> httpx.Client:
    """``httpx.Client`` for the tests' own calls to a simulator, cheap to make."""
    return httpx.Client(base_url=base_url, verify=TLS, **kwargs)


#: Modules whose tests build on one another: a closing test reads what the others recorded
#: (the API calls per step, the conformance summary), so under pytest-xdist each runs whole, in
#: order, on one worker.
ONE_WORKER_MODULES = ("test_conformance.py", "test_rhythm_locations.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's ``load`` distribution (the default of ``-n``), each test to the next free
    worker, but with each module of ``ONE_WORKER_MODULES`` as one unit. (xdist's own
    ``loadgroup`` marks groups by renaming node ids, which has no effect on pytest 9's.)"""
    if config.getvalue("dist") != "load":
        return None  # a distribution asked for by name (--dist loadfile, ...)
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerModules(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.rsplit("/", 1)[-1] in ONE_WORKER_MODULES else nodeid

    return OneWorkerModules(config, log)


#: Fixtures a ``quick`` test may not use: the subset is for machines without the Pulumi CLI.
NOT_QUICK_FIXTURES = ("pulumi_cli",)
#: The node ids of the collected tests marked ``quick``, whatever ``-m`` and ``-k`` select.
QUICK_TESTS = pytest.StashKey[list[str]]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a ``quick`` test that needs the CLI, and note the quick tests. Runs before ``-m``
    and ``-k`` deselect anything, so that every run checks every quick test."""
    needs_cli = []
    quick = config.stash.setdefault(QUICK_TESTS, [])
    for item in items:
        if not item.get_closest_marker("quick"):
            continue
        quick.append(item.nodeid)
        if any(f in getattr(item, "fixturenames", ()) for f in NOT_QUICK_FIXTURES):
            needs_cli.append(item.nodeid)
    if needs_cli:
        raise pytest.UsageError(
            "tests marked quick must not need the Pulumi CLI (fixture pulumi_cli): "
            + ", ".join(needs_cli)
        )


#: Seconds a test may run without a word before it says it is still running.
SILENCE = 60.0

_terminal: IO[str] | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Keep a handle on the terminal: during a test, output capture has taken fd 2 over (in a
    pytest-xdist worker too, whose stderr is the controller's)."""
    global _terminal
    _terminal = os.fdopen(os.dup(2), "w", buffering=1)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _terminal
    if _terminal is not None:
        _terminal.close()
        _terminal = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Name a test on the terminal every ``SILENCE`` seconds while it runs, so that a long one
    (the real engine under load) shows it is alive rather than hung."""
    done = threading.Event()

    def report() -> None:
        started = time.monotonic()
        while not done.wait(SILENCE) and _terminal is not None:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "")
            where = f"[{worker}] " if worker else ""
            elapsed = time.monotonic() - started
            _terminal.write(f"\n{where}still running after {elapsed:.0f} s: {item.nodeid}\n")

    reporter = threading.Thread(target=report, name="slow-test-reporter", daemon=True)
    reporter.start()
    try:
        return (yield)
    finally:
        done.set()
        reporter.join()


@dataclass
class Sim:
    """A running simulator and clients for its public and admin APIs."""

    base_url: str
    token: str
    simulator: Simulator | None = None

    def use_token(self, token: str) -> None:
        """The tenant accepts ``token`` alone, and :meth:`client` sends it."""
        assert self.simulator is not None
        self.simulator.config.tokens = (token,)
        self.token = token

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Accept": "application/json"}
        chosen = self.token if token is None else token
        if chosen:
            headers["Authorization"] = f"Bearer {chosen}"
        return http_client(self.base_url + API, headers=headers, timeout=10, **kwargs)

    def admin(self) -> httpx.Client:
        return http_client(self.base_url + "/_sim", timeout=10)

    def fault(self, **rule: Any) -> dict[str, Any]:
        with self.admin() as admin:
            response = admin.post("/faults", json=rule)
            response.raise_for_status()
            return response.json()["data"][0]  # type: ignore[no-any-return]

    def requests(self) -> list[dict[str, Any]]:
        with self.admin() as admin:
            return admin.get("/requests").json()["data"]  # type: ignore[no-any-return]

    def writes(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request since the log was cleared that was not a GET."""
        return [(e["method"], e["path"]) for e in self.requests() if e["method"] != "GET"]

    def clear_requests(self) -> None:
        with self.admin() as admin:
            admin.delete("/requests").raise_for_status()

    def violations(self) -> list[str]:
        with self.admin() as admin:
            return admin.get("/violations").json()["data"]  # type: ignore[no-any-return]


@pytest.fixture
def sim() -> Iterator[Sim]:
    """A fresh in-memory tenant in a server thread; every response is checked against the
    OpenAPI document, and the test fails if any did not conform."""
    simulator = Simulator(
        SimulatorConfig(tokens=(TOKEN,), rate_limit=0, validate_responses=True, fault_seed=7)
    )
    with RunningSimulator(simulator) as running:
        handle = Sim(running.base_url, TOKEN, simulator)
        yield handle
        violations = list(simulator.violations)
    assert violations == [], "responses that do not conform to the OpenAPI document"


@pytest.fixture
def api(sim: Sim) -> Iterator[httpx.Client]:
    with sim.client() as client:
        yield client


@pytest.fixture(scope="session")
def pulumi_cli() -> str:
    """The ``pulumi`` executable: the one on PATH, else the pinned CLI that
    ``scripts/pulumi-cli`` builds from Go modules (once; later runs reuse it). Only where
    there is no Go toolchain are the tests that need it skipped."""
    found = shutil.which("pulumi")
    if found is not None:
        return found
    if shutil.which("go") is None:
        pytest.skip("no Pulumi CLI on PATH and no Go toolchain to build one (scripts/pulumi-cli)")
    built = subprocess.run(
        ["bash", str(REPO / "scripts" / "pulumi-cli")],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = built.stdout.strip().splitlines()
    assert built.returncode == 0 and lines, f"scripts/pulumi-cli failed:\n{built.stderr}"
    return str(Path(lines[-1]) / "pulumi")


@dataclass
class SimProcess:
    process: subprocess.Popen[str]
    base_url: str
    token: str

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=10)


@pytest.fixture
def sim_process(tmp_path: Path) -> Iterator[Callable[..., SimProcess]]:
    """Start ``ampeco-iac sim`` as a separate process (the real command line)."""
    started: list[SimProcess] = []

    def start(*args: str, token: str = TOKEN) -> SimProcess:
        cmd = [
            sys.executable,
            "-m",
            "pulumi_ampeco.cli",
            "sim",
            "--port",
            "0",
            "--token",
            token,
            *args,
        ]
        process = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={k: v for k, v in os.environ.items() if k != "AMPECO_SIM_TOKENS"}
            | {"PYTHONUNBUFFERED": "1"},
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        if match is None:
            process.kill()
            raise AssertionError(f"simulator did not start: {line!r}")
        handle = SimProcess(process, match.group(1), token)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        if handle.process.poll() is None:
            handle.process.kill()
            handle.process.wait(timeout=10)
