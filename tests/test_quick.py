"""What the ``quick`` marker promises (``bash scripts/test --quick``, the inner loop): its tests
reach every layer of the project, and none needs the Pulumi CLI (collection refuses such a test:
``conftest.pytest_collection_modifyitems``)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from . import conftest
from .conftest import QUICK_TESTS, REPO

#: Each layer, and the test modules of which at least one must have quick tests.
LAYERS = {
    "models (kinds, the tenant document)": ("test_kinds.py", "test_tenant_document.py"),
    "simulator": ("test_sim_resources.py", "test_sim_pagination.py"),
    "client against the simulator": ("test_client.py",),
    "provider": ("test_provider.py",),
    "offline engine": ("test_offline_engine.py",),
    "export": ("test_export.py", "test_export_text.py"),
}


def quick_tests(config: pytest.Config) -> list[str]:
    """The node ids of the tests marked quick: as this run collected them when it collected the
    whole suite, else as a collection of their own in another process finds them (which fails,
    as this run would, if one needs the CLI)."""
    if config.args_source is pytest.Config.ArgsSource.TESTPATHS:
        return config.stash[QUICK_TESTS]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    return [line for line in collected.stdout.splitlines() if "::" in line]


def test_the_quick_subset_reaches_every_layer_without_the_cli(
    request: pytest.FixtureRequest,
) -> None:
    modules = {node.split("::")[0].rsplit("/", 1)[-1] for node in quick_tests(request.config)}
    missing = [layer for layer, names in LAYERS.items() if not modules & set(names)]
    assert not missing, f"no quick test for: {missing}"
    assert not [m for m in modules if m.startswith("test_e2e_cli_")]


@dataclass
class Item:
    """The parts of a collected test the collection hook reads."""

    nodeid: str
    fixturenames: tuple[str, ...]
    quick: bool

    def get_closest_marker(self, name: str) -> Any:
        return pytest.mark.quick.mark if name == "quick" and self.quick else None


class Config:
    """The part of ``pytest.Config`` the collection hook uses."""

    def __init__(self) -> None:
        self.stash = pytest.Stash()


def test_collection_refuses_a_quick_test_that_needs_the_cli() -> None:
    fine = [Item("a", ("sim",), quick=True), Item("b", ("pulumi_cli",), quick=False)]
    config = Config()
    conftest.pytest_collection_modifyitems(config, fine)  # type: ignore[arg-type]
    assert config.stash[QUICK_TESTS] == ["a"]
    with pytest.raises(pytest.UsageError, match=r"must not need the Pulumi CLI.*: c$"):
        conftest.pytest_collection_modifyitems(
            Config(),  # type: ignore[arg-type]
            [*fine, Item("c", ("tmp_path", "pulumi_cli"), quick=True)],
        )
