"""``ampeco-iac offline``: the plan printer on hand-made steps, then the command on a small
project directory against the simulator (the program in this process, the provider over gRPC,
as the command runs them)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ampeco_engine.values import make_secret
from pulumi_ampeco import offline
from pulumi_ampeco.cli import main
from pulumi_ampeco.testing import UNKNOWN, OfflineEngineError, RunResult, Step

from .conftest import Sim
from .stack_harness import writes

TOKEN = "offline-cli-SECRET-4d1a"
LOCATION = "pulumi-python:dynamic/ampeco:Location"
ZONE = "pulumi-python:dynamic/ampeco:ChargingZone"
CHARGE_POINT = "pulumi-python:dynamic/ampeco:ChargePoint"


def step(name: str, type_: str, action: Any, changes: list[str] | None = None, **kw: Any) -> Step:
    return Step(name, type_, f"urn:pulumi:dev::p::{type_}::{name}", action, changes or [], **kw)


# --- the printer -------------------------------------------------------------------------------


def test_a_create_shows_its_fields_nested_compact_and_secrets_masked() -> None:
    create = step(
        "cp",
        CHARGE_POINT,
        "create",
        inputs={
            "name": "CP 1",
            "location_id": 4000.0,
            "charging_zone_id": UNKNOWN,
            "network": make_secret({"id": "CP-1", "password": "hunter2"}),
            "tags": ["a", "b"],
            "working_hours": {
                "is_always_open": False,
                "hours": {
                    day: [{"start": "08:00", "end": "20:00"}] for day in ("monday", "friday")
                },
            },
            "label": [{"locale": "en", "translation": "Fast"}],
        },
    )
    text = offline.format_steps(RunResult("preview", [create], {}), "preview")
    assert text == textwrap.dedent(
        """\
        + create   ampeco:ChargePoint  cp
              charging_zone_id: (known after up)
              label: {en: "Fast"}
              location_id: 4000
              name: "CP 1"
              network: [secret]
              tags: ["a", "b"]
              working_hours:
                  hours:
                      friday: [{end: "20:00", start: "08:00"}]
                      monday: [{end: "20:00", start: "08:00"}]
                  is_always_open: false

        """
    )
    assert "hunter2" not in text


def test_an_update_shows_old_and_new_values_of_the_changed_leaves() -> None:
    update = step(
        "depot",
        LOCATION,
        "update",
        ["city", "network", "working_hours"],
        old_inputs={
            "city": "Oslo",
            "country": "NO",
            "network": make_secret({"password": "old-pw"}),
            "working_hours": {"is_always_open": True, "hours": {}},
        },
        inputs={
            "city": "Bergen",
            "country": "NO",
            "network": make_secret({"password": "new-pw"}),
            "working_hours": {"is_always_open": False, "hours": {}},
            "post_code": "5003",
        },
    )
    drift = step("zone", ZONE, "update", old_inputs={"name": "A"}, inputs={"name": "A"})
    text = offline.format_steps(RunResult("up", [update, drift], {}), "up")
    assert text == textwrap.dedent(
        """\
        ~ update   ampeco:Location  depot
              city: "Oslo" => "Bergen"
              network: [secret] => [secret]
              working_hours.is_always_open: true => false
        ~ update   ampeco:ChargingZone  zone
              (the object on the tenant differs from the program)

        """
    )
    assert "pw" not in text


def test_replace_delete_and_refresh_lines() -> None:
    gone = step("zone", ZONE, "replace", ["id"], old_inputs={"name": "A"}, inputs={"name": "A"})
    moved = step(
        "zone2", ZONE, "replace", ["location_id"], old_inputs={"location_id": 1.0}, inputs={}
    )
    deleted = step("old", LOCATION, "delete", old_inputs={"name": "x"}, id="17")
    text = offline.format_steps(RunResult("up", [gone, moved, deleted], {}), "up")
    assert text.splitlines() == [
        "+- replace ampeco:ChargingZone  zone",
        "      (deleted outside Pulumi: it is created again)",
        "+- replace ampeco:ChargingZone  zone2",
        "      location_id: 1 => (unset)",
        "- delete   ampeco:Location  old  (id 17)",
        "",
    ]

    read = step(
        "depot",
        LOCATION,
        "read",
        ["city", "last_updated_at"],
        old_inputs={"city": "Oslo"},
        inputs={"city": "Bergen"},
    )
    vanished = step("zone", ZONE, "delete", old_inputs={"name": "A"}, id="3")
    quiet = step("other", LOCATION, "read", old_inputs={"city": "X"}, inputs={"city": "X"})
    result = RunResult("refresh", [read, vanished, quiet], {})
    assert offline.format_steps(result, "refresh").splitlines() == [
        "~ refresh  ampeco:Location  depot",
        '      city: "Oslo" => "Bergen"',
        "      (also changed: last_updated_at)",
        "- delete   ampeco:ChargingZone  zone  (gone from the tenant: removed from the state)",
        "",
    ]
    assert offline.format_summary(result, "refresh") == "Done: 1 changed, 1 gone, 1 unchanged"


def test_summaries() -> None:
    def result(operation: Any, *actions: Any) -> RunResult:
        return RunResult(operation, [step(f"r{i}", LOCATION, a) for i, a in enumerate(actions)], {})

    mixed = ("create", "create", "create", "update", *["same"] * 8)
    assert offline.format_summary(result("preview", *mixed), "preview") == (
        "Plan: 3 to create, 1 to update, 8 unchanged"
    )
    assert offline.format_summary(result("up", *mixed), "up") == (
        "Done: 3 created, 1 updated, 8 unchanged"
    )
    assert offline.format_summary(result("up", "same", "same"), "up") == (
        "No changes: 2 resources unchanged"
    )
    assert offline.format_summary(result("preview", "same"), "preview") == (
        "No changes: 1 resource unchanged"
    )
    assert offline.format_summary(result("destroy", "delete", "delete"), "destroy") == (
        "Done: 2 deleted"
    )
    assert offline.format_summary(result("destroy"), "destroy") == (
        "No changes: the stack has no resources"
    )
    assert offline.format_summary(result("refresh", "read"), "refresh") == (
        "No changes: 1 resource as the tenant has them"
    )
    assert offline.has_changes(result("preview", "same", "update"))
    assert not offline.has_changes(result("preview", "same"))


def test_ids_and_outputs() -> None:
    steps = [
        step("zone", ZONE, "create", id="70"),
        step("depot", LOCATION, "same", id="4000"),
        step("gone", LOCATION, "delete", id="1"),
    ]
    assert offline.format_ids(steps).splitlines() == [
        "",
        "Ids:",
        "    ampeco:ChargingZone  zone   70",
        "    ampeco:Location      depot  4000",
    ]
    outputs = {"b": {"x": "1"}, "a": make_secret("s3cret"), "c": 2.0}
    assert offline.format_outputs(outputs).splitlines() == [
        "",
        "Outputs:",
        "    a: [secret]",
        '    b: {x: "1"}',
        "    c: 2",
    ]


def test_errors_list_check_failures_one_per_line_without_a_traceback() -> None:
    error = OfflineEngineError(
        f"preview failed: {LOCATION} resource 'depot': check failed: country: bad; name: empty",
        operation="preview",
        urn="urn:x",
        name="depot",
        type=LOCATION,
        details="Traceback (most recent call last):\n  ...",
        failures=[("country", "bad"), ("name", "empty")],
    )
    assert offline.format_error(error) == (
        "error: preview failed: ampeco:Location 'depot': check failed:\n"
        "    country: bad\n"
        "    name: empty\n"
    )
    assert "Traceback" in offline.format_error(error, verbose=True)
    program = OfflineEngineError(
        "up failed: the program raised KeyError: 'x'", operation="up", details="Traceback ..."
    )
    assert offline.format_error(program) == "error: up failed: the program raised KeyError: 'x'\n"


# --- the command -------------------------------------------------------------------------------

PROGRAM = """\
import pulumi

import pulumi_ampeco as ampeco

config = pulumi.Config()
depot = ampeco.Location(
    "depot",
    external_id="offline-cli-depot",
    name="Depot",
    geoposition={"latitude": 59.9, "longitude": 10.7},
    address="Street 1",
    country=config.get("country") or "NO",
    city=config.get("city") or "Oslo",
)
zone = ampeco.ChargingZone("zone", location_id=depot.id, name="Level 1", status="enabled")
pulumi.export("location_id", depot.id)
pulumi.export("zone_id", zone.id)
"""


class Project:
    """A project directory and ``ampeco-iac offline`` run on it, in this process."""

    def __init__(self, root: Path, sim: Sim, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.sim = sim
        self.capsys = capsys
        root.mkdir()
        (root / "Pulumi.yaml").write_text("name: offline-cli\nruntime: python\n")
        (root / "__main__.py").write_text(PROGRAM)
        (root / "Pulumi.dev.yaml").write_text(
            "config:\n"
            f"  ampeco:tenantUrl: {sim.base_url}\n"
            "  ampeco:apiToken:\n"
            "    secure: v1:c2FsdA==:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0\n"
        )

    def __call__(self, *args: str) -> tuple[int, str, str]:
        with self.sim.admin() as admin:
            admin.delete("/requests")
        code = main(["offline", *args, "--cwd", str(self.root)])
        out, err = self.capsys.readouterr()
        assert TOKEN not in out + err
        assert "Traceback" not in out + err
        return code, out, err

    def live(self, path: str) -> Any:
        with self.sim.client() as api:
            response = api.get(path)
            return response.json()["data"] if response.status_code == 200 else None


@pytest.fixture
def project(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Project:
    sim.use_token(TOKEN)
    monkeypatch.setenv("AMPECO_API_TOKEN", TOKEN)
    monkeypatch.delenv("AMPECO_TENANT_URL", raising=False)
    return Project(tmp_path / "project", sim, capsys)


def ids_in(out: str) -> dict[str, str]:
    block = out.split("\nIds:\n", 1)[1].split("\n\n", 1)[0]
    return {line.split()[1]: line.split()[2] for line in block.splitlines()}


def test_the_command_previews_applies_and_destroys_a_project(project: Project) -> None:
    code, out, _ = project("preview")
    assert code == 0
    assert "Offline engine (no Pulumi CLI): project offline-cli, stack dev" in out
    assert f"Tenant: {project.sim.base_url} (from ampeco:tenantUrl)" in out
    assert "Config: ampeco:apiToken taken from the environment (AMPECO_API_TOKEN)" in out
    assert "+ create   ampeco:Location  depot\n" in out
    assert '      name: {en: "Depot"}\n' in out
    assert "      location_id: (known after up)\n" in out
    assert out.rstrip().endswith("Plan: 2 to create")
    assert not (project.root / ".pulumi-offline").exists()  # a preview writes no state

    code, out, _ = project("up")
    assert code == 0
    assert "Done: 2 created" in out
    ids = ids_in(out)
    assert set(ids) == {"depot", "zone"}
    location = project.live(f"/locations/v2.0/{ids['depot']}")
    assert location["city"] == "Oslo"
    assert f'    location_id: "{ids["depot"]}"' in out.split("\nOutputs:\n", 1)[1]
    assert (project.root / ".pulumi-offline" / "dev.json").is_file()

    code, out, _ = project("preview", "--expect-no-changes")
    assert (code, out.rstrip().splitlines()[-1]) == (0, "No changes: 2 resources unchanged")
    assert writes(project.sim.requests()) == []

    code, out, _ = project("up", "--config", "city=Bergen")
    assert code == 0
    assert '~ update   ampeco:Location  depot\n      city: "Oslo" => "Bergen"\n' in out
    assert "Done: 1 updated, 1 unchanged" in out
    assert ids_in(out) == ids
    assert project.live(f"/locations/v2.0/{ids['depot']}")["city"] == "Bergen"

    code, out, err = project("preview", "--expect-no-changes")
    assert code == 1
    assert 'city: "Bergen" => "Oslo"' in out and "Plan: 1 to update, 1 unchanged" in out
    assert "no changes were expected" in err

    code, out, err = project("preview", "-c", "country=Norway", "-c", "city=Bergen")
    assert code == 1
    assert err.startswith("error: preview failed: ampeco:Location 'depot': check failed:\n")
    assert "\n    country: " in err

    with project.sim.client() as api:
        api.patch(f"/locations/v2.0/{ids['depot']}", json={"city": "Trondheim"}).raise_for_status()
    code, out, _ = project("refresh")
    assert code == 0
    assert '~ refresh  ampeco:Location  depot\n      city: "Bergen" => "Trondheim"\n' in out
    assert "Done: 1 changed, 1 unchanged" in out

    code, out, _ = project("destroy")
    assert code == 0
    assert "- delete   ampeco:Location  depot  (id " in out
    assert "Done: 2 deleted" in out
    assert project.live(f"/locations/v2.0/{ids['depot']}") is None
    state = json.loads((project.root / ".pulumi-offline" / "dev.json").read_text())
    assert state["resources"] == {}


def test_an_encrypted_value_without_its_variable_is_a_clear_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMPECO_API_TOKEN")
    code, out, err = project("preview")
    assert (code, out) == (2, "")
    assert "ampeco:apiToken is encrypted in Pulumi.dev.yaml" in err
    assert "set AMPECO_API_TOKEN" in err

    (project.root / "Pulumi.dev.yaml").write_text(
        "config:\n  offline-cli:dbPassword:\n    secure: v1:abc\n"
    )
    code, _, err = project("preview")
    assert code == 2
    assert "--secret-env offline-cli:dbPassword=VAR" in err
    monkeypatch.setenv("DB_PASSWORD", "pw")
    monkeypatch.setenv("AMPECO_TENANT_URL", project.sim.base_url)
    monkeypatch.setenv("AMPECO_API_TOKEN", TOKEN)
    code, out, _ = project("preview", "--secret-env", "dbPassword=DB_PASSWORD")
    assert code == 0
    assert "Config: offline-cli:dbPassword taken from the environment (DB_PASSWORD)" in out
    assert f"Tenant: {project.sim.base_url} (from AMPECO_TENANT_URL)" in out


def test_bad_invocations(project: Project, tmp_path: Path) -> None:
    code, _, err = project("preview", "--config", "no-equals-sign")
    assert code == 2 and "--config expects KEY=VALUE" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["offline", "up", "--cwd", str(empty)]) == 2
    assert "no Pulumi.yaml" in project.capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["offline", "preview", "--help"])
    assert exited.value.code == 0
    assert "--expect-no-changes" in project.capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["offline", "up", "--expect-no-changes"])


# --- review findings: reads, secrets, an unwritable state, a failed replacement, Ctrl+C ------


def test_a_read_that_found_nothing_new_is_no_change() -> None:
    unchanged = step("site", LOCATION, "read", old_inputs={"city": "Oslo"}, inputs={"city": "Oslo"})
    first = step("other", LOCATION, "read", inputs={"city": "Oslo"})
    changed = step(
        "third", LOCATION, "read", ["city"], old_inputs={"city": "Oslo"}, inputs={"city": "Bergen"}
    )
    quiet = RunResult("preview", [unchanged, step("a", ZONE, "same")], {})
    assert not offline.has_changes(quiet)
    assert offline.format_summary(quiet, "preview") == "No changes: 2 resources unchanged"
    loud = RunResult("up", [unchanged, first, changed], {})
    assert offline.format_summary(loud, "up") == "Done: 2 read, 1 unchanged"
    assert 'city: "Oslo" => "Bergen"' in offline.format_steps(loud, "up")


def test_secret_config_values_are_never_printed(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project.root / "__main__.py").write_text(
        PROGRAM + 'pulumi.export("motto", pulumi.Config().get("motto"))\n'
    )
    monkeypatch.setenv("MOTTO", "charge-SECRET-77")
    code, out, err = project("up", "--secret-env", "motto=MOTTO")
    assert code == 0
    assert "charge-SECRET-77" not in out + err
    assert '    motto: "[secret]"' in out or "    motto: [secret]" in out


def test_a_one_letter_secret_leaves_names_intact(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Secrets are masked by meaning: where a value equals one, or stands whole in free text;
    never inside a name (``ampeco:Location``, the project, a resource)."""
    (project.root / "__main__.py").write_text(
        PROGRAM + 'pulumi.export("motto", pulumi.Config().get("motto"))\n'
        'pulumi.export("sentence", "a value with e in it")\n'
    )
    monkeypatch.setenv("MOTTO", "e")
    code, out, err = project("up", "--secret-env", "motto=MOTTO")
    assert code == 0, err
    assert "ampeco:Location" in out and "ampeco:ChargingZone" in out
    assert "    motto: [secret]" in out or '    motto: "[secret]"' in out
    assert 'sentence: "a value with [secret] in it"' in out


def test_a_state_file_that_cannot_be_written_stops_before_any_api_call(
    project: Project, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    code, _, err = project("up", "--state", str(tmp_path / "a-file" / "state.json"))
    assert code == 2
    assert "as the state file" in err
    assert project.sim.requests() == []


def test_a_create_sent_again_after_a_lost_answer_fails_the_run_and_is_repeated_last(
    project: Project,
) -> None:
    """The tenant carries out the first POST 4 s after its 504, later than the looks for it
    (2 s): the run creates again, keeps that object, fails (the duplicate guard), and says
    what to look for as it happens and again at the end."""
    project.sim.fault(method="POST", path="/locations", status=504, late_ms=4000, count=1)
    code, _, err = project("up")
    assert code == 1
    state = json.loads((project.root / ".pulumi-offline" / "dev.json").read_text())
    [depot] = [r["id"] for u, r in state["resources"].items() if u.endswith("::depot")]
    warning = err.strip().splitlines()[-1]
    assert warning.startswith(
        "warning: possible duplicate: POST /public-api/resources/locations/v2.0: the answer was"
        " lost (Gateway Timeout) and no object with externalId='offline-cli-depot' appeared in"
    )
    assert warning.endswith(
        f"this run keeps the object it made, id {depot}. If the tenant carried out a lost one"
        " late, there are two: GET /public-api/resources/locations/v2.0?filter[externalId]="
        "offline-cli-depot and delete each object with externalId='offline-cli-depot' other"
        f" than id {depot}"
    )
    assert err.count("possible duplicate: POST") == 2  # as it happened, and again at the end
    # How far it got, in requests that wrote: the two POSTs of the location.
    assert "2 write requests had been sent to the tenant when it stopped" in err


def test_a_damaged_state_file_stops_before_any_api_call_and_names_the_entry(
    project: Project,
) -> None:
    code, _, _ = project("up")
    assert code == 0
    state = project.root / ".pulumi-offline" / "dev.json"
    data = json.loads(state.read_text())
    urn = next(u for u in data["resources"] if u.endswith("::zone"))
    data["resources"][urn]["outputs"] = "lost"
    state.write_text(json.dumps(data))
    code, _, err = project("preview")
    assert code == 2
    position = list(data["resources"]).index(urn)
    assert f"error: {state}: resources[{position}]: 'outputs' should be an object, not text." in err
    state.write_text(state.read_text()[:200])  # cut short, as by a full disk
    code, _, err = project("up")
    assert code == 2
    assert f"error: {state}: not a state file: it ends early, at line 1: it was cut short." in err
    assert project.sim.requests() == []


def test_a_failed_delete_first_replacement_reports_the_deleted_original(
    project: Project,
) -> None:
    code, out, _ = project("up")
    assert code == 0
    (project.root / "__main__.py").write_text(
        PROGRAM.replace('name="Level 1", status="enabled")', 'name="Level 1", status="enabled")\n')
        .replace("location_id=depot.id", "location_id=other.id")
        .replace(
            "zone = ampeco",
            'other = ampeco.Location("other", external_id="offline-cli-other", name="O",'
            ' geoposition={"latitude": 1, "longitude": 1}, address="A", country="NO")\n'
            "zone = ampeco",
        )
    )
    project.sim.fault(method="POST", path="/charging-zones", status=422)
    code, out, err = project("up")
    assert code == 1
    assert "- delete   ampeco:ChargingZone  zone  (id " in out
    assert "422" in err


def test_ctrl_c_finishes_the_running_steps_and_records_them(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT to the command's process group (as a terminal sends it): the create in flight
    finishes and is recorded, nothing new starts, and the next ``up`` converges."""
    import os
    import signal
    import subprocess
    import sys
    import time

    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    root = tmp_path / "project"
    root.mkdir()
    (root / "Pulumi.yaml").write_text("name: offline-cli\nruntime: python\n")
    (root / "__main__.py").write_text(PROGRAM)
    env = {**os.environ, "AMPECO_TENANT_URL": sim.base_url, "AMPECO_API_TOKEN": TOKEN}
    sim.fault(method="POST", path="/locations", latency_ms=3000)
    command = [
        *(sys.executable, "-m", "pulumi_ampeco.cli", "offline", "up"),
        *("--cwd", str(root), "--new-stack"),
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sim.admin() as admin:
            faults = admin.get("/faults").json()["data"]
        if faults and faults[0].get("hits", 0) >= 1:
            break
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    locations = [r for r in sim.requests() if r["method"] == "POST"]
    assert [r["path"].rsplit("/", 1)[-1] for r in locations] == ["v2.0"], "no zone was started"
    state = json.loads((root / ".pulumi-offline" / "dev.json").read_text())
    assert any(urn.endswith("::depot") for urn in state["resources"])

    with sim.admin() as admin:
        admin.delete("/faults")
    again = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    assert again.returncode == 0, again.stderr.decode()
    assert "Done: 1 created, 1 unchanged" in again.stdout.decode()


@pytest.mark.parametrize("missing", ["tenantUrl", "apiToken"])
def test_a_preview_without_tenant_or_token_stops_before_it_runs(
    project: Project, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    stack_file = project.root / "Pulumi.dev.yaml"
    if missing == "apiToken":  # not in the stack file, not in the environment
        monkeypatch.delenv("AMPECO_API_TOKEN")
        stack_file.write_text(f"config:\n  ampeco:tenantUrl: {project.sim.base_url}\n")
    else:
        stack_file.write_text("config: {}\n")
    code, out, err = project("preview")
    assert code == 2
    assert f"ampeco:{missing} is not set" in err
    assert "Previewing" not in out
    assert project.sim.requests() == []
