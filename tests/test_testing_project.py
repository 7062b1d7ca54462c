"""How :mod:`ampeco_engine.project` reads a project's config: the stack file over the
project-level defaults of ``Pulumi.yaml``, as the Pulumi CLI does, and a :class:`ProjectFileError`
naming the file for what the CLI would not accept either (``ampeco-iac offline`` reports it
as a usage error, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ampeco_engine.project import (
    ProjectFileError,
    StackConfig,
    project_main,
    project_name,
    stack_config,
)
from pulumi_ampeco.cli import main

pytestmark = pytest.mark.quick

PROJECT = "name: demo\nruntime: python\n"


def project(tmp_path: Path, pulumi_yaml: str = PROJECT, stack_yaml: str | None = None) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(pulumi_yaml, encoding="utf-8")
    if stack_yaml is not None:
        (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml, encoding="utf-8")
    return tmp_path


def test_stack_values_with_and_without_namespace(tmp_path: Path) -> None:
    root = project(tmp_path, stack_yaml="config:\n  size: 3\n  ampeco:requestsPerMinute: '300'\n")
    assert stack_config(root, "dev") == StackConfig(
        {"demo:size": 3, "ampeco:requestsPerMinute": "300"}
    )


def test_no_stack_file_no_config(tmp_path: Path) -> None:
    assert stack_config(project(tmp_path), "dev") == StackConfig()


# --- (a) files the CLI would not read either ---------------------------------------------


@pytest.mark.parametrize("file", ["Pulumi.yaml", "Pulumi.dev.yaml"])
def test_malformed_yaml_names_the_file(tmp_path: Path, file: str) -> None:
    root = project(tmp_path, stack_yaml="config: {}\n")
    (root / file).write_text("name: demo\nconfig: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProjectFileError, match="is not valid YAML") as caught:
        stack_config(root, "dev")
    assert str(root / file) in str(caught.value)


@pytest.mark.parametrize("file", ["Pulumi.yaml", "Pulumi.dev.yaml"])
@pytest.mark.parametrize(("text", "kind"), [("- a\n- b\n", "a list"), ("just text\n", "a string")])
def test_top_level_not_a_mapping(tmp_path: Path, file: str, text: str, kind: str) -> None:
    root = project(tmp_path, stack_yaml="config: {}\n")
    (root / file).write_text(text, encoding="utf-8")
    with pytest.raises(
        ProjectFileError, match=f"the top level must be a mapping, not {kind}"
    ) as caught:
        stack_config(root, "dev")
    assert str(root / file) in str(caught.value)


def test_malformed_project_file_for_name_and_main(tmp_path: Path) -> None:
    root = project(tmp_path, pulumi_yaml="name: [demo\n")
    with pytest.raises(ProjectFileError, match=r"Pulumi\.yaml is not valid YAML"):
        project_name(root)
    with pytest.raises(ProjectFileError, match=r"Pulumi\.yaml is not valid YAML"):
        project_main(root)


def test_offline_reports_a_malformed_stack_file_as_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, stack_yaml="config:\n  size: [3\n")
    assert main(["offline", "preview", "--cwd", str(root), "--stack", "dev"]) == 2
    assert "Pulumi.dev.yaml is not valid YAML" in capsys.readouterr().err


# --- (b) a stack file's values are what they say -----------------------------------------


def test_stack_value_mapping_is_not_unwrapped(tmp_path: Path) -> None:
    root = project(tmp_path, stack_yaml="config:\n  threshold:\n    value: 5\n")
    assert stack_config(root, "dev").values == {"demo:threshold": {"value": 5}}


# --- (c) encrypted values ----------------------------------------------------------------


def test_top_level_secure_value_is_listed_as_encrypted(tmp_path: Path) -> None:
    root = project(tmp_path, stack_yaml="config:\n  ampeco:apiToken:\n    secure: AAAB\n")
    assert stack_config(root, "dev") == StackConfig({}, ("ampeco:apiToken",))


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("\n    host: db\n    password:\n      secure: AAAB\n", "password"),
        ("\n    hosts:\n      - name: a\n      - secure: AAAB\n", "hosts[1]"),
        ("\n    - plain\n    - secure: AAAB\n", "[1]"),
    ],
)
def test_secure_value_inside_structured_config_is_refused(
    tmp_path: Path, value: str, where: str
) -> None:
    root = project(tmp_path, stack_yaml=f"config:\n  db:{value}")
    with pytest.raises(ProjectFileError, match="only the Pulumi CLI can decrypt") as caught:
        stack_config(root, "dev")
    message = str(caught.value)
    assert f"demo:db holds an encrypted value at {where}," in message
    assert "AAAB" not in message


# --- (d) project-level config in Pulumi.yaml ---------------------------------------------


PROJECT_CONFIG = (
    PROJECT
    + """config:
  count: 2
  zones: [a, b]
  size:
    type: string
    default: small
  settings:
    value:
      retries: 3
  flag:
    type: boolean
  demo:region: north
  ampeco:requestsPerMinute: '120'
  ampeco:defaultLocale:
    value: de
"""
)


def test_project_config_gives_defaults(tmp_path: Path) -> None:
    root = project(tmp_path, pulumi_yaml=PROJECT_CONFIG)
    assert stack_config(root, "dev").values == {
        "demo:count": 2,
        "demo:zones": ["a", "b"],
        "demo:size": "small",
        "demo:settings": {"retries": 3},
        "demo:region": "north",
        "ampeco:requestsPerMinute": "120",
        "ampeco:defaultLocale": "de",
    }


def test_stack_file_overrides_project_config_whole(tmp_path: Path) -> None:
    stack = """config:
  demo:count: 5
  settings:
    timeout: 10
  ampeco:requestsPerMinute:
    secure: AAAB
"""
    config = stack_config(project(tmp_path, PROJECT_CONFIG, stack), "dev")
    assert config.values["demo:count"] == 5
    assert config.values["demo:settings"] == {"timeout": 10}  # replaced, not merged
    assert config.values["demo:size"] == "small"
    # An encrypted stack value wins too: the default is not passed alongside it.
    assert "ampeco:requestsPerMinute" not in config.values
    assert config.encrypted == ("ampeco:requestsPerMinute",)


def test_old_config_directory_spelling_is_not_config(tmp_path: Path) -> None:
    root = project(tmp_path, pulumi_yaml=PROJECT + "config: stacks\n")
    assert stack_config(root, "dev") == StackConfig()


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("settings:\n    retries: 3", "unknown attribute(s) retries; an object value"),
        ("size:\n    default: a\n    value: b", "cannot have both `default` and `value`"),
        ("ampeco:x:\n    default: a", "not namespaced by the project: it takes `value` only"),
        ("ampeco:x:\n    type: string\n    value: a", "not namespaced by the project"),
        ("ampeco:x:\n    description: d", "is namespaced and must have `value`"),
    ],
)
def test_project_config_the_cli_rejects(tmp_path: Path, entry: str, problem: str) -> None:
    root = project(tmp_path, pulumi_yaml=f"{PROJECT}config:\n  {entry}\n")
    with pytest.raises(ProjectFileError) as caught:
        stack_config(root, "dev")
    assert problem in str(caught.value)
    assert str(root / "Pulumi.yaml") in str(caught.value)


def test_project_config_not_a_mapping(tmp_path: Path) -> None:
    root = project(tmp_path, pulumi_yaml=PROJECT + "config: [a, b]\n")
    with pytest.raises(ProjectFileError, match="`config` must be a mapping"):
        stack_config(root, "dev")


@pytest.mark.parametrize(
    "command",
    [
        ["offline", "preview"],
        ["validate", "tenant.yaml"],
        ["export", "-o", "out.yaml", "-c", "ampeco:tenantUrl=http://127.0.0.1:9"],
    ],
)
def test_a_stack_file_the_cli_rejects_is_a_usage_error_of_every_command(
    tmp_path: Path,
    command: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exit 2 naming the file, from each command that reads a stack's config; no traceback."""
    root = project(tmp_path, stack_yaml="config: [a, b]\n")
    (root / "tenant.yaml").write_text("locations: {}\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.setenv("AMPECO_API_TOKEN", "unused")
    status = main([*command, "--stack", "dev"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Pulumi.dev.yaml: `config` must be a mapping" in err
    assert "Traceback" not in err
