"""The simulator as a process: start-up, signals, persistence, concurrent writers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from . import factories as f
from .conftest import API, Sim, SimProcess


def _client(proc: SimProcess) -> httpx.Client:
    return httpx.Client(
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
    with httpx.Client(base_url=proc.base_url + API) as raw:
        r = raw.get("/locations/v2.0", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    assert proc.stop() == 0


def test_sixteen_concurrent_writers(sim: Sim) -> None:
    errors: list[str] = []
    ids: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        with sim.client() as api:
            for i in range(25):
                r = api.post("/locations/v2.0", json=f.location(n * 100 + i))
                with lock:
                    if r.status_code != 201:
                        errors.append(r.text)
                    else:
                        ids.append(r.json()["data"]["id"])
                        # A write that was answered is there to read.
                        assert api.get(f"/locations/v2.0/{ids[-1]}").status_code == 200

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == len(set(ids)) == 400
    with sim.client() as api:
        listed = []
        url: str | None = "/locations/v2.0?per_page=100"
        while url:
            body = api.get(url).json()
            listed += [o["id"] for o in body["data"]]
            url = body["links"]["next"]
    assert sorted(listed) == sorted(ids)
    assert all(e["status"] != 500 for e in sim.requests())


def test_concurrent_updates_are_not_lost(sim: Sim) -> None:
    with sim.client() as api:
        tax = api.post("/taxes/v2.0", json=f.tax()).json()["data"]
        loc = api.post("/locations/v2.0", json=f.location()).json()["data"]

    def patch(field: str, value: str) -> None:
        with sim.client() as api:
            assert api.patch(f"/locations/v2.0/{loc['id']}", json={field: value}).is_success

    fields = ["city", "region", "postCode", "timezone"]
    threads = [threading.Thread(target=patch, args=(fld, f"v-{fld}")) for fld in fields]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sim.client() as api:
        final = api.get(f"/locations/v2.0/{loc['id']}").json()["data"]
        assert api.get(f"/taxes/v2.0/{tax['id']}").status_code == 200
    assert {fld: final[fld] for fld in fields} == {fld: f"v-{fld}" for fld in fields}


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
