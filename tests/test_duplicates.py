"""The duplicate guard through ``ampeco-iac offline``: a create that may have a twin keeps its
object, fails the run naming kind, key and ids, and is remembered in the state; every later
preview repeats it and every up fails until the twin is gone or accepted; of two stacks that
create one object at once, the one that looks last fails naming both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_ampeco.duplicates import MARKER

from .conftest import Sim
from .test_offline_cli import PROGRAM, TOKEN, Project, ids_in, project

__all__ = ["project"]  # the fixture, used by name

COLLECTION = "/public-api/resources/locations/v2.0"


def _depots(project: Project) -> list[int]:
    with project.sim.client() as api:
        data = api.get("/locations/v2.0", params={"filter[externalId]": "offline-cli-depot"})
    return sorted(int(o["id"]) for o in data.json()["data"])


def _until_twins(project: Project, deadline: float = 15.0) -> list[int]:
    """The depots once the tenant has carried out its late create."""
    end = time.monotonic() + deadline
    while len(found := _depots(project)) < 2 and time.monotonic() < end:
        time.sleep(0.2)
    assert len(found) == 2, found
    return found


def _marker(project: Project) -> Any:
    state = json.loads((project.root / ".pulumi-offline" / "dev.json").read_text())
    [depot] = [r for u, r in state["resources"].items() if u.endswith("::depot")]
    return depot["outputs"].get(MARKER), depot["id"]


def _late_twin(project: Project) -> tuple[int, int]:
    """An up whose location create lost its answer, was sent again, and that the tenant also
    carries out 4 s later: the run fails, keeps its object and remembers the suspicion."""
    project.sim.fault(method="POST", path="/locations", status=504, late_ms=4000, count=1)
    code, _, err = project("up")
    assert code == 1
    kept = _marker(project)[1]
    assert (
        "error: up failed: ampeco:Location 'depot': create failed: possible duplicate: Location"
        " with externalId='offline-cli-depot': its create was sent again after an answer was"
        f" lost, and the tenant may still carry out the lost one; this stack keeps id {kept}"
    ) in err
    assert "(the object is kept in the state, and the next up looks at it again)" in err
    marker, _ = _marker(project)
    assert marker["kept"] == int(kept) and marker["resent"] is True
    [twin] = [i for i in _until_twins(project) if i != int(kept)]
    return int(kept), twin


def test_a_late_twin_fails_every_up_until_it_is_deleted(project: Project) -> None:
    kept, twin = _late_twin(project)

    code, out, err = project("preview")
    assert code == 0
    assert "~ update   ampeco:Location  depot" in out
    assert f"id {kept}, which this stack keeps, and id {twin}" not in err  # the state's view
    assert "possible duplicate: Location with externalId='offline-cli-depot'" in err

    code, _, err = project("up")
    assert code == 1
    assert (
        "possible duplicate: Location with externalId='offline-cli-depot': the tenant holds 2"
        f" objects with it: id {kept}, which this stack keeps, and id {twin}. To end this,"
        f" delete the extra object (id {twin}; GET {COLLECTION}?filter[externalId]="
        "offline-cli-depot lists them), or, if they are meant to share the key, accept them:"
        f" `pulumi config set ampeco:acceptedDuplicates {twin}`"
    ) in err
    assert _marker(project)[0]["others"] == [twin]

    code, out, err = project("preview")  # the state now names the twin
    assert f"id {kept}, which this stack keeps, and id {twin}" in err

    with project.sim.client() as api:
        assert api.delete(f"/locations/v2.0/{twin}").status_code in (200, 204)
    code, out, _ = project("up")
    assert code == 0, out
    writes = [(r["method"], r["path"]) for r in project.sim.requests() if r["method"] != "GET"]
    assert [w for w in writes if "charging-zones" not in w[1]] == []  # looking writes nothing
    assert _marker(project)[0] is None
    code, out, _ = project("preview")
    assert code == 0 and "No changes: 2 resources unchanged" in out
    assert ids_in(project("up")[1])["depot"] == str(kept)


def test_an_accepted_twin_ends_the_suspicion(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, twin = _late_twin(project)
    monkeypatch.setenv("AMPECO_ACCEPTED_DUPLICATES", f"{twin}")
    code, _, err = project("up")
    assert code == 0, err
    assert _marker(project)[0] is None
    assert sorted(_depots(project)) == sorted([kept, twin])  # both stay


def test_a_lost_answer_without_a_twin_is_cleared_by_the_next_up(project: Project) -> None:
    """The lost create never happened: the suspicion fails one run, and the next up, finding
    one object with the key, ends it."""
    project.sim.fault(method="POST", path="/locations", status=504, count=1)
    code, _, err = project("up")
    assert code == 1
    assert "possible duplicate: Location with externalId='offline-cli-depot'" in err
    assert _marker(project)[0] is not None
    code, _, err = project("up")
    assert code == 0, err
    assert _marker(project)[0] is None
    assert len(_depots(project)) == 1


def test_two_stacks_that_create_one_object_at_once_never_both_succeed(
    sim: Sim, tmp_path: Path
) -> None:
    """Two projects declare the same location (one external id) and run `up` at the same time
    against one tenant: the tenant gets two objects, and the runs do not both exit 0."""
    sim.use_token(TOKEN)
    # Each create is carried out 4 s after it arrives: both runs list before either lands.
    sim.fault(method="POST", path="/locations", latency_ms=4000, count=2)
    env = {**os.environ, "AMPECO_API_TOKEN": TOKEN, "AMPECO_TENANT_URL": sim.base_url}
    runs = []
    for name in ("a", "b"):
        root = tmp_path / name
        root.mkdir()
        (root / "Pulumi.yaml").write_text(f"name: race-{name}\nruntime: python\n")
        (root / "__main__.py").write_text(PROGRAM)
        (root / "Pulumi.dev.yaml").write_text("config: {}\n")
        runs.append(
            subprocess.Popen(
                [sys.executable, "-m", "pulumi_ampeco.cli", "offline", "up", "--cwd", str(root)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [(r.wait(timeout=120), *r.communicate()) for r in runs]
    with sim.client() as api:
        listed = api.get("/locations/v2.0", params={"filter[externalId]": "offline-cli-depot"})
    ids = sorted(int(o["id"]) for o in listed.json()["data"])
    assert len(ids) == 2
    # The run whose create landed last sees both objects when it looks; the other may have
    # looked before the second landed. Never do both exit 0.
    failed = [err for code, _, err in results if code != 0]
    assert failed, results
    for err in failed:
        assert "possible duplicate: Location with externalId='offline-cli-depot'" in err
        assert f"id {ids[0]}" in err and f"id {ids[1]}" in err
    assert all(code in (0, 1) for code, _, _ in results)


def test_the_in_process_transport_keeps_the_object_as_grpc_does(sim: Sim, tmp_path: Path) -> None:
    """The same guard through the in-process provider server: the failed create's object is
    in the state, with the suspicion, and the run raises naming the kind and the key."""
    from pulumi_ampeco import Location
    from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

    sim.fault(method="POST", path="/locations", status=504, count=1)

    def program() -> None:
        Location(
            "depot",
            external_id="in-process-depot",
            name="Depot",
            geoposition={"latitude": 59.9, "longitude": 10.7},
            address="Street 1",
            country="NO",
        )

    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": sim.token}
    with OfflineStack(program, tmp_path / "state.json", config, transport="inprocess") as stack:
        with pytest.raises(OfflineEngineError) as failed:
            stack.up()
        assert "possible duplicate: Location with externalId='in-process-depot'" in str(
            failed.value
        )
        [depot] = [r for u, r in stack.state()["resources"].items() if u.endswith("::depot")]
        assert depot["outputs"][MARKER]["resent"] is True
        assert stack.up().counts() == {"update": 1}  # looked again: one object, so it ends
        [depot] = [r for u, r in stack.state()["resources"].items() if u.endswith("::depot")]
        assert MARKER not in depot["outputs"]


def test_a_failed_look_after_the_create_keeps_the_object_and_looks_again_next_time(
    sim: Sim,
) -> None:
    """The listing after the POST fails (a 500): the object exists, so it is kept with an
    unverified suspicion rather than lost to the state; the next update looks again."""
    from pulumi_ampeco.errors import DuplicateSuspectedError

    from . import test_provider
    from .test_provider import LOCATION, checked, provider

    test_provider.CONFIG.clear()
    test_provider.CONFIG.update({"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": sim.token})
    try:
        p = provider("Location")
        inputs = checked("Location", LOCATION)
        p._find(p._key(inputs))  # type: ignore[arg-type]  # the run's listing, read before
        sim.fault(method="GET", path="/locations", status=500, count=1)
        with pytest.raises(DuplicateSuspectedError) as failed:
            p.create(inputs)
        kept = failed.value
        assert "looking for other objects with it after the create failed" in str(kept)
        assert kept.outputs[MARKER]["unverified"]
        assert len(_ids(sim, "site-1")) == 1
        again = p.update(kept.id, kept.outputs, inputs)  # looks again: one object, so it ends
        assert MARKER not in again.outs
    finally:
        from pulumi_ampeco import runtime

        runtime.reset()


def _ids(sim: Sim, external_id: str) -> list[int]:
    with sim.client() as api:
        data = api.get("/locations/v2.0", params={"filter[externalId]": external_id})
    return [int(o["id"]) for o in data.json()["data"]]
