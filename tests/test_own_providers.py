"""Programs that bring a dynamic provider of their own, defined in ``__main__``, beside ours.

The SDK's ``serialize_provider`` wraps a method of ``pickle._Pickler`` on every call and never
puts it back; a provider defined in ``__main__`` is pickled by value, walking the nested
wrappers, and about 310 resources in, the program fails with ``RecursionError``.
``sdk_patch`` puts the method back after each call in a program that imports pulumi-ampeco (so
the Pulumi CLI runs such a program), and the offline engine does it for every program it runs.
Under the CLI, a program that does not import pulumi-ampeco still meets the SDK's failure (a
canary: if a Pulumi SDK fixes it, this test says so and docs/engines.md should drop the row).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pulumi.dynamic import dynamic

from pulumi_ampeco import sdk_patch

from .pulumi_cli import Cli

COUNT = 500  # the SDK fails at about 310 (three frames per level of nesting)

OWN_PROVIDER = """\
import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class Noop(ResourceProvider):
    def create(self, props):
        return CreateResult(id_=props["n"], outs=props)


class Thing(Resource):
    def __init__(self, name, n):
        super().__init__(Noop(), name, {"n": str(n)})


for number in range(int(pulumi.Config("own").require("count"))):
    Thing(f"thing-{number}", number)
"""

#: The same, in a program that also declares a resource of ours.
MIXED = (
    "import pulumi_ampeco as ampeco\n\n"
    + OWN_PROVIDER
    + textwrap.dedent(
        """
        ampeco.Location(
            "depot",
            external_id="depot-own",
            name="Depot",
            geoposition={"latitude": 59.9, "longitude": 10.7},
            address="Street 1",
            country="NO",
        )
        """
    )
)


def test_the_correction_keeps_the_sdks_serialization_and_one_level_of_wrapping() -> None:
    sdk_patch.apply()
    assert dynamic.serialize_provider is sdk_patch.serialize_provider
    original = pickle._Pickler.__dict__["_batch_setitems"]  # type: ignore[attr-defined]
    provider = {"a": 1, "b": [1, 2]}  # any picklable object holding a dict
    first = sdk_patch.serialize_provider(provider)
    for _ in range(3):
        assert sdk_patch.serialize_provider(provider) == first
        assert pickle._Pickler.__dict__["_batch_setitems"] is original  # type: ignore[attr-defined]
    assert first == sdk_patch._original_serialize_provider(provider)


def _project(root: Path, program: str) -> Path:
    root.mkdir()
    (root / "Pulumi.yaml").write_text(
        f"name: own-providers\nruntime:\n  name: python\n  options:\n"
        f"    toolchain: pip\n    virtualenv: {sys.prefix}\n"
    )
    (root / "__main__.py").write_text(program)
    return root


@pytest.mark.timeout(240)
def test_the_offline_engine_runs_many_resources_of_a_provider_from_main(tmp_path: Path) -> None:
    """No pulumi-ampeco import in the program: the engine's own correction holds."""
    project = _project(tmp_path / "own", OWN_PROVIDER)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pulumi_ampeco.cli",
            "offline",
            "up",
            "--cwd",
            str(project),
            "--new-stack",
            "-c",
            "ampeco:tenantUrl=http://127.0.0.1:9",
            "-c",
            f"own:count={COUNT}",
        ],
        env={**os.environ, "AMPECO_API_TOKEN": "unused"},
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "RecursionError" not in output
    assert f"Done: {COUNT} created" in output

    def offline(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                *(sys.executable, "-m", "pulumi_ampeco.cli", "offline", *args),
                *("--cwd", str(project), "-c", "ampeco:tenantUrl=http://127.0.0.1:9"),
            ],
            env={**os.environ, "AMPECO_API_TOKEN": "unused"},
            capture_output=True,
            text=True,
            timeout=200,
            check=False,
        )

    # The next runs: the program's provider serves its type (the state's pickles never run).
    fewer = offline("up", "--allow-mass-delete", "-c", "own:count=3")
    assert fewer.returncode == 0, fewer.stderr
    assert f"Done: {COUNT - 3} deleted, 3 unchanged" in fewer.stdout
    # Destroy runs no program: only the state's own providers could, if the user trusts it.
    refused = offline("destroy")
    assert refused.returncode == 2 and "--trust-stored-providers" in refused.stderr
    trusted = offline("destroy", "--trust-stored-providers")
    assert trusted.returncode == 0, trusted.stderr
    assert "Done: 3 deleted" in trusted.stdout


@pytest.mark.timeout(300)
def test_the_cli_previews_many_resources_of_a_provider_from_main_beside_ours(
    pulumi_cli: str, tmp_path: Path
) -> None:
    cli = Cli(pulumi_cli, tmp_path / "cli", "", name="own-providers")
    cli("stack", "init", "test")
    cli("config", "set", "own:count", str(COUNT))
    cli("config", "set", "ampeco:tenantUrl", "http://127.0.0.1:9")
    cli("config", "set", "--secret", "ampeco:apiToken", "unused")

    (cli.project / "__main__.py").write_text(MIXED)
    preview = cli("preview")
    assert "RecursionError" not in preview
    assert f"+ {COUNT + 2} to create" in preview  # the stack, our location, the things

    # Without pulumi-ampeco, the program meets the SDK's own failure under the CLI.
    (cli.project / "__main__.py").write_text(OWN_PROVIDER)
    failed = cli.failing("preview")
    assert "RecursionError" in failed, (
        "a program of only its own dynamic resources no longer fails under this Pulumi SDK:"
        " update docs/engines.md and this test"
    )
