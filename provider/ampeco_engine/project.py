"""A Pulumi project directory as the offline engine sees it: its program and its stack config.

``pulumi up`` runs a project's ``__main__.py`` with the project directory as the working
directory and first on ``sys.path``, and takes config from ``Pulumi.<stack>.yaml`` beside
``Pulumi.yaml``, with the project-level ``config`` of ``Pulumi.yaml`` as defaults.
:func:`project_program` and :func:`stack_config` do the same for an
:class:`~ampeco_engine.OfflineStack`, so an example runs unchanged under both.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .results import ProjectFileError

if TYPE_CHECKING:  # the SDK is heavy; reading a project's files does not need it
    from .stack import Program


@dataclass(frozen=True)
class StackConfig:
    """The plain values of a stack's config and the names of its encrypted ones.

    The values are those of ``Pulumi.<stack>.yaml`` over the project-level defaults of
    ``Pulumi.yaml``. Encrypted (``secure:``) values need the stack's secrets provider, which
    only the Pulumi CLI has; a run of the offline engine supplies them some other way
    (``ampeco:apiToken`` from ``AMPECO_API_TOKEN``, for example).
    """

    values: dict[str, Any] = field(default_factory=dict)
    encrypted: tuple[str, ...] = ()


def qualified(key: str, project: str) -> str:
    """A config key with its namespace: without one it is the project's, as with the CLI."""
    return key if ":" in key else f"{project}:{key}"


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
        raise ProjectFileError(f"{Path(project_dir) / 'Pulumi.yaml'} has no project name")
    return name


def stack_config(project_dir: str | Path, stack: str) -> StackConfig:
    """Config of stack ``stack`` as the Pulumi CLI gives it to the program: the values of
    ``Pulumi.<stack>.yaml`` (none if the file does not exist) over the project-level config of
    ``Pulumi.yaml``. Keys without a namespace belong to the project; structured values stay
    structured. Raises :class:`ProjectFileError` for a file the CLI would not accept either, and for
    an encrypted value inside structured config, which only the CLI can decrypt."""
    root = Path(project_dir).resolve()
    project_file = _project_file(root)
    path = root / f"Pulumi.{stack}.yaml"
    data = _yaml_mapping(path) if path.exists() else {}
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise ProjectFileError(f"{path}: `config` must be a mapping")
    project = project_name(root)
    values: dict[str, Any] = {}
    encrypted: list[str] = []
    for key, value in raw.items():
        full = qualified(str(key), project)
        if _is_secure(value):
            encrypted.append(full)
            continue
        nested = _secure_path(value)
        if nested is not None:
            raise ProjectFileError(
                f"{path}: {full} holds an encrypted value at {nested}, which only the Pulumi "
                "CLI can decrypt: run this stack with the Pulumi CLI, or keep the secret out "
                "of the structured value"
            )
        values[full] = value
    # The CLI applies a project-level value only to keys the stack does not set at all.
    for full, value in _project_defaults(root / "Pulumi.yaml", project_file, project).items():
        if full not in values and full not in encrypted:
            values[full] = value
    return StackConfig(values, tuple(encrypted))


def _is_secure(value: Any) -> bool:
    """A ``{secure: <ciphertext>}`` value, as the CLI writes an encrypted one."""
    return isinstance(value, dict) and set(value) == {"secure"}


def _secure_path(value: Any, path: str = "") -> str | None:
    """Where in structured ``value`` an encrypted value sits (``a.b[0]``), if anywhere."""
    if _is_secure(value):
        return path or "the top"
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        items = [(f"{path}.{k}" if path else str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    for child_path, child in items:
        found = _secure_path(child, child_path)
        if found is not None:
            return found
    return None


#: The attributes of a project-level config entry written as a mapping.
_PROJECT_CONFIG_ATTRIBUTES = frozenset(
    {"type", "description", "items", "default", "value", "secret"}
)


def _project_defaults(path: Path, data: dict[str, Any], project: str) -> dict[str, Any]:
    """The values that the ``config`` block of ``Pulumi.yaml`` gives every stack.

    As with the CLI: a plain value (or a list) is the ``default`` of a project key and the
    ``value`` of another namespace's key; a mapping declares ``default`` or ``value`` (an
    object value has to be nested under one of them), and a project key may declare neither
    (only a type). Keys of other namespaces take ``value`` only.
    """
    raw = data.get("config")
    if raw is None or isinstance(raw, str):  # a string is the old spelling of stackConfigDir
        return {}
    if not isinstance(raw, dict):
        raise ProjectFileError(f"{path}: `config` must be a mapping")
    defaults: dict[str, Any] = {}
    for key, entry in raw.items():
        name = str(key)
        own = ":" not in name or name.startswith(f"{project}:")
        if not isinstance(entry, dict):
            if entry is not None:
                defaults[qualified(name, project)] = entry
            continue
        unknown = set(map(str, entry)) - _PROJECT_CONFIG_ATTRIBUTES
        if unknown:
            raise ProjectFileError(
                f"{path}: config {name}: unknown attribute(s) {', '.join(sorted(unknown))}; "
                "an object value has to be nested under `default` or `value`"
            )
        default, value = entry.get("default"), entry.get("value")
        if default is not None and value is not None:
            raise ProjectFileError(f"{path}: config {name} cannot have both `default` and `value`")
        if not own:
            if "type" in entry or default is not None:
                raise ProjectFileError(
                    f"{path}: config {name} is not namespaced by the project: it takes "
                    "`value` only (no `type` or `default`)"
                )
            if value is None:
                raise ProjectFileError(f"{path}: config {name} is namespaced and must have `value`")
        given = default if default is not None else value
        if given is not None:
            defaults[qualified(name, project)] = given
    return defaults


def _project_file(root: Path) -> dict[str, Any]:
    path = root / "Pulumi.yaml"
    return _yaml_mapping(path) if path.exists() else {}


def _yaml_mapping(path: Path) -> dict[str, Any]:
    """The mapping a Pulumi YAML file holds (empty for an empty file); a
    :class:`ProjectFileError` naming the file for anything else."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None)
        if mark is None or problem is None:
            raise ProjectFileError(f"{path} is not valid YAML: {exc}") from None
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        raise ProjectFileError(f"{path} is not valid YAML ({where}): {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProjectFileError(f"{path}: the top level must be a mapping, not {_kind(data)}")
    return data


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


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


__all__ = [
    "ProjectFileError",
    "StackConfig",
    "project_main",
    "project_name",
    "project_program",
    "qualified",
    "stack_config",
]
