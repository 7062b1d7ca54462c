"""Reading a tenant document: YAML that refuses repeated keys, lines for every path, and
``${config:…}`` values from the stack.

A repeated key in YAML silently wins over the first in most parsers; in a tenant document it
is nearly always a copy-paste mistake (two charge points named ``cp-1``), so it is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]
#: ``(value or None if unset, secret?)`` for a ``namespace:key`` config name.
ConfigLookup = Callable[[str], tuple[str | None, bool]]

_REFERENCE = re.compile(r"\$(\$?)\{config:([A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?)\}")


class _Loader(yaml.SafeLoader):
    """YAML with only ``true``/``false`` as booleans (as YAML 1.2): in YAML 1.1 ``NO`` — the
    country code of Norway — and ``on``/``off``/``yes``/``no`` would silently become booleans."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass
class Problem:
    """One thing wrong with the document, at ``path`` (and ``line`` of the file, if known)."""

    path: Path_
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        return format_path(self.path) or "(document)"


@dataclass
class Source:
    """A parsed document with the line of each path (empty for a document given as a dict)."""

    data: Any
    name: str = "tenant document"
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line(self, path: Path_) -> int | None:
        """The line of ``path`` or of its nearest enclosing object."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


def format_path(path: Path_) -> str:
    """``("locations", "depot", "evses", 0, "power_options")`` →
    ``locations.depot.evses[0].power_options``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read(document: str | Path | Mapping[str, Any]) -> Source:
    """Parse a document given as a file path or as a mapping (taken as it is)."""
    if isinstance(document, Mapping):
        return Source(dict(document), name="tenant document")
    path = Path(document)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return Source(None, str(path), problems=[Problem((), f"cannot read it: {error}")])
    return parse(text, str(path))


def parse(text: str, name: str = "tenant.yaml") -> Source:
    """Parse YAML text; a syntax error or a repeated key is a :class:`Problem`, not an
    exception."""
    source = Source(None, name)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error)
        source.problems.append(Problem((), f"not valid YAML: {reason}", line))
        return source
    if node is None:
        source.data = {}
        return source
    _index(node, (), source)
    # With a repeated key the later value is kept, so the rest is still checked and reported.
    source.data = yaml.load(text, Loader=_Loader)  # a SafeLoader
    return source


def _index(node: yaml.Node, path: Path_, source: Source) -> None:
    source.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in first:
                source.problems.append(
                    Problem(
                        (*path, key),
                        f"`{key}` appears twice in this mapping (first on line {first[key]});"
                        " keep one",
                        line,
                    )
                )
                # The later one is what the document means (YAML keeps it): its lines count.
                inner = (*path, key)
                for known in [k for k in source.lines if k[: len(inner)] == inner]:
                    del source.lines[known]
            first.setdefault(key, line)
            inner_path = (*path, key)
            _index(value_node, inner_path, source)
            source.lines[inner_path] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*path, index), source)


@dataclass
class Substituted:
    """The document with config values in, and the paths whose value came from a secret."""

    data: Any
    secret_paths: list[Path_] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def substitute(data: Any, lookup: ConfigLookup, project: str) -> Substituted:
    """Replace ``${config:namespace:key}`` (or ``${config:key}`` for the project's own
    namespace) in every string value; ``$${…}`` is a literal ``${…}``. A value that is one
    reference and whose config is structured (JSON) becomes that structure."""
    result = Substituted(None)
    result.data = _substitute(data, (), lookup, project, result)
    return result


def _substitute(
    value: Any, path: Path_, lookup: ConfigLookup, project: str, result: Substituted
) -> Any:
    if isinstance(value, Mapping):
        return {k: _substitute(v, (*path, k), lookup, project, result) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, (*path, i), lookup, project, result) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    secret = False
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        nonlocal secret
        if match.group(1):
            return match.group(0)[1:]
        key = match.group(2)
        full = key if ":" in key else f"{project}:{key}"
        found, is_secret = lookup(full)
        if found is None:
            missing.append(full)
            return match.group(0)
        secret = secret or is_secret
        return found

    whole = _REFERENCE.fullmatch(value)
    text = _REFERENCE.sub(replace, value)
    for full in missing:
        result.problems.append(
            Problem(
                path,
                f"`${{config:{full}}}` is not set for this stack:"
                f" `pulumi config set {full} <value>`",
            )
        )
    if secret:
        result.secret_paths.append(path)
    if whole is not None and not whole.group(1) and not missing:
        try:
            structured = json.loads(text)
        except ValueError:
            return text
        if isinstance(structured, dict | list):
            return structured
    return text
