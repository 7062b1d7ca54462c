"""The README's tour and its tenant document, run as written.

The tour block runs in bash (with ``set -euo pipefail``, so every step must succeed) from a
directory laid out as a checkout after ``bash scripts/quickstart``: ``.venv`` (the
virtualenv running the tests) and ``.quickstart/tenant.sqlite`` holding the quickstart's
tenant. Only the simulator's port differs (a free one for 8080). What the README shows of its
output must appear in it. The Pulumi CLI block then runs in a project the tour's export makes.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ampeco_engine.project import project_program
from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco.cli import main
from pulumi_ampeco.testing import OfflineStack

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
TOKEN = "demo-token"


def block(after: str, language: str) -> str:
    """The first fenced block of ``language`` after the text ``after``."""
    rest = README.split(after, 1)[1]
    return rest.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A directory as a checkout is after the quickstart: ``.venv`` and the tenant it made."""
    root = tmp_path / "checkout"
    (root / ".quickstart").mkdir(parents=True)
    (root / ".venv").symlink_to(Path(sys.prefix))
    database = root / ".quickstart" / "tenant.sqlite"
    simulator = Simulator(SimulatorConfig(tokens=(TOKEN,), db=str(database), rate_limit=0))
    with RunningSimulator(simulator) as running:
        config = {"ampeco:tenantUrl": running.base_url, "ampeco:apiToken": TOKEN}
        program = project_program(REPO / "examples" / "quickstart")
        with OfflineStack(
            program,
            tmp_path / "qs.json",
            config,
            secrets=("ampeco:apiToken",),
            transport="inprocess",
        ) as qs:
            qs.up()
    simulator.close()
    return root


_PROLOGUE = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n"


def run_tour(checkout: Path, script: str, **env: str) -> str:
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AMPECO_", "PULUMI_"))},
        "HOME": str(checkout.parent / "home"),
        "TMPDIR": str(checkout.parent),
        **env,
    }
    (checkout.parent / "home").mkdir(exist_ok=True)
    done = subprocess.run(
        # Background jobs (the simulator) end with the script, also when a step fails.
        ["bash", "-c", _PROLOGUE + script.replace("8080", str(port))],
        cwd=checkout,
        stdin=subprocess.DEVNULL,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def test_the_tour_runs_as_written_and_prints_what_the_readme_shows(checkout: Path) -> None:
    tour = block("<!-- tour:", "bash")
    output = run_tour(checkout, tour)
    shown = block("What it prints, in part:", "text")
    for line in shown.splitlines():
        if line.strip() and line.strip() != "…":
            assert line in output, f"{line!r} is not in the tour's output:\n{output}"
    # Nothing but the simulator's log stays behind in the checkout.
    assert sorted(p.name for p in (checkout / ".quickstart").iterdir()) == [
        "sim.log",
        "tenant.sqlite",
    ]


def test_the_tour_with_the_pulumi_cli(checkout: Path, pulumi_cli: str) -> None:
    """The tour's export, then the README's Pulumi CLI block in the project it wrote."""
    tour = block("<!-- tour:", "bash")
    export = tour.split("# 2.", 1)[0]
    # Without a terminal to answer its question, `pulumi up` needs --yes.
    cli = block("**With the Pulumi CLI**", "bash").replace("pulumi up ", "pulumi up --yes ")
    assert "pulumi up --yes " in cli
    path = os.pathsep.join([str(Path(pulumi_cli).parent), os.environ.get("PATH", "")])
    log = checkout.parent / "requests.json"
    keep_log = f"curl -sf http://127.0.0.1:8080/_sim/requests > {log}\n"
    output = run_tour(
        checkout,
        export + cli + keep_log + "kill %1\n",
        PATH=path,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
    )
    # Pulumi counts the stack and the component among its creates: 18 objects adopted.
    assert re.search(r"\+ 20 to create", output) and "+ 20 created" in output, output
    requests = json.loads(log.read_text())["data"]
    assert requests and [r for r in requests if r["method"] != "GET"] == []


def test_the_readme_document_validates_and_its_problems_are_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = block("## A tenant document", "yaml")
    monkeypatch.chdir(tmp_path)
    Path("tenant.yaml").write_text(document)
    args = ["validate", "tenant.yaml", "-c", "tenant:pricePerKwh=0.35"]
    assert main(args) == 0
    capsys.readouterr()
    changed = document.replace("percentage: 25,", "percentage: 250,").replace(
        "tax: vat-25}", "tax: vat-52}"
    )
    assert changed.count("250") == 1 and "vat-52" in changed
    Path("tenant.yaml").write_text(changed)
    assert main(args) == 1
    assert capsys.readouterr().err == block("<!-- tested: tests/test_readme_tour.py -->", "text")
