"""The CI example (``examples/ci/pulumi.yml``): what the workflow does, and the project it runs.

The first tests read the workflow as data and check what matters for a tenant: when it
previews and when it applies, where the token comes from and that no shell step sees it, that
the preview reaches the job summary, and that applies to one stack never overlap. The last one
runs the project directory and stack the workflow names through the offline engine against the
simulator, with config as the workflow provides it (the stack file's plain values, the token
as a secret from outside).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from ampeco_engine.project import project_name, project_program, stack_config
from pulumi_ampeco.testing import OfflineStack

from .conftest import Sim
from .live_objects import paths_in_state, statuses

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "examples" / "ci" / "pulumi.yml"
PULUMI_ACTION = "pulumi/actions@"
SECRET_ENV = ("AMPECO_API_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE")

#: The events the workflow has to be right about: (event_name, ref).
PULL_REQUEST = {"github.event_name": "pull_request", "github.ref": "refs/pull/7/merge"}
PUSH_MAIN = {"github.event_name": "push", "github.ref": "refs/heads/main"}
PUSH_OTHER = {"github.event_name": "push", "github.ref": "refs/heads/feature"}


@dataclass(frozen=True)
class PulumiStep:
    job: str
    command: str
    work_dir: str
    stack: str
    step: dict[str, Any]


def _workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


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
    found = []
    for job_id, job in workflow["jobs"].items():
        env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith(PULUMI_ACTION):
                inputs = step.get("with") or {}
                found.append(
                    PulumiStep(
                        job=job_id,
                        command=str(inputs.get("command", "")),
                        work_dir=_resolve(inputs.get("work-dir", "./"), env),
                        stack=_resolve(inputs.get("stack-name", ""), env),
                        step=step,
                    )
                )
    return found


def _runs_on(condition: str, event: dict[str, str]) -> bool:
    """Evaluate a job's ``if:`` made of ``github.x == 'value'`` clauses joined by ``&&``
    (the only form this workflow needs; anything else fails the test)."""
    result = True
    for clause in condition.split("&&"):
        match = re.fullmatch(r"\s*(github\.\w+)\s*==\s*'([^']*)'\s*", clause)
        assert match, f"unexpected condition {clause.strip()!r} in {condition!r}"
        result = result and event[match.group(1)] == match.group(2)
    return result


def _jobs_for(workflow: dict[Any, Any], event: dict[str, str]) -> set[str]:
    return {
        job_id
        for job_id, job in workflow["jobs"].items()
        if _runs_on(str(job.get("if", "")), event)
    }


def _target() -> tuple[Path, str]:
    """The project directory and stack the workflow deploys (the same for every step)."""
    targets = {(step.work_dir, step.stack) for step in _pulumi_steps(_workflow())}
    assert len(targets) == 1, f"the Pulumi steps disagree on project and stack: {targets}"
    ((work_dir, stack),) = targets
    return (REPO / work_dir).resolve(), stack


def test_it_runs_on_pull_requests_and_pushes_to_main() -> None:
    triggers = _triggers(_workflow())
    # Never pull_request_target: that would run a fork's code with the repository's secrets.
    assert set(triggers) == {"pull_request", "push"}
    assert triggers["pull_request"]["branches"] == ["main"]
    assert triggers["push"]["branches"] == ["main"]


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
    assert commands(PUSH_OTHER) == set()
    # The preview shows the diff, and the summary gets it.
    (preview,) = [s for s in steps if s.command == "preview"]
    assert preview.step["with"].get("diff") in (True, "true")
    assert preview.step["with"].get("comment-on-summary") in (True, "true")


def test_the_project_and_stack_are_set_in_one_place() -> None:
    workflow = _workflow()
    for step in _pulumi_steps(workflow):
        assert step.step["with"]["work-dir"] == "${{ env.PULUMI_WORK_DIR }}"
        assert step.step["with"]["stack-name"] == "${{ env.PULUMI_STACK }}"
    work_dir, stack = _target()
    assert work_dir == REPO / "examples" / "tenant-yaml"
    assert stack == "prod"


def test_the_token_is_a_secret_that_only_the_pulumi_steps_see() -> None:
    workflow = _workflow()
    text = WORKFLOW.read_text(encoding="utf-8")
    # Secrets are not exported to the whole workflow or job (pip would see them).
    for scope in [workflow, *workflow["jobs"].values()]:
        assert "secrets." not in yaml.safe_dump(scope.get("env") or {})
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith(PULUMI_ACTION):
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
                assert "secrets." not in shown and "AMPECO_API_TOKEN" not in shown, step
                assert "apiToken" not in shown, step
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


def test_dependencies_are_installed_before_pulumi_runs() -> None:
    for job_id, job in _workflow()["jobs"].items():
        uses = [str(step.get("uses", "")) for step in job["steps"]]
        runs = [str(step.get("run", "")) for step in job["steps"]]
        pulumi_at = next(i for i, u in enumerate(uses) if u.startswith(PULUMI_ACTION))
        checkout = next(i for i, u in enumerate(uses) if u.startswith("actions/checkout@"))
        python = next(i for i, u in enumerate(uses) if u.startswith("actions/setup-python@"))
        install = next(i for i, r in enumerate(runs) if "pip install" in r)
        assert checkout < python < install < pulumi_at, job_id


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


@pytest.mark.parametrize("event", [PULL_REQUEST, PUSH_MAIN, PUSH_OTHER])
def test_no_job_runs_without_a_condition(event: dict[str, str]) -> None:
    # Every job says when it runs; at most one Pulumi command per event.
    workflow = _workflow()
    assert all(job.get("if") for job in workflow["jobs"].values())
    assert len(_jobs_for(workflow, event)) <= 1
