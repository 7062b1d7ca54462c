"""``ampeco-iac offline`` as a deploy path: one run at a time per state, a state that survives
SIGKILL at any moment, nothing written when a check fails, no silent mass delete, and a plan
that names what drifted. The command runs as its own process, as a user or CI runs it, against
the simulator over real sockets."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Sim
from .stack_harness import writes

TOKEN = "offline-trust-token-77"

PROGRAM = """\
import pulumi
import pulumi_ampeco as ampeco

site = ampeco.Location(
    "depot",
    external_id="trust-depot",
    name="Depot",
    geoposition={"latitude": 59.9, "longitude": 10.7},
    address="Street 1",
    country="NO",
    city="Oslo",
)
zone = ampeco.ChargingZone("zone", location_id=site.id, name="Level 1", status="enabled")
point = ampeco.ChargePoint(
    "cp",
    name="CP 1",
    type="public",
    status="enabled",
    location_id=site.id,
    charging_zone_id=zone.id,
    external_id="trust-cp",
    network={"id": "TRUST-CP", "protocol": "ocpp 1.6"},
)
evse = ampeco.Evse(
    "evse",
    charge_point_id=point.id,
    physical_reference="NO*TR*E1",
    current_type="ac",
    network_id="1",
    status="enabled",
    external_id="trust-evse",
    power_options={"max_power": 22000, "phases": "three_phase", "max_voltage": "400"},
)
# Two connectors alike: only the state tells them apart.
for plug in ("a", "b"):
    ampeco.Connector(
        f"plug-{plug}", charge_point_id=point.id, evse_id=evse.id, type="type2", format="socket"
    )
pulumi.export("evse_id", evse.id)
"""
DECLARED = 6
"""Custom resources of PROGRAM."""


class Cli:
    """A project directory and ``ampeco-iac offline`` as a separate process."""

    def __init__(self, root: Path, sim: Sim) -> None:
        self.root = root
        self.sim = sim
        #: Unique, so that the provider processes of this project can be found by it.
        self.project = f"trust-{uuid.uuid4().hex[:10]}"
        root.mkdir()
        (root / "Pulumi.yaml").write_text(f"name: {self.project}\nruntime: python\n")
        (root / "Pulumi.dev.yaml").write_text(f"config:\n  ampeco:tenantUrl: {sim.base_url}\n")
        self.write(PROGRAM)
        self.state = root / ".pulumi-offline" / "dev.json"

    def write(self, program: str) -> None:
        (self.root / "__main__.py").write_text(program)

    def command(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pulumi_ampeco.cli",
            "offline",
            *args,
            "--cwd",
            str(self.root),
        ]

    def env(self) -> dict[str, str]:
        env = {**os.environ, "AMPECO_API_TOKEN": TOKEN, "CI": "true"}
        env.pop("AMPECO_TENANT_URL", None)
        return env

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            self.command(*args), env=self.env(), capture_output=True, text=True, timeout=300
        )
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        assert TOKEN not in done.stdout + done.stderr
        return done

    def providers(self) -> list[int]:
        """Provider server processes of this project still alive."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if (
                b"ampeco_engine.provider_host" in cmdline
                and f"PULUMI_PROJECT={self.project}".encode() in environ.split(b"\0")
            ):
                found.append(int(entry.name))
        return found


@pytest.fixture
def cli(sim: Sim, tmp_path: Path) -> Cli:
    sim.use_token(TOKEN)
    return Cli(tmp_path / "project", sim)


def tenant_objects(sim: Sim) -> dict[str, list[int]]:
    """Ids of every object of the kinds PROGRAM declares, as the tenant lists them."""

    def ids(path: str) -> list[int]:
        response = api.get(path, params={"per_page": 100})
        assert response.status_code == 200, response.text
        return sorted(item["id"] for item in response.json()["data"])

    with sim.client() as api:
        found = {"locations": ids("/locations/v2.0"), "charge-points": ids("/charge-points/v2.0")}
        found["zones"] = [
            z for loc in found["locations"] for z in ids(f"/locations/v2.0/{loc}/charging-zones")
        ]
        found["evses"] = ids("/evses/v2.1")
        found["connectors"] = [
            c
            for cp in found["charge-points"]
            for evse in ids(f"/charge-points/v2.0/{cp}/evses")
            for c in ids(f"/charge-points/v2.0/{cp}/evses/{evse}/connectors")
        ]
    return found


def state_ids(state: Path) -> dict[str, str]:
    data = json.loads(state.read_text())
    assert not data.get("pending_creates"), data.get("pending_creates")
    return {urn.rsplit("::", 1)[1]: item["id"] for urn, item in data["resources"].items()}


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def fault_hits(sim: Sim) -> int:
    with sim.admin() as admin:
        return sum(f.get("hits", 0) for f in admin.get("/faults").json()["data"])


def assert_converged(cli: Cli) -> None:
    """Exactly the declared objects on the tenant, each recorded once, and a no-op preview."""
    objects = tenant_objects(cli.sim)
    assert {k: len(v) for k, v in objects.items()} == {
        "locations": 1,
        "charge-points": 1,
        "zones": 1,
        "evses": 1,
        "connectors": 2,
    }
    recorded = state_ids(cli.state)
    assert sorted(int(recorded[n]) for n in ("plug-a", "plug-b")) == objects["connectors"]
    assert int(recorded["depot"]) == objects["locations"][0]
    preview = cli.run("preview", "--expect-no-changes")
    assert preview.returncode == 0, preview.stdout + preview.stderr


# --- 1. one operation at a time ---------------------------------------------------------------


def test_two_concurrent_ups_one_refuses_naming_the_holder_and_nothing_is_made_twice(
    cli: Cli,
) -> None:
    cli.sim.fault(method="POST", path="/locations", latency_ms=2500, count=1)
    first = cli.start("up", "--new-stack")
    wait_for(lambda: fault_hits(cli.sim) >= 1, "the first up to send its create")
    second = cli.start("up", "--new-stack")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 2, out + err
    assert "is locked" in err and f"pid {first.pid}" in err
    assert f"host {socket.gethostname()}" in err and "up by pid" in err
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, out + err
    assert "interrupted run" not in out  # no create of this run was pending before it
    assert not cli.state.with_name("dev.json.lock").exists()
    assert_converged(cli)


def test_a_lock_left_by_a_dead_process_is_taken_over_and_another_hosts_needs_force(
    cli: Cli,
) -> None:
    lock = cli.state.with_name("dev.json.lock")
    lock.parent.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    holder = {
        "pid": int(dead.stdout),
        "host": socket.gethostname(),
        "started": "2026-11-29 01:00:00 UTC",
        "operation": "up",
    }
    lock.write_text(json.dumps(holder))
    done = cli.run("up", "--new-stack")
    assert done.returncode == 0, done.stderr
    assert f"took over the lock left by up by pid {holder['pid']}" in done.stderr

    lock.write_text(json.dumps({**holder, "host": "ci-runner-elsewhere"}))
    refused = cli.run("preview")
    assert refused.returncode == 2
    assert "ci-runner-elsewhere" in refused.stderr and "--force-unlock" in refused.stderr
    assert lock.exists()
    forced = cli.run("preview", "--force-unlock")
    assert forced.returncode == 0, forced.stderr
    assert not lock.exists()


# --- 2. crash-safe state ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "in_flight",
    [
        "/locations/v2.0$",  # the first create
        r"/evses(/v2\.1)?$",  # an EVSE, its parents done
        "/connectors$",  # both connectors (alike) at once
    ],
)
def test_sigkill_with_a_create_in_flight_then_up_converges_without_duplicates_or_adopt(
    cli: Cli, in_flight: str
) -> None:
    cli.sim.fault(method="POST", path=in_flight, latency_ms=1500)
    process = cli.start("up", "--new-stack")
    wait_for(lambda: fault_hits(cli.sim) >= 1, f"a create of {in_flight} in flight")
    time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    # The provider process ends with the engine; the tenant completes the create anyway.
    wait_for(lambda: not cli.providers(), "the provider process to end", timeout=15)
    time.sleep(1.6)
    with cli.sim.admin() as admin:
        admin.delete("/faults")
    journal = cli.state.with_name("dev.json.journal")
    assert journal.exists()
    entries = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
    assert any(e["op"] == "pending" for e in entries)

    done = cli.run("up")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "adopt" not in done.stdout
    assert "(an interrupted run may have made it" in done.stdout
    assert not journal.exists()
    assert_converged(cli)
    assert not cli.providers()


def test_sigkill_between_creates_keeps_what_was_made(cli: Cli) -> None:
    """Killed while the program's later creates wait: the objects made so far are in the
    journal, and the next up creates only the rest."""
    cli.sim.fault(method="POST", path="/charge-points/v2.0$", latency_ms=4000)
    process = cli.start("up", "--new-stack")
    wait_for(lambda: fault_hits(cli.sim) >= 1, "the charge point's create")
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    with cli.sim.admin() as admin:
        admin.delete("/faults")
        admin.delete("/requests")
    time.sleep(4.2)
    done = cli.run("up")
    assert done.returncode == 0, done.stderr
    posts = [e["path"] for e in cli.sim.requests() if e["method"] == "POST"]
    assert not any(p.endswith("/locations/v2.0") or p.endswith("/charging-zones") for p in posts)
    assert_converged(cli)


def test_a_create_the_tenant_refused_is_not_left_pending(cli: Cli) -> None:
    cli.sim.fault(method="POST", path="/charging-zones$", status=422, count=1)
    failed = cli.run("up", "--new-stack")
    assert failed.returncode == 1
    assert json.loads(cli.state.read_text())["pending_creates"] == []
    done = cli.run("up")
    assert done.returncode == 0, done.stderr
    assert "interrupted run" not in done.stdout + done.stderr
    assert_converged(cli)


# --- 3. validate, then apply --------------------------------------------------------------------


def test_up_checks_every_resource_first_and_reports_all_failures_with_zero_writes(
    cli: Cli,
) -> None:
    bad = PROGRAM.replace('country="NO"', 'country="Norway"').replace(
        'current_type="ac"', 'current_type="three-phase"'
    )
    cli.write(bad)
    with cli.sim.admin() as admin:
        admin.delete("/requests")
    done = cli.run("up", "--new-stack")
    assert done.returncode == 1
    assert "2 resources failed their checks" in done.stderr
    assert "ampeco:Location 'depot':" in done.stderr and "country" in done.stderr
    assert "ampeco:Evse 'evse':" in done.stderr and "current_type" in done.stderr
    assert "nothing was changed" in done.stderr
    assert writes(cli.sim.requests()) == []
    assert "+ create" not in done.stdout


# --- 4. no silent wipe-out ----------------------------------------------------------------------


def test_an_up_deleting_most_of_the_stack_needs_a_flag(cli: Cli) -> None:
    assert cli.run("up", "--new-stack").returncode == 0
    only_site = PROGRAM.split("zone = ")[0]
    cli.write(only_site)
    with cli.sim.admin() as admin:
        admin.delete("/requests")
    refused = cli.run("up")
    assert refused.returncode == 1
    assert "it would delete 5 of the 6 resources this stack manages" in refused.stderr
    assert "--allow-mass-delete" in refused.stderr
    assert "- delete" in refused.stdout
    assert writes(cli.sim.requests()) == []
    allowed = cli.run("up", "--allow-mass-delete")
    assert allowed.returncode == 0, allowed.stderr
    assert "5 deleted" in allowed.stdout


# --- 5. a plan that names the drift -------------------------------------------------------------


def test_drift_lists_each_field_with_the_tenants_value_and_the_programs(cli: Cli) -> None:
    assert cli.run("up", "--new-stack").returncode == 0
    site = state_ids(cli.state)["depot"]
    with cli.sim.client() as api:
        response = api.patch(f"/locations/v2.0/{site}", json={"city": "Bergen"})
        assert response.status_code == 200, response.text
    done = cli.run("preview")
    assert done.returncode == 0, done.stderr
    assert "~ update   ampeco:Location  depot" in done.stdout
    assert 'city: "Bergen" => "Oslo"' in done.stdout
    assert "differs from the program" not in done.stdout


# --- 7. clear starts ----------------------------------------------------------------------------


def test_a_stack_without_its_file_or_state_is_named_missing(cli: Cli) -> None:
    done = cli.run("preview", "--stack", "prdo")
    assert done.returncode == 2
    assert "there is no stack 'prdo'" in done.stderr and "Pulumi.prdo.yaml" in done.stderr
    assert "Previewing" not in done.stdout


# --- 8. progress --------------------------------------------------------------------------------


def test_the_engine_reports_phases_and_every_step_to_its_watcher(sim: Sim, tmp_path: Path) -> None:
    from ampeco_engine import OfflineStack, Step
    from ampeco_engine.project import project_program

    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    root = tmp_path / "p"
    root.mkdir()
    (root / "Pulumi.yaml").write_text("name: watched\nruntime: python\n")
    (root / "__main__.py").write_text(PROGRAM)
    events: list[tuple[Any, ...]] = []

    class Watcher:
        def phase(self, title: str, total: int | None) -> None:
            events.append(("phase", title, total))

        def started(self, type_: str, name: str) -> None:
            events.append(("started", name))

        def finished(self, step: Step) -> None:
            events.append(("finished", step.name, step.action))

        def note(self, line: str) -> None:
            events.append(("note", line))

    stack = OfflineStack(
        project_program(root),
        root / "state.json",
        {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN},
        project="watched",
        stack="dev",
        cwd=root,
        transport="inprocess",
    )
    stack.watcher = Watcher()
    stack.up()
    phases = [e for e in events if e[0] == "phase"]
    assert phases == [("phase", "Checking", None), ("phase", "up", DECLARED)]
    applied = events[events.index(phases[1]) :]
    assert sorted(e[1] for e in applied if e[0] == "finished") == sorted(
        ["depot", "zone", "cp", "evse", "plug-a", "plug-b"]
    )
    assert {e[2] for e in applied if e[0] == "finished"} == {"create"}
    assert len([e for e in applied if e[0] == "started"]) == DECLARED
