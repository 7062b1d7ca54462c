"""The simulator as a process: start-up, signals, persistence, concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig

from . import factories as f
from .conftest import API, TOKEN, Sim, SimProcess, http_client


def _client(proc: SimProcess) -> httpx.Client:
    return http_client(
        base_url=proc.base_url + API, headers={"Authorization": f"Bearer {proc.token}"}, timeout=10
    )


def test_state_survives_a_restart(sim_process: Callable[..., SimProcess], tmp_path: Path) -> None:
    db = str(tmp_path / "tenant.sqlite")
    first = sim_process("--db", db)
    with _client(first) as api:
        loc = api.post("/locations/v2.0", json=f.location()).json()["data"]
        api.post("/taxes/v2.0", json=f.tax())
    assert first.stop(signal.SIGTERM) == 0
    second = sim_process("--db", db)
    with _client(second) as api:
        assert api.get(f"/locations/v2.0/{loc['id']}").json()["data"] == loc
        assert api.get("/taxes/v2.0").json()["meta"]["total"] == 2  # not seeded twice
        newer = api.post("/locations/v2.0", json=f.location(2)).json()["data"]
        assert newer["id"] > loc["id"]
    assert second.stop(signal.SIGINT) == 0


def test_prints_a_token_when_none_is_given(sim_process: Callable[..., SimProcess]) -> None:
    proc = sim_process(token="")
    assert proc.process.stdout is not None
    lines = [proc.process.stdout.readline() for _ in range(2)]
    token = lines[1].split("API token:")[1].split()[0]
    with http_client(base_url=proc.base_url + API) as raw:
        r = raw.get("/locations/v2.0", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    assert proc.stop() == 0


@pytest.fixture(params=["memory", "file"])
def tenant(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sim]:
    """A simulator on an in-memory database and on a SQLite file (WAL)."""
    db = ":memory:" if request.param == "memory" else str(tmp_path / "tenant.sqlite")
    simulator = Simulator(SimulatorConfig(tokens=(TOKEN,), db=db, rate_limit=0))
    with RunningSimulator(simulator) as running:
        yield Sim(running.base_url, TOKEN, simulator)


def test_sixteen_concurrent_writers(tenant: Sim) -> None:
    problems: list[str] = []
    ids: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        with tenant.client() as api:
            for i in range(25):
                r = api.post("/locations/v2.0", json=f.location(n * 100 + i))
                if r.status_code != 201:
                    with lock:
                        problems.append(f"create: {r.status_code} {r.text}")
                    continue
                new_id = r.json()["data"]["id"]
                read = api.get(f"/locations/v2.0/{new_id}")  # an answered write is there to read
                with lock:
                    ids.append(new_id)
                    if read.status_code != 200:
                        problems.append(f"read back {new_id}: {read.status_code}")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []
    assert len(ids) == len(set(ids)) == 400
    with tenant.client() as api:
        listed = []
        url: str | None = "/locations/v2.0?per_page=100"
        while url:
            body = api.get(url).json()
            listed += [o["id"] for o in body["data"]]
            url = body["links"]["next"]
    assert sorted(listed) == sorted(ids)
    assert tenant.simulator is not None
    assert all(e["status"] < 500 for e in tenant.simulator.requests())


def test_concurrent_patches_of_one_object_are_not_lost(tenant: Sim) -> None:
    with tenant.client() as api:
        loc = api.post("/locations/v2.0", json=f.location()).json()["data"]
    fields = ["city", "region", "postCode", "timezone"]
    problems: list[str] = []

    def patch(field: str) -> None:
        with tenant.client() as api:
            for round_ in range(20):
                r = api.patch(f"/locations/v2.0/{loc['id']}", json={field: f"{field}-{round_}"})
                if r.status_code != 200:
                    problems.append(f"{field}: {r.status_code}")

    threads = [threading.Thread(target=patch, args=(fld,)) for fld in fields for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []
    with tenant.client() as api:
        final = api.get(f"/locations/v2.0/{loc['id']}").json()["data"]
    # Every field holds a value one of its writers sent: no PATCH overwrote another's field.
    assert all(final[fld] and final[fld].startswith(f"{fld}-") for fld in fields)
    assert final["name"] == loc["name"]


def test_a_snapshot_brings_back_objects_and_ids(sim: Sim, api: httpx.Client) -> None:
    assert sim.simulator is not None
    store = sim.simulator.store
    kept = api.post("/locations/v2.0", json=f.location(1)).json()["data"]["id"]
    snapshot = store.snapshot()
    assert api.delete(f"/locations/v2.0/{kept}").status_code == 204
    later = api.post("/locations/v2.0", json=f.location(2)).json()["data"]["id"]
    store.restore(snapshot)
    assert api.get(f"/locations/v2.0/{kept}").status_code == 200
    assert api.get(f"/locations/v2.0/{later}").status_code == 404
    # The id sequence is the snapshot's too: the next object gets the id ``later`` had.
    assert api.post("/locations/v2.0", json=f.location(3)).json()["data"]["id"] == later


def test_requests_during_shutdown_get_503(sim: Sim) -> None:
    assert sim.simulator is not None
    sim.simulator.store.close()
    with sim.client() as api:
        r = api.get("/taxes/v2.0")
    assert r.status_code == 503 and r.json() == {"message": "Service Unavailable"}


def test_the_simulator_imports_nothing_of_the_provider() -> None:
    """``ampeco_sim`` is an independent implementation of the API: it must not lean on the
    provider's models or the Pulumi SDK, or its answers would only repeat the provider's view."""
    probe = (
        "import sys, ampeco_sim, ampeco_sim.contract\n"
        "ampeco_sim.contract.default_contract()\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    loaded = out.split()
    assert "ampeco_sim.app" in loaded
    assert [m for m in loaded if m.split(".")[0] in ("pulumi_ampeco", "pulumi")] == []


def test_tokens_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "AMPECO_SIM_TOKENS": "alpha, beta", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_ampeco.cli", "sim", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base = first.split("listening on ")[1].strip()
        assert "API tokens accepted: 2" in process.stdout.readline() + process.stdout.readline()
        for token, status in (("alpha", 200), ("beta", 200), ("gamma", 401)):
            r = httpx.get(f"{base}{API}/taxes/v2.0", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == status, token
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
