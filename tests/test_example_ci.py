"""The GitHub Actions examples (``examples/ci/pulumi.yml``, ``examples/ci/drift-report.yml``):
what they do, and the project they run.

The tests read each workflow as data and check what matters for a tenant: when it previews and
when it applies, that the tenant document is validated before anything reaches the tenant,
that the guard reads the plan between the preview and the apply, where the token comes from
and that no shell step that does not call the tenant sees it, that the preview reaches the job
summary, that applies to one stack never overlap, and how the drift report's reference export
is compared and recorded. The validate and guard steps are run as written. The last test runs
the project directory and stack the workflow names through the offline engine against the
simulator, with config as the workflow provides it (the stack file's plain values, the token
as a secret from outside).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ampeco_engine.project import project_name, project_program, stack_config
from pulumi_ampeco.testing import OfflineStack

from .ci_examples import AMPECO_IAC, evaluate, git, reference_remote, run_script
from .conftest import Sim
from .live_objects import paths_in_state, statuses

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "examples" / "ci" / "pulumi.yml"
DRIFT = REPO / "examples" / "ci" / "drift-report.yml"
PULUMI_ACTION = "pulumi/actions@"
SECRET_ENV = ("AMPECO_API_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE")

#: The events the workflow has to be right about.
PULL_REQUEST = {"github.event_name": "pull_request", "github.ref": "refs/pull/7/merge"}
PUSH_MAIN = {"github.event_name": "push", "github.ref": "refs/heads/main"}
PUSH_OTHER = {"github.event_name": "push", "github.ref": "refs/heads/feature"}
DISPATCH_MAIN = {"github.event_name": "workflow_dispatch", "github.ref": "refs/heads/main"}
DISPATCH_OTHER = {"github.event_name": "workflow_dispatch", "github.ref": "refs/heads/feature"}


@dataclass(frozen=True)
class PulumiStep:
    job: str
    command: str
    work_dir: str
    stack: str
    step: dict[str, Any]


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _workflow() -> dict[Any, Any]:
    return _load(WORKFLOW)


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true.
    triggers = workflow.get("on", workflow.get(True))
    assert isinstance(triggers, dict), "the workflow's `on:` must be a mapping of events"
    return triggers


def _resolve(value: Any, env: dict[str, Any]) -> str:
    """A string with its ``${{ env.NAME }}`` expressions replaced by the workflow's env."""

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in env, f"${{{{ env.{name} }}}} is not set in the workflow"
        return str(env[name])

    return re.sub(r"\$\{\{\s*env\.(\w+)\s*\}\}", lookup, str(value))


def _pulumi_steps(workflow: dict[Any, Any]) -> list[PulumiStep]:
    """The steps that run a Pulumi command through the action (not the one that only installs
    the CLI)."""
    found = []
    for job_id, job in workflow["jobs"].items():
        env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
        for step in job["steps"]:
            inputs = step.get("with") or {}
            if str(step.get("uses", "")).startswith(PULUMI_ACTION) and inputs.get("command"):
                found.append(
                    PulumiStep(
                        job=job_id,
                        command=str(inputs["command"]),
                        work_dir=_resolve(inputs.get("work-dir", "./"), env),
                        stack=_resolve(inputs.get("stack-name", ""), env),
                        step=step,
                    )
                )
    return found


def _jobs_for(workflow: dict[Any, Any], event: dict[str, Any]) -> set[str]:
    return {
        job_id
        for job_id, job in workflow["jobs"].items()
        if evaluate(str(job.get("if", "")), event.get)
    }


def _target() -> tuple[Path, str]:
    """The project directory and stack the workflow deploys (the same for every step)."""
    targets = {(step.work_dir, step.stack) for step in _pulumi_steps(_workflow())}
    assert len(targets) == 1, f"the Pulumi steps disagree on project and stack: {targets}"
    ((work_dir, stack),) = targets
    return (REPO / work_dir).resolve(), stack


def _sees_secrets(step: dict[str, Any]) -> bool:
    return "secrets." in yaml.safe_dump({"env": step.get("env"), "with": step.get("with")})


def _kind(step: dict[str, Any]) -> str:
    """What a step is for: checkout, python, install, validate, plan (the JSON preview),
    guard, cli (installs the Pulumi CLI), preview or up (the action), or other."""
    uses, run = str(step.get("uses", "")), str(step.get("run", ""))
    if uses.startswith(PULUMI_ACTION):
        return str((step.get("with") or {}).get("command") or "cli")
    if uses.startswith("actions/checkout@"):
        return "checkout"
    if uses.startswith("actions/setup-python@"):
        return "python"
    if "pip install" in run:
        return "install"
    if f"{AMPECO_IAC} validate" in run:
        return "validate"
    if f"{AMPECO_IAC} guard" in run:
        return "guard"
    if run.startswith("pulumi preview --json"):
        return "plan"
    return "other"


def _kinds(job: dict[str, Any]) -> list[str]:
    return [_kind(step) for step in job["steps"]]


def _step(job: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [step for step in job["steps"] if _kind(step) == kind]
    return found


def _run_step(
    script: str, env: dict[str, str], cwd: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    """A ``run:`` script as the runner runs it (``bash -e``), with the workflow's env."""
    return run_script(script, {**env, **extra}, cwd)


def _plan(deletes: int, replaces: int = 0) -> dict[str, Any]:
    """A plan in the shape of ``pulumi preview --json`` with this many deletes and
    replacements of tenant objects, and a component removed alongside."""
    prefix = "urn:pulumi:prod::tenant::ampeco:index:Tenant$pulumi-python:dynamic/ampeco:"
    steps: list[dict[str, Any]] = [
        {
            "op": "delete",
            "urn": "urn:pulumi:prod::tenant::ampeco:index:Tenant::old",
            "oldState": {"type": "ampeco:index:Tenant", "custom": False},
        },
    ]
    for number in range(deletes):
        steps.append(
            {
                "op": "delete",
                "urn": f"{prefix}ChargePoint::cp-{number}",
                "oldState": {
                    "type": "pulumi-python:dynamic/ampeco:ChargePoint",
                    "custom": True,
                    "id": str(90000 + number),
                },
            }
        )
    for number in range(replaces):
        steps.append(
            {
                "op": "replace",
                "urn": f"{prefix}Tariff::t-{number}",
                "oldState": {
                    "type": "pulumi-python:dynamic/ampeco:Tariff",
                    "custom": True,
                    "id": str(2200 + number),
                },
            }
        )
    return {"steps": steps, "changeSummary": {"delete": deletes + 1, "replace": replaces}}


# --- pulumi.yml ------------------------------------------------------------------------------


def test_it_runs_on_pull_requests_pushes_to_main_and_by_hand() -> None:
    triggers = _triggers(_workflow())
    # Never pull_request_target: that would run a fork's code with the repository's secrets.
    assert set(triggers) == {"pull_request", "push", "workflow_dispatch"}
    assert triggers["pull_request"]["branches"] == ["main"]
    assert triggers["push"]["branches"] == ["main"]
    # The run by hand exists to confirm a reviewed plan's deletes, and only that.
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"confirm-deletes"}


def test_preview_only_on_pull_requests_and_up_only_on_main() -> None:
    workflow = _workflow()
    steps = _pulumi_steps(workflow)
    commands_by_job: dict[str, set[str]] = {}
    for step in steps:
        commands_by_job.setdefault(step.job, set()).add(step.command)
    assert sorted(c for cs in commands_by_job.values() for c in cs) == ["preview", "up"]

    def commands(event: dict[str, str]) -> set[str]:
        return {c for job in _jobs_for(workflow, event) for c in commands_by_job.get(job, ())}

    assert commands(PULL_REQUEST) == {"preview"}
    assert commands(PUSH_MAIN) == {"up"}
    assert commands(DISPATCH_MAIN) == {"up"}
    assert commands(PUSH_OTHER) == set()
    assert commands(DISPATCH_OTHER) == set()
    # The preview shows the diff, and the summary gets it.
    (preview,) = [s for s in steps if s.command == "preview"]
    assert preview.step["with"].get("diff") in (True, "true")
    assert preview.step["with"].get("comment-on-summary") in (True, "true")


def test_the_project_and_stack_are_set_in_one_place() -> None:
    workflow = _workflow()
    for step in _pulumi_steps(workflow):
        assert step.step["with"]["work-dir"] == "${{ env.PULUMI_WORK_DIR }}"
        assert step.step["with"]["stack-name"] == "${{ env.PULUMI_STACK }}"
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if _kind(step) in ("plan", "validate"):
                assert '--stack "$PULUMI_STACK"' in step["run"], step
                assert '"$PULUMI_WORK_DIR' in step["run"], step
    work_dir, stack = _target()
    assert work_dir == REPO / "examples" / "tenant-yaml"
    assert stack == "prod"


def test_the_token_is_a_secret_that_only_the_steps_calling_the_tenant_see() -> None:
    workflow = _workflow()
    text = WORKFLOW.read_text(encoding="utf-8")
    # Secrets are not exported to the whole workflow or job (pip would see them).
    for scope in [workflow, *workflow["jobs"].values()]:
        assert "secrets." not in yaml.safe_dump(scope.get("env") or {})
    seen_by = set()
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            kind = _kind(step)
            if _sees_secrets(step):
                seen_by.add(kind)
                env = step["env"]
                assert env["AMPECO_API_TOKEN"] == "${{ secrets.AMPECO_API_TOKEN }}"
                assert re.fullmatch(
                    r"\$\{\{ (vars|secrets)\.AMPECO_TENANT_URL \}\}", env["AMPECO_TENANT_URL"]
                )
                for name in SECRET_ENV:
                    assert env[name] == f"${{{{ secrets.{name} }}}}"
                # Not handed over as config either (the action could write it to the stack).
                assert "secrets." not in yaml.safe_dump(step.get("with") or {})
            else:
                shown = yaml.safe_dump({"run": step.get("run"), "env": step.get("env")})
                assert "AMPECO_API_TOKEN" not in shown and "apiToken" not in shown, step
    # Only what calls the tenant: the preview and the up, and the one shell command that
    # writes the plan as JSON. Not the install, the validation or the guard.
    assert seen_by == {"preview", "up", "plan"}
    # No literal token and no config command that would store one.
    assert "ampeco:apiToken" not in text


def test_least_privilege_permissions() -> None:
    workflow = _workflow()
    assert workflow["permissions"] == {"contents": "read"}
    for job in workflow["jobs"].values():
        assert "write" not in yaml.safe_dump(job.get("permissions") or {})


def test_applies_to_the_stack_never_overlap() -> None:
    workflow = _workflow()
    _, stack = _target()
    up_jobs = {s.job for s in _pulumi_steps(workflow) if s.command == "up"}
    assert up_jobs
    for job_id in up_jobs:
        job = workflow["jobs"][job_id]
        concurrency = job.get("concurrency") or workflow.get("concurrency")
        assert isinstance(concurrency, dict), f"job {job_id} has no concurrency group"
        group = str(concurrency["group"])
        # One group per stack, the same for every run: not keyed by anything a run changes.
        assert stack.rsplit("/", 1)[-1] in group
        assert not re.search(r"run_id|run_number|run_attempt|sha", group)
        # A running apply is never cancelled halfway.
        assert concurrency.get("cancel-in-progress") in (False, "false", None)
        # Deploys through a GitHub environment, where reviewers can be required.
        assert job.get("environment")


def test_each_job_validates_the_document_before_anything_reaches_the_tenant() -> None:
    for job_id, job in _workflow()["jobs"].items():
        kinds = _kinds(job)
        checkout, python, install = (kinds.index(k) for k in ("checkout", "python", "install"))
        validate = kinds.index("validate")
        first_call = min(i for i, step in enumerate(job["steps"]) if _sees_secrets(step))
        assert checkout < python < install < validate < first_call, (job_id, kinds)


def test_the_validate_step_passes_as_written() -> None:
    workflow = _workflow()
    env = {k: str(v) for k, v in workflow["env"].items()}
    for job in workflow["jobs"].values():
        done = _run_step(_step(job, "validate")["run"], env, REPO)
        assert done.returncode == 0, done.stderr
        assert "tenant.yaml: valid" in done.stdout


def test_the_guard_reads_the_plan_between_the_preview_and_the_up() -> None:
    workflow = _workflow()
    up = workflow["jobs"]["up"]
    kinds = _kinds(up)
    assert kinds.index("validate") < kinds.index("cli") < kinds.index("plan")
    assert kinds.index("plan") < kinds.index("guard") < kinds.index("up")
    guard = _step(up, "guard")
    # Here it stops the job; only the run by hand carries a confirmation.
    assert not guard.get("continue-on-error")
    assert guard["env"] == {"AMPECO_CONFIRM_DELETES": "${{ inputs.confirm-deletes }}"}
    # On a pull request it reports the same plan without failing the check.
    preview = workflow["jobs"]["preview"]
    kinds = _kinds(preview)
    assert kinds.index("preview") < kinds.index("plan") < kinds.index("guard")
    assert _step(preview, "guard").get("continue-on-error") is True
    assert "env" not in _step(preview, "guard")
    for job in (up, preview):
        plan = _step(job, "plan")["run"]
        assert plan.rstrip().endswith("> plan.json") and "--non-interactive" in plan
        assert _step(job, "guard")["run"] == (
            f'{AMPECO_IAC} guard plan.json --max-deletes "$MAX_DELETES"'
        )
    assert int(workflow["env"]["MAX_DELETES"]) > 0


@pytest.mark.parametrize(
    ("deletes", "replaces", "confirm", "status"),
    [(2, 0, "", 0), (4, 1, "", 0), (5, 1, "", 1), (5, 1, "6", 0), (5, 1, "5", 1)],
)
def test_the_guard_step_as_written_stops_a_plan_over_the_limit(
    tmp_path: Path, deletes: int, replaces: int, confirm: str, status: int
) -> None:
    workflow = _workflow()
    assert workflow["env"]["MAX_DELETES"] == "5"
    (tmp_path / "plan.json").write_text(json.dumps(_plan(deletes, replaces)))
    step = _step(workflow["jobs"]["up"], "guard")
    env = {k: str(v) for k, v in workflow["env"].items()}
    done = _run_step(step["run"], env, tmp_path, AMPECO_CONFIRM_DELETES=confirm)
    assert done.returncode == status, done.stdout + done.stderr
    counted = deletes + replaces
    assert f"The plan deletes {counted} objects from the tenant" in done.stdout + done.stderr


def test_the_workflow_stack_runs_against_the_simulator(sim: Sim, tmp_path: Path) -> None:
    """What the workflow runs, offline: the project and stack it names, config from the
    stack file plus the tenant and token from outside, as the workflow's env provides them."""
    work_dir, stack_name = _target()
    stack = stack_name.rsplit("/", 1)[-1]  # `org/prod` keeps its config in Pulumi.prod.yaml
    config = stack_config(work_dir, stack)
    assert "ampeco:apiToken" not in {*config.values, *config.encrypted}, (
        f"Pulumi.{stack}.yaml must not hold the token; CI passes it as a secret"
    )
    offline = OfflineStack(
        project_program(work_dir),
        tmp_path / "state.json",
        config={
            **config.values,
            "ampeco:tenantUrl": sim.base_url,
            "ampeco:apiToken": sim.token,
        },
        secrets=("ampeco:apiToken",),
        project=project_name(work_dir),
        stack=stack,
        cwd=work_dir,
    )

    preview = offline.preview()
    assert set(preview.counts()) == {"create"}, preview.counts()
    assert [e for e in sim.requests() if e["method"] != "GET"] == []

    up = offline.up()
    assert up.counts() == preview.counts()
    objects = paths_in_state(offline.state()["resources"])
    assert objects, "the stack created no tenant objects"
    assert set(statuses(sim.base_url, sim.token, objects).values()) == {200}
    assert sim.token not in offline.state_path.read_text(encoding="utf-8")

    with sim.admin() as admin:
        admin.delete("/requests")
    again = offline.preview()
    assert again.counts() == {"same": sum(up.counts().values())}
    calls = sim.requests()
    assert calls and [(e["method"], e["path"]) for e in calls if e["method"] != "GET"] == []

    destroyed = offline.destroy()
    assert destroyed.counts() == {"delete": sum(up.counts().values())}
    assert offline.state()["resources"] == {}
    assert set(statuses(sim.base_url, sim.token, objects).values()) == {404}


@pytest.mark.parametrize(
    "event", [PULL_REQUEST, PUSH_MAIN, PUSH_OTHER, DISPATCH_MAIN, DISPATCH_OTHER]
)
def test_no_job_runs_without_a_condition(event: dict[str, str]) -> None:
    # Every job says when it runs; at most one Pulumi command per event.
    workflow = _workflow()
    assert all(job.get("if") for job in workflow["jobs"].values())
    assert len(_jobs_for(workflow, event)) <= 1


# --- drift-report.yml ------------------------------------------------------------------------


#: A run of the `pulumi` workflow ended: ``workflow_run`` with how and for what event.
def _after_pulumi(conclusion: str, event: str) -> dict[str, Any]:
    return {
        "github.event_name": "workflow_run",
        "github.event.workflow_run.conclusion": conclusion,
        "github.event.workflow_run.event": event,
    }


NIGHTLY = {"github.event_name": "schedule"}
BY_HAND = {"github.event_name": "workflow_dispatch", "inputs.record": False}
BY_HAND_RECORD = {"github.event_name": "workflow_dispatch", "inputs.record": True}


@pytest.mark.parametrize(
    ("event", "jobs"),
    [
        (NIGHTLY, {"compare"}),
        (BY_HAND, {"compare"}),
        (BY_HAND_RECORD, {"record"}),
        (_after_pulumi("success", "push"), {"record"}),
        (_after_pulumi("success", "workflow_dispatch"), {"record"}),
        (_after_pulumi("failure", "push"), set()),
        (_after_pulumi("success", "pull_request"), set()),
    ],
)
def test_the_drift_report_compares_nightly_and_records_after_each_apply(
    event: dict[str, Any], jobs: set[str]
) -> None:
    assert _jobs_for(_load(DRIFT), event) == jobs


def test_the_drift_report_follows_the_pulumi_workflow() -> None:
    drift = _load(DRIFT)
    triggers = _triggers(drift)
    assert set(triggers) == {"schedule", "workflow_run", "workflow_dispatch"}
    assert triggers["workflow_run"]["workflows"] == [_workflow()["name"]]
    assert triggers["workflow_run"]["branches"] == ["main"]
    assert triggers["workflow_run"]["types"] == ["completed"]
    # A record and a comparison never run at the same time.
    assert drift["concurrency"] == {"group": "tenant-export", "cancel-in-progress": False}


def test_the_drift_report_reads_and_writes_the_reference_on_its_branch() -> None:
    drift = _load(DRIFT)
    env = drift["env"]
    assert env["EXPORT_BRANCH"] and env["EXPORT"].endswith(".yaml")
    for job in drift["jobs"].values():
        checkouts = [s for s in job["steps"] if _kind(s) == "checkout"]
        assert [s.get("with", {}).get("path") for s in checkouts] == [None, "reference"]
        assert checkouts[1]["with"]["ref"] == "${{ env.EXPORT_BRANCH }}"
    compare = drift["jobs"]["compare"]
    # The reference checkout of the comparison keeps no credentials: it never pushes.
    assert compare["steps"][1]["with"]["persist-credentials"] is False
    record = drift["jobs"]["record"]
    (export,) = [s for s in record["steps"] if "ampeco-iac export" in str(s.get("run"))]
    assert export["run"] == 'ampeco-iac export -o "reference/$EXPORT"'
    commit = record["steps"][-1]
    assert commit["working-directory"] == "reference"
    assert 'git push origin "HEAD:$EXPORT_BRANCH"' in commit["run"]
    # Nothing is committed when the export did not change.
    assert "git diff --cached --quiet" in commit["run"]


def test_the_drift_report_writes_only_the_reference_branch_and_shows_the_token_to_exports() -> None:
    drift = _load(DRIFT)
    assert drift["permissions"] == {"contents": "read"}
    assert drift["jobs"]["record"]["permissions"] == {"contents": "write"}
    assert "permissions" not in drift["jobs"]["compare"]
    for job in drift["jobs"].values():
        for step in job["steps"]:
            if _sees_secrets(step):
                assert str(step["run"]).startswith("ampeco-iac export -o"), step
                assert step["env"]["AMPECO_API_TOKEN"] == "${{ secrets.AMPECO_API_TOKEN }}"
            else:
                assert "AMPECO_API_TOKEN" not in yaml.safe_dump(step), step


def test_the_comparison_step_as_written_fails_with_the_diff_in_the_summary(tmp_path: Path) -> None:
    drift = _load(DRIFT)
    env = {k: str(v) for k, v in drift["env"].items()}
    (export,) = [
        s for s in drift["jobs"]["compare"]["steps"] if "ampeco-iac export" in str(s.get("run"))
    ]
    assert export["run"] == "ampeco-iac export -o exported.yaml"
    script = drift["jobs"]["compare"]["steps"][-1]["run"]
    reference = tmp_path / "reference" / env["EXPORT"]
    reference.parent.mkdir(parents=True)
    reference.write_text("taxes:\n  vat:\n    percentage: 25.0\n    adopt: 41\n")
    (tmp_path / "exported.yaml").write_text(reference.read_text())
    summary = tmp_path / "summary.md"
    same = _run_step(script, env, tmp_path, GITHUB_STEP_SUMMARY=str(summary))
    assert same.returncode == 0 and not summary.exists()

    (tmp_path / "exported.yaml").write_text(reference.read_text().replace("25.0", "20.0"))
    drifted = _run_step(script, env, tmp_path, GITHUB_STEP_SUMMARY=str(summary))
    assert drifted.returncode == 1
    shown = summary.read_text()
    assert "## The tenant changed outside code" in shown
    assert "-    percentage: 25.0\n+    percentage: 20.0" in shown


def test_the_record_job_as_written_commits_a_changed_export_once(sim: Sim, tmp_path: Path) -> None:
    """The record job's export and commit steps, run against the simulator and a git remote
    holding an older reference: the new export is pushed to the reference branch; with
    nothing changed, no commit is made."""
    drift = _load(DRIFT)
    env = {k: str(v) for k, v in drift["env"].items()}
    branch, export = env["EXPORT_BRANCH"], env["EXPORT"]
    remote = reference_remote(tmp_path, branch, export, "taxes: {}\n")
    work = tmp_path / "work"
    # What the second checkout step does.
    git(work, "clone", "-q", "--branch", branch, str(remote), "reference")
    steps = drift["jobs"]["record"]["steps"]
    (export_step,) = [s for s in steps if _sees_secrets(s)]
    commit_step = steps[-1]
    tenant = {"AMPECO_TENANT_URL": sim.base_url, "AMPECO_API_TOKEN": sim.token}

    for round_ in (1, 2):
        exported = _run_step(export_step["run"], env, work, **tenant)
        assert exported.returncode == 0, exported.stderr
        committed = _run_step(
            commit_step["run"],
            env,
            work / commit_step["working-directory"],
            APPLIED="0123abc",
            GIT_AUTHOR_DATE="2030-01-01T00:00:00",
        )
        assert committed.returncode == 0, committed.stderr
        log = git(remote, "log", "--format=%s", branch).splitlines()
        assert log == ["Tenant export after 0123abc", "reference export"], round_
    assert "The reference export is up to date." in committed.stdout
    recorded = git(remote, "show", f"{branch}:{export}")
    assert recorded == (work / "reference" / export).read_text()
    assert recorded.startswith("# yaml-language-server") and "ids_from:" in recorded
