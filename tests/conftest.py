"""Shared fixtures: a fresh simulator on a free port for every test, over real sockets."""

from __future__ import annotations

import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
