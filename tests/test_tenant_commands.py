"""``ampeco-iac validate`` and ``ampeco-iac schema``: the tenant document without Pulumi."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pulumi_ampeco.cli import main
from pulumi_ampeco.tenant.commands import schema_text

pytestmark = pytest.mark.quick

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tenant-yaml"


def test_the_example_validates_with_each_stack(capsys: pytest.CaptureFixture[str]) -> None:
    for stack in ("dev", "prod"):
        assert main(["validate", str(EXAMPLE / "tenant.yaml"), "--stack", stack]) == 0
        out = capsys.readouterr().out
        assert "valid; 13 objects (1 TaxIdentificationNumber, 1 Tax, 1 Tariff" in out


def test_without_the_stack_config_the_missing_values_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    (project / "Pulumi.dev.yaml").unlink()
    assert main(["validate", str(project / "tenant.yaml")]) == 1
    err = capsys.readouterr().err
    assert "`${config:tenant:env}` is not set for this stack" in err
    assert "`pulumi config set tenant:pricePerKwh <value>`" in err


def test_validate_defaults_to_the_stack_offline_uses_and_a_named_missing_one_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No --stack: Pulumi.dev.yaml, as `ampeco-iac offline` takes by default.
    assert main(["validate", str(EXAMPLE / "tenant.yaml")]) == 0
    assert "valid; 13 objects" in capsys.readouterr().out
    assert main(["validate", str(EXAMPLE / "tenant.yaml"), "--stack", "prdo"]) == 2
    assert "there is no Pulumi.prdo.yaml in" in capsys.readouterr().err


def test_problems_are_listed_and_the_exit_status_is_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    document = project / "tenant.yaml"
    document.write_text(document.read_text().replace("percentage: 25", "percentage: 250"))
    status = main(["validate", str(document), "--stack", "dev", "--config", "tenant:env=qa"])
    assert status == 1
    err = capsys.readouterr().err
    assert "1 problem; Pulumi would refuse it before any API call." in err
    assert "line 14: taxes.vat-25.percentage: Input should be less than or equal to 100" in err


def test_encrypted_stack_values_count_as_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text(
        stack_file.read_text()
        .replace("tenant:env: dev", "tenant:env:\n    secure: AAABAxyz")
        .replace('tenant:pricePerKwh: "0.10"', "tenant:pricePerKwh:\n    secure: AAABAuvw")
    )
    # Only the Pulumi CLI can decrypt them: the fields they fill (a price) are not checked.
    assert main(["validate", str(project / "tenant.yaml"), "--stack", "dev"]) == 0
    assert "valid; 13 objects" in capsys.readouterr().out


def test_the_schema_command_prints_the_schema_and_the_example_ships_it_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"].startswith("AMPECO tenant document")
    assert main(["schema", "--output", str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == printed
    shipped = EXAMPLE / "tenant.schema.json"
    assert shipped.read_text() == schema_text(), (
        "examples/tenant-yaml/tenant.schema.json is out of date:"
        " ampeco-iac schema -o examples/tenant-yaml/tenant.schema.json"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "".join(
                f"{n}: &{n} [{', '.join([f'*{p}'] * 9 if p else ['x'] * 9)}]\n"
                for p, n in zip(["", "a", "b", "c", "d", "e", "f"], "abcdefg", strict=True)
            ),
            "(document): its aliases (`*name`) would expand it from 24 values to 6,053,451",
        ),
        (
            "taxes:\n  vat: !!python/object/apply:os.system [echo pwned]\n",
            "line 2: (document): the tag `!!python/object/apply:os.system` is not allowed",
        ),
    ],
)
def test_hostile_yaml_gets_one_clear_problem_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_text(text)
    assert main(["validate", str(document)]) == 1
    err = capsys.readouterr().err
    assert "1 problem; Pulumi would refuse it before any API call." in err
    assert expected in err
    assert "Traceback" not in err
