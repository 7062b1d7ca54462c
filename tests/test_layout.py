"""The package boundaries: ``ampeco_engine`` is a generic engine that knows nothing of
``pulumi_ampeco``, production code never imports the test API, and reading a project's files
does not load the Pulumi SDK (so the CLI's usage errors come fast)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.quick

PROVIDER = Path(__file__).resolve().parents[1] / "provider"
ENGINE = PROVIDER / "ampeco_engine"
PACKAGE = PROVIDER / "pulumi_ampeco"
TEST_API = "pulumi_ampeco.testing"


def _loaded_after(code: str) -> list[str]:
    """The module names loaded by a fresh interpreter after running ``code``."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    names: list[str] = json.loads(done.stdout.splitlines()[-1])
    return names


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROVIDER).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module a source file imports (relative imports resolved), with its line."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            # ``from pulumi_ampeco import testing`` names a submodule too.
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def test_importing_the_engine_loads_nothing_of_pulumi_ampeco() -> None:
    submodules = sorted(_module_name(p) for p in _sources(ENGINE))
    loaded = _loaded_after(
        "\n".join(f"import {name}" for name in submodules)
        + "\nfrom ampeco_engine import *  # noqa: F403"
    )
    assert "ampeco_engine.stack" in loaded
    assert [name for name in loaded if _is_within(name, "pulumi_ampeco")] == []


def test_reading_a_project_does_not_load_the_pulumi_sdk() -> None:
    loaded = _loaded_after("import ampeco_engine.project")
    assert "ampeco_engine.project" in loaded
    assert [n for n in loaded if _is_within(n, "pulumi") or _is_within(n, "grpc")] == []


@pytest.mark.parametrize(
    "path",
    [p for p in _sources(PACKAGE) if not _is_within(_module_name(p), TEST_API)] + _sources(ENGINE),
    ids=lambda p: str(p.relative_to(PROVIDER)),
)
def test_production_code_does_not_import_the_test_api(path: Path) -> None:
    found = [(line, name) for line, name in _imports(path) if _is_within(name, TEST_API)]
    assert found == []


@pytest.mark.parametrize("path", _sources(ENGINE), ids=lambda p: str(p.relative_to(PROVIDER)))
def test_the_engine_imports_nothing_of_pulumi_ampeco(path: Path) -> None:
    found = [(line, name) for line, name in _imports(path) if _is_within(name, "pulumi_ampeco")]
    assert found == []


def test_validate_loads_neither_the_sdk_nor_the_client(tmp_path: Path) -> None:
    """``ampeco-iac validate`` runs in pre-commit hooks: the models only, no SDK, no gRPC."""
    document = tmp_path / "tenant.yaml"
    document.write_text("taxes:\n  vat:\n    name: VAT\n    percentage: 25\n", encoding="utf-8")
    loaded = _loaded_after(
        f"from pulumi_ampeco import cli\nassert cli.main(['validate', {str(document)!r}]) == 0"
    )
    assert "pulumi_ampeco.tenant.validation" in loaded
    heavy = ("pulumi", "grpc", "httpx", "pulumi_ampeco.resources", "pulumi_ampeco.provider")
    assert [n for n in loaded if any(_is_within(n, h) for h in heavy)] == []


def test_every_error_is_an_ampeco_error() -> None:
    """Every exception class of the package derives from ``AmpecoError`` (one ``except`` catches
    them all), and none shares a name with pydantic's or the SDK's errors."""
    import importlib
    import pkgutil

    import pulumi_ampeco
    from pulumi_ampeco.errors import AmpecoError

    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(pulumi_ampeco.__path__, "pulumi_ampeco."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
                and not value.__name__.startswith("_")  # private control flow, never raised out
            ):
                found[f"{info.name}.{value.__name__}"] = value
    assert "pulumi_ampeco.errors.InvalidRequestError" in found
    assert [name for name, cls in found.items() if not issubclass(cls, AmpecoError)] == []
    assert not {cls.__name__ for cls in found.values()} & {"ValidationError", "RunError"}


def test_no_test_module_shadows_a_public_name() -> None:
    import pulumi_ampeco
    import pulumi_ampeco.kinds

    public = set(pulumi_ampeco.__all__) | set(pulumi_ampeco.kinds.__all__)
    tests = Path(__file__).resolve().parent
    shadowing = []
    for path in sorted(tests.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = []
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            shadowing += [f"{path.name}:{node.lineno} {n}" for n in names if n in public]
    assert shadowing == []


def test_a_program_imports_nothing_of_the_offline_engine() -> None:
    """Under the Pulumi CLI a program, and the provider server that loads its resources,
    use pulumi-ampeco alone: the offline engine (its SDK internals) is never imported."""
    code = (
        "import sys\n"
        "import pulumi_ampeco, pulumi_ampeco.resources, pulumi_ampeco.provider\n"
        "from pulumi_ampeco import Tenant, Location, Adopt\n"
        "from pulumi_ampeco.tenant import validation\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ampeco_engine'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_the_engine_names_the_uncertain_create_errors_pulumi_ampeco_raises() -> None:
    """The engine keeps a create pending after these (it cannot import them): same names."""
    from ampeco_engine.protocol import UNCERTAIN_CREATE_ERRORS
    from ampeco_engine.transport import ProviderCallError
    from pulumi_ampeco.errors import AmbiguousCreateError, DuplicateObjectsError

    assert {AmbiguousCreateError.__name__, DuplicateObjectsError.__name__} == (
        UNCERTAIN_CREATE_ERRORS
    )
    line = "pulumi_ampeco.errors.AmbiguousCreateError: POST /locations/v2.0: no answer"
    assert ProviderCallError("Create", line, line).exception_type == "AmbiguousCreateError"
    quoted = "ValueError: name 'AmbiguousCreateError: x' is not allowed"
    assert ProviderCallError("Create", quoted, quoted).exception_type == "ValueError"
    assert ProviderCallError("Create", "no exception line", "").exception_type == ""
