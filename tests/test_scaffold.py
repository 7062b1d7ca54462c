"""``ampeco-iac init`` and ``ampeco-iac export --project``: a new project works as written.

Each project is run the way the command's own "next" lines say (they are parsed and run), by
the offline engine against the simulator; the summary counts the requests that wrote to the
tenant, and an adopted tenant gets none.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from pulumi_ampeco.cli import main

from .conftest import API, Sim, http_client
from .test_export import PASSWORD, PIN, TOKEN, _all_objects, seed

FILES = {"Pulumi.yaml", "__main__.py", "tenant.yaml", "tenant.schema.json", "Pulumi.dev.yaml"}


def next_commands(err: str) -> list[str]:
    """The ``ampeco-iac`` commands a report's "next" lines give, in order."""
    lines = err.split("==> next:", 1)[1].splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.strip().startswith("ampeco")]


def run_next(command: str, operation: str, project: Path) -> int:
    """Run a printed ``ampeco-iac offline preview ...`` line as ``operation``, in ``project``."""
    args = shlex.split(command)[1:]
    assert args[:2] == ["offline", "preview"], command
    return main(["offline", operation, "-C", str(project), *args[2:]])


def test_init_makes_a_project_that_previews_and_applies(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.use_token(TOKEN)
    project = tmp_path / "my tenant"
    assert main(["init", str(project), "--tenant-url", sim.base_url]) == 0
    err = capsys.readouterr().err
    assert {p.name for p in project.iterdir()} == FILES | {".gitignore"}
    assert "name: my-tenant\n" in (project / "Pulumi.yaml").read_text()
    assert f"ampeco:tenantUrl: {sim.base_url}" in (project / "Pulumi.dev.yaml").read_text()
    assert ".pulumi-offline/" in (project / ".gitignore").read_text().splitlines()
    header = (project / "tenant.yaml").read_text().splitlines()[0]
    assert header == "# yaml-language-server: $schema=./tenant.schema.json"
    assert main(["validate", str(project / "tenant.yaml")]) == 0
    assert "valid; 2 objects" in capsys.readouterr().out
    [preview] = next_commands(err)
    assert "'" in err.split("==> next:", 1)[1].splitlines()[1]  # the path with a space, quoted

    monkeypatch.setenv("AMPECO_API_TOKEN", TOKEN)
    sim.clear_requests()
    assert run_next(preview, "preview", project) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("Plan: 2 to create (and 1 component to create)")
    assert sim.writes() == []
    assert run_next(preview, "up", project) == 0
    out = capsys.readouterr().out
    assert "Done: 2 created (and 1 component created); 2 write requests to the tenant" in out
    assert [method for method, _ in sim.writes()] == ["POST", "POST"]

    # Nothing is overwritten: a second init refuses and leaves every file as it was.
    before = {p.name: p.read_bytes() for p in project.iterdir() if p.is_file()}
    assert main(["init", str(project)]) == 2
    err = capsys.readouterr().err
    assert "already holds Pulumi.yaml, __main__.py, tenant.yaml" in err
    assert "nothing was written" in err
    assert {p.name: p.read_bytes() for p in project.iterdir() if p.is_file()} == before


def test_init_python_writes_a_program_and_no_document(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.use_token(TOKEN)
    monkeypatch.setenv("AMPECO_TENANT_URL", sim.base_url)  # taken when --tenant-url is not given
    project = tmp_path / "program"
    assert main(["init", "--python", "-s", "staging", str(project)]) == 0
    err = capsys.readouterr().err
    assert {p.name for p in project.iterdir()} == {
        "Pulumi.yaml",
        "__main__.py",
        "Pulumi.staging.yaml",
        ".gitignore",
    }
    assert f"ampeco:tenantUrl: {sim.base_url}" in (project / "Pulumi.staging.yaml").read_text()
    [preview] = next_commands(err)
    assert " -s staging" in preview
    monkeypatch.setenv("AMPECO_API_TOKEN", TOKEN)
    monkeypatch.delenv("AMPECO_TENANT_URL")
    assert run_next(preview, "preview", project) == 0
    assert capsys.readouterr().out.rstrip().endswith("Plan: 2 to create")


def test_init_without_a_tenant_says_where_to_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AMPECO_TENANT_URL", raising=False)
    assert main(["init", str(tmp_path / "p")]) == 0
    err = capsys.readouterr().err
    assert "# name the tenant in Pulumi.dev.yaml (ampeco:tenantUrl)" in err
    stack = (tmp_path / "p" / "Pulumi.dev.yaml").read_text()
    assert "pulumi config set ampeco:tenantUrl https://<your-tenant>" in stack
    assert "config: {}" in stack


def test_an_exported_project_adopts_everything_with_no_write(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.use_token(TOKEN)
    with http_client(
        base_url=sim.base_url + API, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as api:
        seed(api)
    live = sum(1 for _ in _all_objects(sim))
    project = tmp_path / "adopted"
    monkeypatch.setenv("AMPECO_API_TOKEN", TOKEN)
    args = ["export", "--project", str(project), "-c", f"ampeco:tenantUrl={sim.base_url}"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert {p.name for p in project.iterdir()} == FILES | {".gitignore"}
    stack = (project / "Pulumi.dev.yaml").read_text()
    assert f"ampeco:tenantUrl: {sim.base_url}" in stack and TOKEN not in stack
    # The two secrets of the tenant: named in the stack file, given through the environment.
    secrets = [line.split()[1] for line in stack.splitlines() if " is secret too: " in line]
    assert len(secrets) == 2, stack
    [preview] = next_commands(err)
    exports = [line.split()[1] for line in err.splitlines() if line.strip().startswith("export ")]
    for variable in exports:
        name = variable.split("=", 1)[0]
        if name != "AMPECO_API_TOKEN":
            monkeypatch.setenv(name, PASSWORD if name.endswith("PASSWORD") else PIN)

    sim.clear_requests()
    assert run_next(preview, "preview", project) == 0
    out = capsys.readouterr().out
    adoptions = out.count("= adopt")
    assert adoptions == live
    # All but a tariff's pricing and a group's tariffs, made of ids the preview cannot place.
    assert out.count("(as the tenant has it: no change)") == live - 2, out
    assert out.count("(what it changes shows at up, once the ids of") == 2, out
    assert out.rstrip().endswith(f"Plan: {live} to adopt (and 1 component to create)")
    assert run_next(preview, "up", project) == 0
    out = capsys.readouterr().out
    assert f"Done: {live} adopted (and 1 component created); 0 write requests to the tenant" in out
    assert sim.writes() == []
    assert run_next(preview + " --expect-no-changes", "preview", project) == 0
    assert f"No changes: {live} resources unchanged" in capsys.readouterr().out


def test_export_project_refuses_a_taken_directory_before_reading_the_tenant(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tenant.yaml").write_text("kept: true\n")
    sim.clear_requests()
    args = ["export", "--project", str(tmp_path), "-c", f"ampeco:tenantUrl={sim.base_url}"]
    assert main([*args, "-c", f"ampeco:apiToken={sim.token}"]) == 2
    assert "already holds tenant.yaml; nothing was written" in capsys.readouterr().err
    assert sim.requests() == []
    assert (tmp_path / "tenant.yaml").read_text() == "kept: true\n"
    assert main([*args, "-o", str(tmp_path / "x.yaml")]) == 2
    assert "--project writes the document into the project" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--name", "a: b"], "'a: b' is not a project name Pulumi takes"),
        (["-s", "org/prod"], "'org/prod' is not a stack name Pulumi takes"),
    ],
)
def test_init_refuses_names_pulumi_refuses_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    assert main(["init", str(tmp_path / "p"), *args]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_init_adds_to_a_gitignore_there_and_names_the_directory_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AMPECO_TENANT_URL", "https://tenant.example.com")
    project = tmp_path / "Übung"
    project.mkdir()
    (project / ".gitignore").write_text("node_modules/\n__pycache__/\n")
    assert main(["init", str(project)]) == 0
    err = capsys.readouterr().err
    assert "(the tenant https://tenant.example.com is taken from AMPECO_TENANT_URL)" in err
    lines = (project / ".gitignore").read_text().splitlines()
    assert lines[:2] == ["node_modules/", "__pycache__/"]
    assert ".pulumi-offline/" in lines and lines.count("__pycache__/") == 1
    assert (project / "Pulumi.yaml").read_text().startswith("name: Ubung\n")


def test_export_project_keeps_only_plain_settings_and_refuses_unknown_ones(
    sim: Sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "export",
        "-c",
        f"ampeco:tenantUrl={sim.base_url}",
        "-c",
        f"ampeco:apiToken={sim.token}",
    ]
    args = [*base, "--project", str(tmp_path / "p")]
    assert main([*args, "-c", "ampeco:apitoken=s3cret-value"]) == 2
    err = capsys.readouterr().err
    assert "ampeco:apitoken is not a setting; did you mean ampeco:apiToken?" in err
    assert "s3cret-value" not in err and not (tmp_path / "p").exists()
    assert main([*args, "-c", "ampeco:maxRetries=2"]) == 0
    stack = (tmp_path / "p" / "Pulumi.dev.yaml").read_text()
    assert "ampeco:maxRetries: '2'" in stack or 'ampeco:maxRetries: "2"' in stack
    assert sim.token not in stack


def test_export_reads_the_dev_stack_of_its_directory_by_default(
    sim: Sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(f"config:\n  ampeco:tenantUrl: {sim.base_url}\n")
    monkeypatch.setenv("AMPECO_TENANT_URL", "https://production.example.com")
    monkeypatch.setenv("AMPECO_API_TOKEN", sim.token)
    assert main(["export", "-C", str(tmp_path), "-o", str(tmp_path / "t.yaml")]) == 0
    assert f"==> reading {sim.base_url}" in capsys.readouterr().err
