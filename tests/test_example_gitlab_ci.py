"""The GitLab CI example (``examples/ci/gitlab-ci.yml``) and its merge request note script.

As for the GitHub workflow, the file is read as data: which jobs each kind of pipeline runs
(a merge request, the default branch, a run by hand, a schedule, another branch), that the
tenant document is validated in the first stage by a job that holds no token, where each token
goes (CI/CD variables scoped to environments: only the jobs that call the tenant declare one,
and only the apply the environment of the token that may write), that the apply is manual,
behind its environment and in a resource group, and that the guard reads the plan between the
preview and the up. The scripts are then run as written: the validation, the guard, the drift
report and the recording of the reference export (against the simulator and a git remote),
and the note script against a stand-in for GitLab's notes API.
"""

from __future__ import annotations

import http.server
import importlib.util
import json
import re
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from .ci_examples import AMPECO_IAC, evaluate, git, reference_remote, run_script
from .conftest import Sim

REPO = Path(__file__).resolve().parent.parent
PIPELINE = REPO / "examples" / "ci" / "gitlab-ci.yml"
GITHUB = REPO / "examples" / "ci" / "pulumi.yml"
NOTE_SCRIPT = REPO / "examples" / "ci" / "gitlab_mr_note.py"
#: Top-level keys that are not jobs.
KEYWORDS = {"workflow", "stages", "variables", "default", "include", "image", "services"}
SECRETS = ("AMPECO_API_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE")
NOTE_TOKEN = "PREVIEW_NOTE_TOKEN"

_DEFAULT = {"CI_DEFAULT_BRANCH": "main"}
MERGE_REQUEST = {**_DEFAULT, "CI_PIPELINE_SOURCE": "merge_request_event"}
PUSH_DEFAULT = {**_DEFAULT, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"}
BY_HAND = {**_DEFAULT, "CI_PIPELINE_SOURCE": "web", "CI_COMMIT_BRANCH": "main"}
SCHEDULE = {**_DEFAULT, "CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"}
PUSH_OTHER = {**_DEFAULT, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature"}


def _pipeline() -> dict[str, Any]:
    data = yaml.safe_load(PIPELINE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """GitLab's ``extends``: mappings merge key by key, anything else is replaced."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _job(name: str, pipeline: dict[str, Any] | None = None) -> dict[str, Any]:
    """A job with what it extends merged in."""
    pipeline = pipeline or _pipeline()
    job = dict(pipeline[name])
    parents = job.pop("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        job = _merged(_job(parent, pipeline), job)
    return job


def _jobs() -> dict[str, dict[str, Any]]:
    pipeline = _pipeline()
    return {
        name: _job(name, pipeline)
        for name in pipeline
        if name not in KEYWORDS and not name.startswith(".")
    }


def _rule(rules: list[dict[str, Any]], variables: dict[str, str]) -> dict[str, Any] | None:
    """The first rule whose ``if`` holds (GitLab's order), or ``None``."""
    for rule in rules:
        condition = rule.get("if")
        if condition is None or evaluate(condition, lambda n: _variable(n, variables)):
            return rule
    return None


def _variable(name: str, variables: dict[str, str]) -> str | None:
    assert name.startswith("$"), f"{name!r}: GitLab conditions name variables with $"
    return variables.get(name[1:])


def _run(variables: dict[str, str]) -> dict[str, str]:
    """The jobs a pipeline with these predefined variables holds, each with its ``when``."""
    pipeline = _pipeline()
    workflow = _rule(pipeline["workflow"]["rules"], variables)
    if workflow is None or workflow.get("when") == "never":
        return {}
    found = {}
    for name, job in _jobs().items():
        rule = _rule(job.get("rules") or [{}], variables)
        if rule is not None and rule.get("when") != "never":
            found[name] = str(rule.get("when", "on_success"))
    return found


def _script(job: dict[str, Any]) -> str:
    return "\n".join(str(line) for line in job["script"])


def _calls_tenant(job: dict[str, Any]) -> bool:
    script = _script(job)
    return bool(re.search(r"\bpulumi (preview|up)\b|ampeco-iac export", script))


def _variables() -> dict[str, str]:
    return {k: str(v) for k, v in _pipeline()["variables"].items()}


# --- what runs when --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "jobs"),
    [
        (
            MERGE_REQUEST,
            {"validate": "on_success", "preview": "on_success", "guard": "on_success"}
            | {"preview-note": "always"},
        ),
        (
            PUSH_DEFAULT,
            {"validate": "on_success", "deploy": "manual", "record-export": "on_success"},
        ),
        (BY_HAND, {"validate": "on_success", "deploy": "manual", "record-export": "on_success"}),
        (SCHEDULE, {"drift": "on_success", "accept-drift": "manual"}),
        (PUSH_OTHER, {}),
    ],
)
def test_which_jobs_each_pipeline_runs(variables: dict[str, str], jobs: dict[str, str]) -> None:
    assert _run(variables) == jobs


def test_every_job_says_when_it_runs() -> None:
    for name, job in _jobs().items():
        assert job.get("rules"), name
    stages = _pipeline()["stages"]
    assert [_jobs()[n]["stage"] for n in ("validate", "preview", "deploy", "drift")] == [
        stages[0],
        stages[1],
        stages[2],
        stages[3],
    ]


def test_the_validation_comes_first_and_holds_no_token() -> None:
    jobs = _jobs()
    stages = _pipeline()["stages"]
    validate = jobs["validate"]
    assert validate["stage"] == stages[0]
    assert "environment" not in validate and not _calls_tenant(validate)
    assert _script(validate) == (
        f'{AMPECO_IAC} validate "$PULUMI_WORK_DIR/tenant.yaml" --stack "$PULUMI_STACK"'
    )
    # In the pipelines that run the program, nothing calls the tenant in the first stage.
    for variables in (MERGE_REQUEST, PUSH_DEFAULT):
        for name in _run(variables):
            if _calls_tenant(jobs[name]):
                assert stages.index(jobs[name]["stage"]) > 0, name
                assert "needs" not in jobs[name] or jobs[name]["needs"], name


def test_the_validation_passes_as_written() -> None:
    done = run_script(_script(_jobs()["validate"]), _variables(), REPO)
    assert done.returncode == 0, done.stderr
    assert "tenant.yaml: valid" in done.stdout


def test_each_token_reaches_only_the_jobs_that_need_it() -> None:
    text = PIPELINE.read_text(encoding="utf-8")
    pipeline = _pipeline()
    # No token is written into the file or handed over on a command line.
    for name in (*SECRETS, NOTE_TOKEN):
        assert name not in yaml.safe_dump(pipeline.get("variables") or {})
        for job in _jobs().values():
            assert name not in yaml.safe_dump(job.get("variables") or {})
            assert f"${name}" not in _script(job) and "${" + name not in _script(job)
    assert "apiToken" not in text and "PRIVATE-TOKEN" not in text
    environments = {
        name: (job["environment"]["name"], job["environment"].get("action", "start"))
        for name, job in _jobs().items()
        if "environment" in job
    }
    # Environment-scoped CI/CD variables reach exactly the jobs that name the environment.
    assert environments == {
        "preview": ("preview/prod", "access"),
        "preview-note": ("mr-note", "access"),
        "deploy": ("prod", "start"),
        "record-export": ("preview/prod", "access"),
        "drift": ("preview/prod", "access"),
        "accept-drift": ("preview/prod", "access"),
    }
    for name, job in _jobs().items():
        if _calls_tenant(job):
            assert name in environments, name
            assert environments[name][0] != "mr-note", name
    # Only the apply is in `prod`, whose token may write; nothing else runs the program there.
    assert [n for n, (env, _) in environments.items() if env == "prod"] == ["deploy"]
    # The note token's environment holds nothing that reaches the tenant, and its job runs
    # no code of the project's dependencies (no installation).
    note = _jobs()["preview-note"]
    assert not _calls_tenant(note) and "before_script" not in note


def test_the_apply_is_manual_behind_its_environment_and_never_overlaps() -> None:
    jobs = _jobs()
    deploy = jobs["deploy"]
    assert _run(PUSH_DEFAULT)["deploy"] == "manual"
    assert deploy["environment"] == {"name": "prod", "action": "start"}
    # One group for the stack, not keyed by anything a pipeline changes.
    assert deploy["resource_group"] == "prod"
    assert "$" not in deploy["resource_group"]
    # A newer pipeline never cancels an apply halfway; previews may be.
    assert not deploy.get("interruptible")
    assert jobs["preview"]["interruptible"] is True
    # The exports that read and write the reference never overlap either.
    for name in ("record-export", "drift", "accept-drift"):
        assert jobs[name]["resource_group"] == "tenant-export", name
    assert jobs["record-export"]["needs"] == ["deploy"]


def test_the_guard_reads_the_plan_between_the_preview_and_the_up() -> None:
    jobs = _jobs()
    guard_line = f'{AMPECO_IAC} guard plan.json --max-deletes "$MAX_DELETES"'
    lines = [str(line) for line in jobs["deploy"]["script"]]
    assert len(lines) == 3
    plan, guard, up = lines
    assert plan.startswith("pulumi preview --json") and plan.endswith("> plan.json")
    assert guard == guard_line
    assert up.startswith("pulumi up --yes")
    # On a merge request: a job of its own, on the preview's plan, holding no token; its
    # refusal (status 1) is a warning, anything else (no plan) a failure.
    mr_guard = jobs["guard"]
    assert mr_guard["needs"] == ["preview"] and "environment" not in mr_guard
    assert "plan.json" in jobs["preview"]["artifacts"]["paths"]
    assert mr_guard["allow_failure"] == {"exit_codes": [1]}
    assert guard_line in _script(mr_guard)


def test_the_plan_is_visible_in_the_merge_request() -> None:
    jobs = _jobs()
    artifacts = jobs["preview"]["artifacts"]
    assert artifacts["expose_as"] and "preview.txt" in artifacts["paths"]
    assert artifacts["when"] == "always" and artifacts["access"] == "developer"
    assert "| tee preview.txt" in _script(jobs["preview"])
    assert "guard.txt" in jobs["guard"]["artifacts"]["paths"]
    note = jobs["preview-note"]
    assert note["needs"] == ["preview", "guard"]
    assert note["allow_failure"] is True
    (line,) = note["script"]
    assert (
        line == 'python examples/ci/gitlab_mr_note.py --stack "$PULUMI_STACK" preview.txt guard.txt'
    )
    assert (REPO / line.split()[1]) == NOTE_SCRIPT and NOTE_SCRIPT.is_file()


def test_both_ci_files_deploy_the_same_project_and_stack_alike() -> None:
    github = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))["env"]
    variables = _variables()
    for name in ("PULUMI_WORK_DIR", "PULUMI_STACK", "MAX_DELETES"):
        assert variables[name] == str(github[name]), name
    for name, job in _jobs().items():
        for line in job["script"]:
            if re.match(r"pulumi (preview|up)\b", str(line)):
                assert '--stack "$PULUMI_STACK" --cwd "$PULUMI_WORK_DIR"' in line, name
                assert "--non-interactive" in line, name


@pytest.mark.parametrize(("deletes", "confirm", "status"), [(5, "", 0), (6, "", 1), (6, "6", 0)])
def test_the_guard_lines_as_written(
    tmp_path: Path, deletes: int, confirm: str, status: int
) -> None:
    prefix = "urn:pulumi:prod::t::ampeco:index:Tenant$pulumi-python:dynamic/ampeco:ChargePoint::"
    steps = [
        {"op": "delete", "urn": f"{prefix}cp-{n}", "oldState": {"custom": True, "id": str(n)}}
        for n in range(deletes)
    ]
    (tmp_path / "plan.json").write_text(json.dumps({"steps": steps}))
    env = {**_variables(), "AMPECO_CONFIRM_DELETES": confirm}
    jobs = _jobs()
    deploy = run_script(str(jobs["deploy"]["script"][1]), env, tmp_path)
    assert deploy.returncode == status, deploy.stdout + deploy.stderr
    # The merge request's job, with the runner's pipefail: its status is the guard's, and the
    # report is kept for the note.
    mr = run_script(_script(jobs["guard"]), env, tmp_path)
    assert mr.returncode == status
    assert f"The plan deletes {deletes} objects" in (tmp_path / "guard.txt").read_text()


# --- the drift report and the reference export ------------------------------------------------


def test_the_drift_report_and_the_record_as_written(sim: Sim, tmp_path: Path) -> None:
    """The scheduled drift job and the job that records the reference, run against the
    simulator with a git remote: a recorded tenant shows no drift; a change made behind the
    code's back fails the report with the diff; recording takes it in, once."""
    jobs = _jobs()
    variables = _variables()
    branch, export = variables["EXPORT_BRANCH"], variables["EXPORT"]
    remote = reference_remote(tmp_path, branch, export, "taxes: {}\n")
    work = tmp_path / "work"
    env = {
        **variables,
        "AMPECO_TENANT_URL": sim.base_url,
        "AMPECO_API_TOKEN": sim.token,
        "CI_REPOSITORY_URL": str(remote),
        "CI_COMMIT_SHORT_SHA": "0123abcd",
        # The runner's checkout has no identity of its own.
        "GIT_CONFIG_GLOBAL": str(tmp_path / "no-gitconfig"),
    }
    shell = "bash -eo pipefail"

    def record() -> str:
        git(work, "worktree", "prune")
        if (work / "reference").exists():
            git(work, "worktree", "remove", "--force", "reference")
        done = run_script(_script(jobs["record-export"]), env, work, shell=shell)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def drift() -> tuple[int, str]:
        done = run_script(_script(jobs["drift"]), env, work, shell=shell)
        diff = work / "drift.diff"
        return done.returncode, diff.read_text() if diff.exists() else ""

    assert drift()[0] == 1  # the remote's reference is not this tenant
    record()
    assert git(remote, "log", "--format=%s", branch).splitlines()[0] == (
        "Tenant export after 0123abcd"
    )
    assert drift() == (0, "")
    assert "The reference export is up to date." in record()
    assert len(git(remote, "log", "--format=%s", branch).splitlines()) == 2

    with sim.client() as api:
        (tax,) = [t for t in api.get("/taxes/v2.0").json()["data"] if t["name"] == "Default VAT"]
        api.patch(f"/taxes/v2.0/{tax['id']}", json={"name": "Default VAT (edited)"})
    status, diff = drift()
    assert status == 1
    assert "-    name: Default VAT\n" in diff and "+    name: Default VAT (edited)\n" in diff
    # Accepting the drift is the same recording, from the scheduled pipeline.
    assert jobs["accept-drift"]["script"] == jobs["record-export"]["script"]
    record()
    assert drift() == (0, "")


# --- the merge request note -------------------------------------------------------------------


def _note_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gitlab_mr_note", NOTE_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Notes(http.server.BaseHTTPRequestHandler):
    """GitLab's notes of one merge request, as far as the script uses them."""

    notes: list[dict[str, Any]]
    calls: list[tuple[str, str, str]]
    prefix = "/api/v4/projects/42/merge_requests/7/notes"

    def _answer(self, payload: Any, status: int = 200) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> str:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        return urllib.parse.parse_qs(raw)["body"][0]

    def _allowed(self) -> bool:
        self.calls.append((self.command, self.path, self.headers.get("PRIVATE-TOKEN", "")))
        if self.headers.get("PRIVATE-TOKEN") != "note-token" or not self.path.startswith(
            self.prefix
        ):
            self._answer({"message": "401 Unauthorized"}, 401)
            return False
        return True

    def do_GET(self) -> None:
        if self._allowed():
            self._answer(self.notes)

    def do_POST(self) -> None:
        if self._allowed():
            note = {"id": 100 + len(self.notes), "body": self._body()}
            self.notes.append(note)
            self._answer(note, 201)

    def do_PUT(self) -> None:
        if self._allowed():
            note_id = int(self.path.rsplit("/", 1)[1])
            (note,) = [n for n in self.notes if n["id"] == note_id]
            note["body"] = self._body()
            self._answer(note)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gitlab() -> Iterator[tuple[str, type[_Notes]]]:
    handler = type("Notes", (_Notes,), {"notes": [], "calls": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v4", handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_note_job_posts_one_note_and_updates_it(
    gitlab: tuple[str, type[_Notes]], tmp_path: Path
) -> None:
    api, notes = gitlab
    notes.notes.append({"id": 1, "body": "LGTM"})  # a reviewer's note, never touched
    (tmp_path / "preview.txt").write_text("+ create ampeco:Tax vat\n```\nResources: 1 to create\n")
    (tmp_path / "guard.txt").write_text("guard: passed\n")
    env = {
        **_variables(),
        "CI_API_V4_URL": api,
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_COMMIT_SHORT_SHA": "0123abcd",
        NOTE_TOKEN: "note-token",
    }
    (line,) = _jobs()["preview-note"]["script"]
    line = line.replace("examples/ci/gitlab_mr_note.py", str(NOTE_SCRIPT))

    first = run_script(line, env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "added note 101"
    body = notes.notes[1]["body"]
    assert body.startswith("<!-- pulumi-ampeco preview: prod -->\n")
    assert "**Pulumi preview of `prod`** at 0123abcd" in body
    # A fence longer than any run of backticks in the preview, so the preview cannot end it.
    assert "````text\n+ create ampeco:Tax vat\n```\nResources: 1 to create\n````" in body
    assert "<summary>guard.txt</summary>" in body and "guard: passed" in body
    assert "note-token" not in first.stdout + first.stderr

    (tmp_path / "preview.txt").write_text("No changes\n")
    second = run_script(line, env, tmp_path)
    assert second.stdout.strip() == "updated note 101"
    assert [n["id"] for n in notes.notes] == [1, 101]
    assert "No changes" in notes.notes[1]["body"] and notes.notes[0]["body"] == "LGTM"
    assert {token for _, _, token in notes.calls} == {"note-token"}


def test_the_note_job_without_a_token_says_so_and_sends_nothing(
    gitlab: tuple[str, type[_Notes]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api, notes = gitlab
    module = _note_module()
    env = {"CI_API_V4_URL": api, "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7"}
    assert module.main(["--stack", "prod", str(tmp_path / "preview.txt")], env) == 0
    assert f"{NOTE_TOKEN} is not set" in capsys.readouterr().out
    assert notes.calls == []
    # A file the failed job never wrote is named as missing, not a reason to fail.
    body = module.note_body("prod", [tmp_path / "preview.txt"], {})
    assert "(not written: the job that makes it did not finish)" in body
    # A wrong token fails the job (allowed to fail), without printing the token.
    bad = {**env, NOTE_TOKEN: "wrong"}
    assert module.main(["--stack", "prod", str(tmp_path / "preview.txt")], bad) == 1
    assert "wrong" not in capsys.readouterr().err
