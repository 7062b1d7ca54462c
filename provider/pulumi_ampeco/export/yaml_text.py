"""The exported document as YAML: stable (the same tenant gives the same bytes), readable, with
a header that says what the flags mean."""

from __future__ import annotations

from typing import Any

import yaml

from ..tenant.loading import _Loader
from .document import Exported

SCHEMA_LINE = "# yaml-language-server: $schema=tenant.schema.json"
#: The schema the first line names: ``export --project`` writes it beside the document.
SCHEMA_HINT = "# (the schema, for editors: ampeco-iac schema -o tenant.schema.json)"


#: libyaml's emitter where PyYAML has it (twice as fast on a big tenant), else PyYAML's own.
_BASE: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BASE):  # type: ignore[valid-type,misc]
    """Plain YAML; strings that YAML would read as something else (``NO``, ``0150``, ``07:00``)
    are quoted, so the document reads back as written."""


def _read_as_text(value: str) -> bool:
    """Whether tenant documents' own reader takes the plain scalar as text (``2E3`` it reads as
    a number, which PyYAML's writer would not quote)."""
    resolve = yaml.resolver.Resolver.resolve
    resolved = resolve(_Loader, yaml.ScalarNode, value, (True, False))  # type: ignore[arg-type,no-untyped-call]
    return bool(resolved == "tag:yaml.org,2002:str")


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\n" in value else ("'" if not _read_as_text(value) else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def header(exported: Exported) -> list[str]:
    if exported.ids_from:
        lines = [
            SCHEMA_LINE,
            SCHEMA_HINT,
            "# Exported by `ampeco-iac export`. Every object carries `adopt: <id>`: the first `up`",
            "# takes it over by that id and writes nothing. Objects refer to each other by key.",
            "# The ids are those of the tenant in `ids_from`: on any other tenant they are not",
            "# used, and each object is found by its key or created.",
        ]
    else:
        lines = [
            SCHEMA_LINE,
            SCHEMA_HINT,
            "# Exported by `ampeco-iac export --portable`: no ids. An object with a key carries",
            "# `adopt: true`: `up` takes over the tenant's object with that key, or creates it.",
            "# Objects refer to each other by key.",
        ]
    if exported.retained:
        lines.append("# `retain_on_delete: true` marks what the tenant keeps: `destroy` leaves it:")
        lines += [f"#   {item}" for item in exported.retained]
    if exported.secrets:
        lines.append("# Secrets stay in the tenant; set each before the first `up`:")
        lines += [f"#   pulumi config set --secret {key}" for key in exported.secrets]
    return lines


def render(exported: Exported) -> str:
    body: Any = exported.document
    text = yaml.dump(
        body,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return "\n".join(header(exported)) + "\n" + text
