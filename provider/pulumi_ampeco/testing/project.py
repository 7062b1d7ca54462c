"""A Pulumi project directory as the offline engine sees it: its program and its stack config.

``pulumi up`` runs a project's ``__main__.py`` with the project directory as the working
directory and first on ``sys.path``, and takes config from ``Pulumi.<stack>.yaml`` beside
``Pulumi.yaml``. :func:`project_program` and :func:`stack_config` do the same for an
:class:`~pulumi_ampeco.testing.OfflineStack`, so an example runs unchanged under both.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .stack import Program


@dataclass(frozen=True)
class StackConfig:
    """The plain values of a ``Pulumi.<stack>.yaml`` and the names of its encrypted ones.

    Encrypted (``secure:``) values need the stack's secrets provider, which only the Pulumi
    CLI has; a run of the offline engine supplies them some other way (``ampeco:apiToken``
    from ``AMPECO_API_TOKEN``, for example).
    """

    values: dict[str, Any] = field(default_factory=dict)
    encrypted: tuple[str, ...] = ()


def project_main(project_dir: str | Path) -> Path:
    """The program file of a project: ``main`` of its ``Pulumi.yaml`` (a file or a
    directory holding ``__main__.py``), else ``__main__.py`` beside it."""
    root = Path(project_dir).resolve()
    main = _project_file(root).get("main")
    target = root / str(main) if main else root
    return target / "__main__.py" if target.is_dir() else target


def project_program(project_dir: str | Path) -> Program:
    """A program function that runs the project's ``__main__.py`` as ``pulumi up`` would:
    anew on every call, with the program's directory as the working directory and first on
    ``sys.path``."""
    main = project_main(project_dir)
    if not main.is_file():
        raise FileNotFoundError(f"no Pulumi program at {main}")

    def program() -> None:
        with _program_environment(main.parent):
            runpy.run_path(str(main), run_name="__main__")

    return program


def project_name(project_dir: str | Path) -> str:
    """The ``name`` of the project's ``Pulumi.yaml``."""
    name = _project_file(Path(project_dir).resolve()).get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{Path(project_dir) / 'Pulumi.yaml'} has no project name")
    return name


def stack_config(project_dir: str | Path, stack: str) -> StackConfig:
    """Config of ``Pulumi.<stack>.yaml`` (none if the file does not exist). Keys without a
    namespace belong to the project, as with the CLI; structured values stay structured."""
    root = Path(project_dir).resolve()
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return StackConfig()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: `config` must be a mapping")
    project = project_name(root)
    values: dict[str, Any] = {}
    encrypted: list[str] = []
    for key, value in raw.items():
        full = str(key) if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            encrypted.append(full)
        elif isinstance(value, dict) and set(value) == {"value"}:
            values[full] = value["value"]
        else:
            values[full] = value
    return StackConfig(values, tuple(encrypted))


def _project_file(root: Path) -> dict[str, Any]:
    path = root / "Pulumi.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a mapping")
    return data


@contextlib.contextmanager
def _program_environment(directory: Path) -> Iterator[None]:
    previous_cwd = Path.cwd()
    sys.path.insert(0, str(directory))
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        with contextlib.suppress(ValueError):
            sys.path.remove(str(directory))


__all__ = ["StackConfig", "project_main", "project_name", "project_program", "stack_config"]
