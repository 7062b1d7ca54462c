"""The exported document as a Pulumi Python program (``__main__.py``) that declares the same
objects with the resource classes.

One variable per object (``tax_vat_25``, ``charge_point_depot_north_cp_1``), named by its
section and the keys on its path; resource names are those the ``Tenant`` component gives
(``taxes/vat-25``, ``locations/depot/charge_points/cp-1/evses/1/connectors/0``), so the two
forms describe the same resources. References by key become the referred variable's ``.id``,
the enclosing objects' ids fill the parent arguments, ``adopt`` takes over each object by the
id the export saw, and secrets come from the stack's config. The text is stable (the same
document gives the same bytes), laid out as ``ruff format`` lays it out, and passes
``ruff check``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..kinds import SECTIONS, TOP_LEVEL, Section
from ..tenant.loading import ADOPT, IDS_FROM, RETAIN, DocPath, unliteral
from .document import Exported

INDENT = "    "
#: The layout's line length (the project's ``ruff`` setting).
LINE_LENGTH = 100
#: Names the program itself uses: no object's variable takes them.
RESERVED = frozenset({"pulumi", "ampeco", "config"})
_SECRET = re.compile(r"^\$\{config:([A-Za-z0-9_.-]+(?::[A-Za-z0-9_.-]+)?)\}$")


@dataclass(frozen=True)
class _Code:
    """Python source written as it is (a reference such as ``tax_vat_25.id``); ``call`` is
    ``(callee, argument)`` when it is a call of one argument, which a long line breaks inside
    the parentheses."""

    text: str
    call: tuple[str, str] | None = None

    @classmethod
    def calling(cls, callee: str, argument: str) -> _Code:
        return cls(f"{callee}({argument})", (callee, argument))


@dataclass
class _Object:
    """One object of the document, as the program declares it."""

    path: DocPath
    section: Section
    #: The resource's name, as the ``Tenant`` component names it.
    name: str
    #: The last part of the name: the key, an EVSE's ``network_id``, or the position.
    label: str
    variable: str
    entry: Mapping[str, Any]
    parents: tuple[_Object, ...]


@dataclass
class _Program:
    exported: Exported
    objects: list[_Object] = field(default_factory=list)
    #: (section, path of the object that holds it) → key → object.
    index: dict[tuple[str, DocPath], dict[str, _Object]] = field(default_factory=dict)
    taken: set[str] = field(default_factory=lambda: set(RESERVED))
    secrets: set[str] = field(default_factory=set)
    uses_config: bool = False

    # --- the objects, their names and variables ------------------------------------------

    def collect(self) -> None:
        document = self.exported.document
        unknown = [name for name in document if name not in (*TOP_LEVEL, IDS_FROM)]
        if unknown:
            raise ValueError(f"not sections of a tenant document: {', '.join(map(str, unknown))}")
        for name in TOP_LEVEL:
            if document.get(name) is not None:
                self.walk(SECTIONS[name], document[name], (name,), ())

    def walk(
        self, section: Section, value: Any, path: DocPath, parents: tuple[_Object, ...]
    ) -> None:
        holder = parents[-1].path if parents else ()
        prefix = f"{parents[-1].name}/" if parents and not section.named_alone else ""
        items: list[tuple[str | int | None, Any, str]]
        if section.single:
            items = [(None, value, section.name)]
        elif section.keyed:
            if not isinstance(value, Mapping):
                raise ValueError(f"{_where(path)}: a mapping of key → {section.singular}")
            items = [(str(key), obj, str(key)) for key, obj in value.items()]
        else:
            if not isinstance(value, list):
                raise ValueError(f"{_where(path)}: a list of {section.singular}s")
            items = []
            for position, obj in enumerate(value):
                label = (
                    obj.get(section.name_field)
                    if section.name_field and isinstance(obj, Mapping)
                    else None
                )
                items.append((position, obj, str(label) if label is not None else str(position)))
        keys = self.index.setdefault((section.name, holder), {})
        for key, obj, label in items:
            obj_path = path if key is None else (*path, key)
            if not isinstance(obj, Mapping):
                raise ValueError(f"{_where(obj_path)}: {section.a_singular} is a mapping")
            declared = _Object(
                path=obj_path,
                section=section,
                name=f"{prefix}{section.name}"
                if key is None
                else f"{prefix}{section.name}/{label}",
                label=label,
                variable=self.variable(section, [*(p.label for p in parents), label]),
                entry=obj,
                parents=parents,
            )
            self.objects.append(declared)
            if isinstance(key, str):
                keys[key] = declared
            for child in section.children:
                if obj.get(child) is not None:
                    self.walk(SECTIONS[child], obj[child], (*obj_path, child), (*parents, declared))

    def variable(self, section: Section, parts: list[str]) -> str:
        """A readable identifier, unique in the program: ``charge_point_depot_north_cp_1``."""
        words = [_identifier(section.singular), *(_identifier(p) for p in parts)]
        base = "_".join(w for w in words if w)
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    # --- the arguments -------------------------------------------------------------------

    def arguments(self, obj: _Object) -> list[tuple[str, Any]]:
        """The keyword arguments of one object's resource, in the program's order: parents,
        fields (references in place), ``adopt``, ``opts``."""
        section = obj.section
        args: list[tuple[str, Any]] = []
        if section.parent_fields:
            innermost = obj.parents[-len(section.parent_fields) :]
            for name, parent in zip(section.parent_fields, innermost, strict=True):
                args.append((name, _Code(f"{parent.variable}.id")))
        fields: dict[str, Any] = {
            name: value
            for name, value in obj.entry.items()
            if name not in section.children and name not in (ADOPT, RETAIN)
        }
        for ref in section.refs:
            *head, last = ref.field.split(".")
            holder: Any = fields
            for part in head:
                holder = holder.get(part) if isinstance(holder, Mapping) else None
            if not isinstance(holder, Mapping) or holder.get(last) is None:
                continue
            scopes = [p.path for p in reversed(obj.parents)] + [()]
            scope = next((s for s in scopes if (ref.target, s) in self.index), ())
            known = self.index.get((ref.target, scope), {})
            keys = holder[last] if ref.many else [holder[last]]
            if not isinstance(keys, list):
                raise ValueError(f"{_where((*obj.path, *ref.field.split('.')))}: a list of keys")
            missing = [k for k in keys if not isinstance(k, str) or k not in known]
            if missing:
                raise ValueError(
                    f"{_where((*obj.path, *ref.field.split('.')))}: no"
                    f" {SECTIONS[ref.target].singular} {missing[0]!r} in `{ref.target}`"
                )
            ids = [_Code(f"{known[k].variable}.id") for k in keys]
            replaced = _replace_key(
                holder, last, ref.id_field.split(".")[-1], ids if ref.many else ids[0]
            )
            fields = _set_in(fields, head, replaced)
        for name, value in fields.items():
            if value is None:  # ``external_id: None``: no external id, so none is set
                continue
            args.append((name, self.value(value)))
        adopt = obj.entry.get(ADOPT, False)
        if self.exported.ids_from and not isinstance(adopt, bool):
            shared = ", by_key=False" if _where(obj.path) in self.exported.ambiguous else ""
            adopt = _Code(f"ampeco.Adopt({int(adopt)}, IDS_FROM{shared})")
        if adopt is not False:
            args.append((ADOPT, adopt))
        if obj.entry.get(RETAIN) is True:
            args.append(("opts", _Code("pulumi.ResourceOptions(retain_on_delete=True)")))
        return args

    def value(self, value: Any) -> Any:
        """The value with every secret config reference as the config's secret."""
        if isinstance(value, Mapping):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            match = _SECRET.match(value)
            if match and match.group(1) in self.secrets:
                namespace, _, key = match.group(1).rpartition(":")
                if namespace:
                    config = f"pulumi.Config({_string(namespace)})"
                    return _Code.calling(f"{config}.require_secret", _string(key))
                self.uses_config = True
                return _Code.calling("config.require_secret", _string(key))
            return unliteral(value)  # a Python string means itself: no escape
        return value

    # --- the text ------------------------------------------------------------------------

    def render(self) -> str:
        self.secrets = set(self.exported.secrets)
        self.collect()
        body: list[str] = []
        for obj in self.objects:
            cls = f"ampeco.{obj.section.kind}"
            lines = [f"{obj.variable} = {cls}(", f"{INDENT}{_string(obj.name)},"]
            for name, value in self.arguments(obj):
                lines += _entry(f"{name}=", value, 1)
            lines.append(")")
            body.append("\n".join(lines))
        out = [
            *self.header(),
            "import pulumi",
            "",
            "# isort: split",
            "import pulumi_ampeco as ampeco",
            "",
        ]
        if self.exported.ids_from:
            out += [
                "# The tenant whose ids `adopt` names: on another one they are not used.",
                f"IDS_FROM = {_string(self.exported.ids_from)}",
                "",
            ]
        if self.uses_config:
            out += ["config = pulumi.Config()", ""]
        out += [f"{block}\n" for block in body]
        return "\n".join(out).rstrip("\n") + "\n"

    def header(self) -> list[str]:
        exported = self.exported
        lines = (
            [
                "# Exported by `ampeco-iac export`. Every resource carries `adopt=<id>`: the first",
                "# `up` takes the object over by that id and writes nothing (on another tenant than",
                "# IDS_FROM, it is found by its key or created). Resources refer to each other by",
                "# `.id`, so Pulumi creates what is referred to first and deletes it last.",
            ]
            if exported.ids_from
            else [
                "# Exported by `ampeco-iac export --portable`: no ids. A resource with a key carries",
                "# `adopt=True`: `up` takes over the tenant's object with that key, or creates it.",
                "# Resources refer to each other by `.id`, so Pulumi creates what is referred to",
                "# first and deletes it last.",
            ]
        )
        if exported.retained:
            lines.append(
                "# `retain_on_delete=True` marks what the tenant keeps: `destroy` leaves it:"
            )
            variables = {_where(obj.path): obj.variable for obj in self.objects}
            for item in exported.retained:  # "taxes.vat-25 (why)": the variable, and why
                where, space, why = item.partition(" ")
                lines.append(f"#   {_comment(variables.get(where, where) + space + why)}")
        if exported.secrets:
            lines.append("# Secrets stay in the tenant; set each before the first `up`:")
            lines += [f"#   pulumi config set --secret {_comment(key)}" for key in exported.secrets]
        return [*lines, ""]


def render(exported: Exported) -> str:
    """The program (``__main__.py``) that declares the exported document's objects."""
    return _Program(exported).render()


# --- helpers ------------------------------------------------------------------------------------


def _where(path: DocPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _identifier(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^0-9a-z]+", "_", text.lower())).strip("_")


def _comment(text: str) -> str:
    """Text on one comment line."""
    return " ".join(str(text).split())


def _replace_key(holder: Mapping[str, Any], old: str, new: str, value: Any) -> dict[str, Any]:
    """The mapping with ``old`` replaced, at its place, by ``new`` set to ``value``."""
    out: dict[str, Any] = {}
    for key, item in holder.items():
        if key == old:
            out[new] = value
        elif key != new:
            out[key] = item
    return out


def _set_in(values: dict[str, Any], head: list[str], replaced: dict[str, Any]) -> dict[str, Any]:
    """``values`` (copied along the way) with the mapping at the path ``head`` replaced."""
    if not head:
        return replaced
    out = dict(values)
    out[head[0]] = _set_in(dict(values[head[0]]), head[1:], replaced)
    return out


def _entry(prefix: str, value: Any, depth: int) -> list[str]:
    """The lines of one argument or item (``prefix`` is ``name=`` or ``"key": ``), with a
    trailing comma, laid out as ``ruff format`` does: on one line if it fits, else one item a
    line (the trailing comma keeps it so)."""
    indent = INDENT * depth
    flat = f"{indent}{prefix}{_flat(value)},"
    if _width(flat) <= LINE_LENGTH:
        return [flat]
    if isinstance(value, _Code) and value.call is not None:
        callee, argument = value.call
        return [f"{indent}{prefix}{callee}(", f"{indent}{INDENT}{argument}", f"{indent}),"]
    if not value or not isinstance(value, (Mapping, list)):
        return [flat]  # a text or a name: no shorter layout
    if isinstance(value, Mapping):
        lines = [f"{indent}{prefix}{{"]
        for key, item in value.items():
            lines += _entry(f"{_literal(key)}: ", item, depth + 1)
        return [*lines, f"{indent}}},"]
    lines = [f"{indent}{prefix}["]
    for item in value:
        lines += _entry("", item, depth + 1)
    return [*lines, f"{indent}],"]


def _width(line: str) -> int:
    """Columns a line takes (wide characters two, combining ones none), as ``ruff`` counts."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in line
    )


def _flat(value: Any) -> str:
    """A value on one line."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_literal(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return _literal(value)


def _literal(value: Any) -> str:
    if isinstance(value, _Code):
        return value.text
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return f'float("{value}")'
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"no Python literal for {type(value).__name__} values")


def _string(text: str) -> str:
    """A string literal in double quotes, unless the text holds more double quotes than single
    ones (the formatter's choice); other characters escaped as ``repr`` escapes them."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for c in text:
        if c in (quote, "\\"):
            out.append("\\" + c)
        elif c in "'\"":
            out.append(c)
        else:
            out.append(repr(c)[1:-1])
    return quote + "".join(out) + quote
