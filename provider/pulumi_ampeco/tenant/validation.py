"""The whole tenant document checked at once, before any resource exists.

Every problem is collected — unknown keys, dangling and doubled references, two objects the
tenant could not tell apart, and every field error of every object (by the same models the
providers check with) — each at its path in the document. What passes becomes a list of
:class:`Node` s in declaration order: the component turns it into resources.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
from pydantic.alias_generators import to_snake

from ..kinds import KINDS, SECTIONS, TOP_LEVEL, Ref, Section
from ..lookup import dig, lookup_for
from ..problems import validation_problems
from .loading import (
    ADOPT,
    EMPTY,
    IDS_FROM,
    KEY,
    RENAMED_FROM,
    RETAIN,
    ConfigLookup,
    DocPath,
    Problem,
    Source,
    format_path,
    read,
    substitute,
)

#: A document: a YAML file's path, or the equivalent mapping.
Document = str | os.PathLike[str] | Mapping[str, Any]


@dataclass
class Node:
    """One object of the document, ready to become a resource."""

    path: DocPath
    #: The resource's name within the component, e.g. ``locations/depot/charge_points/cp-1``
    #: (EVSEs by ``network_id``, connectors by position): stable when siblings are reordered.
    name: str
    section: Section
    #: Resource arguments without the references and the parents' ids.
    args: dict[str, Any]
    #: Argument (dotted) → name(s) of the node(s) whose id it takes.
    refs: dict[str, str | list[str]] = field(default_factory=dict)
    #: Parent argument (``location_id``) → name of the enclosing node.
    parents: dict[str, str] = field(default_factory=dict)
    #: ``True`` (by key) or the id of the object to take over.
    adopt: bool | int = False
    #: Another object of the document has the same key (both are adopted by id): on a tenant
    #: the ids are not from, neither is looked for by key.
    key_shared: bool = False
    retain_on_delete: bool = False
    #: The last part of ``name``: the key, or the name field's value (an EVSE's network id).
    label: str = ""
    #: The keys ``renamed_from`` gives (the object's own, not its parents').
    renamed_from: list[str] = field(default_factory=list)
    #: The names the object had before (``renamed_from``, its own or an enclosing object's):
    #: its resource's aliases.
    old_names: list[str] = field(default_factory=list)
    #: Top-level arguments holding a value from a secret config.
    secret_args: set[str] = field(default_factory=set)
    fake_id: int = 0


@dataclass
class Plan:
    nodes: list[Node]
    problems: list[Problem]
    #: The tenant the document's ids belong to (``ids_from``), if it says.
    ids_from: str | None = None


def load(
    document: Document | Source,
    *,
    config: ConfigLookup | None = None,
    project: str = "",
    default_locale: str = "en",
) -> Plan:
    """Read (unless already parsed) and validate a document; ``config`` resolves
    ``${config:…}`` (without it, a reference is a problem)."""
    source = document if isinstance(document, Source) else _read(document)
    problems = list(source.problems)
    data = source.data
    if data is None and problems:
        return Plan([], _with_lines(problems, source))
    if not isinstance(data, Mapping):
        problems.append(
            Problem((), f"the document must be a mapping of sections ({', '.join(TOP_LEVEL)})")
        )
        return Plan([], _with_lines(problems, source))
    substituted = substitute(data, config or _no_config, project)
    problems += substituted.problems
    walker = _Walker(default_locale)
    emptied = substituted.data.get(EMPTY, False)
    if not isinstance(emptied, bool):
        problems.append(Problem((EMPTY,), f"must be true or false, got {emptied!r}"))
    ids_from = substituted.data.get(IDS_FROM)
    if ids_from is not None and _tenant_url(ids_from) is None:
        problems.append(
            Problem(
                (IDS_FROM,),
                "must be the URL of the tenant the document's ids come from"
                " (`https://tenant.example.com`), as `ampeco-iac export` writes it",
            )
        )
    for name in substituted.data:
        if name in (EMPTY, IDS_FROM):
            continue
        if name not in TOP_LEVEL:
            problems.append(
                Problem((name,), _unknown(str(name), "section of the document", TOP_LEVEL))
            )
    # Declaration order, whatever the document's order: every reference points backwards.
    for name in TOP_LEVEL:
        if substituted.data.get(name) is not None:
            walker.walk(SECTIONS[name], substituted.data[name], (name,), ())
    walker.check_renames()
    walker.check_all()
    if not walker.nodes and not walker.problems and emptied is not True:
        problems.append(
            Problem(
                (),
                "the document declares no object: applied, it would delete every object the"
                f" stack manages. If that is what you want, say so with `{EMPTY}: true`",
            )
        )
    # A field whose value is not known here (its config is missing: already reported) is
    # not checked further.
    unknown = set(substituted.unknown_paths)
    problems += [p for p in walker.problems if not _under_any(p.path, unknown)]
    for node, argument in _secret_arguments(walker.nodes, substituted.secret_paths):
        node.secret_args.add(argument)
    for node in walker.nodes:
        node.secret_args -= set(node.section.children)
        name_field = node.section.name_field
        if name_field and name_field in node.secret_args:
            problems.append(
                Problem(
                    (*node.path, name_field),
                    f"`{name_field}` names the resource (in the state, in clear), so it cannot"
                    " come from a secret config",
                )
            )
    problems = _with_lines(problems, source)
    secrets = _secrets_pattern(substituted.secret_values)
    for problem in problems:
        problem.message = _masked(problem.message, secrets)
    problems.sort(key=lambda p: (p.line or 0, p.where))
    return Plan(
        walker.nodes if not problems else [],
        problems,
        ids_from if isinstance(ids_from, str) and not problems else None,
    )


def _read(document: Document) -> Source:
    return read(document if isinstance(document, Mapping) else Path(document))


def _under_any(path: DocPath, outers: set[DocPath]) -> bool:
    """Whether ``path`` is one of ``outers`` or within one (a look-up per enclosing path, so
    many problems and many paths stay linear)."""
    return any(path[:length] in outers for length in range(len(path) + 1))


def _secret_arguments(nodes: list[Node], secret_paths: list[DocPath]) -> list[tuple[Node, str]]:
    """Each object's arguments holding a value from a secret config: the object nearest
    above each secret path, and the argument under it."""
    by_path = {node.path: node for node in nodes}
    found = []
    for path in secret_paths:
        for length in range(len(path) - 1, -1, -1):
            node = by_path.get(path[:length])
            if node is not None:
                found.append((node, str(path[length])))
                break
    return found


def _masked(message: str, secrets: re.Pattern[str] | None) -> str:
    """The message without any secret config value in it."""
    return message if secrets is None else secrets.sub("[secret]", message)


def _secrets_pattern(secrets: set[str]) -> re.Pattern[str] | None:
    """One expression for every secret value (the longest first, as each is tried in turn)."""
    values = sorted((v for v in secrets if v), key=len, reverse=True)
    if not values:
        return None
    either = "|".join(re.escape(v) for v in values)
    return re.compile(rf"(?<![\w-])(?:{either})(?![\w-])")


def _no_config(_key: str) -> tuple[str | None, bool]:
    return None, False


def _tenant_url(value: Any) -> str | None:
    """:func:`pulumi_ampeco.adoption.tenant_url`, imported only for a document that has
    ``ids_from``: it brings the HTTP client, which ``validate`` otherwise never loads."""
    from ..adoption import tenant_url

    return tenant_url(value)


def _with_lines(problems: list[Problem], source: Source) -> list[Problem]:
    for problem in problems:
        if problem.line is None:
            problem.line = source.line(problem.path)
    return problems


def _unknown(name: str, what: str, choices: Any) -> str:
    choices = sorted(choices)
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f" — did you mean `{close[0]}`?" if close else ""
    return f"`{name}` is not a {what}{hint} (one of: {', '.join(choices)})"


class _Walker:
    def __init__(self, default_locale: str) -> None:
        self.default_locale = default_locale
        self.nodes: list[Node] = []
        self.problems: list[Problem] = []
        self._raw: dict[int, tuple[Mapping[str, Any], tuple[Node, ...]]] = {}
        #: (section, path of the object that holds it) → key → node
        self._index: dict[tuple[str, DocPath], dict[str, Node]] = {}
        #: (where, name) → the first object of that name there and the name as it wrote it.
        #: A name that is a number (an EVSE's) counts as the number: `1` and `01` are one EVSE
        #: number to the station.
        self._names: dict[tuple[str, str | int], tuple[Node, str]] = {}

    # --- pass 1: the objects, their keys and names ---------------------------------------

    def walk(self, section: Section, value: Any, path: DocPath, parents: tuple[Node, ...]) -> None:
        where = parents[-1].path if parents else ()
        prefix = f"{parents[-1].name}/" if parents and not section.named_alone else ""
        items: list[tuple[str | int | None, Any, str]]
        if section.single:
            items = [(None, value, section.name)]
        elif section.keyed:
            if not isinstance(value, Mapping):
                self._problem(path, f"`{section.name}` is a mapping of key → {section.singular}")
                return
            items = []
            for key, obj in value.items():
                if not isinstance(key, str) or not KEY.fullmatch(key):
                    self._problem(
                        (*path, key),
                        f"`{key}` cannot be a key: use letters, digits, `-` and `_` (at most"
                        " 64, starting with a letter or digit; quote keys that are numbers)",
                    )
                    continue
                items.append((key, obj, key))
        else:
            if not isinstance(value, list):
                self._problem(path, f"`{section.name}` is a list of {section.singular}s")
                return
            items = []
            for index, obj in enumerate(value):
                label = (
                    obj.get(section.name_field)
                    if section.name_field and isinstance(obj, Mapping)
                    else None
                )
                items.append((index, obj, str(label) if label is not None else str(index)))
        keys = self._index.setdefault((section.name, where), {})
        for key, obj, label in items:
            obj_path = path if key is None else (*path, key)
            if not isinstance(obj, Mapping):
                self._problem(obj_path, f"{section.a_singular} is a mapping of its fields")
                if isinstance(key, str):  # known, so references to it are not reported too
                    keys[key] = Node(obj_path, "", section, {})
                continue
            node = Node(
                path=obj_path,
                name=f"{prefix}{section.name}"
                if key is None
                else f"{prefix}{section.name}/{label}",
                section=section,
                args={},
                fake_id=len(self.nodes) + 1,
                label=label,
            )
            number = section.number(label)
            name = (f"{prefix}{section.name}", label if number is None else number)
            first, written = self._names.setdefault(name, (node, label))
            if first is not node:
                same = (
                    "is also used by"
                    if written == label
                    else f"is the same number as {written!r} of"
                )
                self._problem(
                    (*obj_path, section.name_field or ""),
                    f"`{section.name_field}` {label!r} {same} `{format_path(first.path)}`; it"
                    f" names the {section.singular} and must be unique here",
                )
                continue
            self.nodes.append(node)
            self._raw[id(node)] = (obj, parents)
            if isinstance(key, str):
                keys[key] = node
            self._renames(node, section, obj, parents)
            for child in section.children:
                if obj.get(child) is not None:
                    self.walk(SECTIONS[child], obj[child], (*obj_path, child), (*parents, node))

    def _renames(
        self,
        node: Node,
        section: Section,
        obj: Mapping[str, Any],
        parents: tuple[Node, ...],
    ) -> None:
        """``renamed_from`` of ``node``, checked, and every name it had before: under each
        of its own old keys, and under each old name of the object holding it."""
        given = obj.get(RENAMED_FROM)
        if given is not None:
            olds = [given] if isinstance(given, str) else given
            path = (*node.path, RENAMED_FROM)
            if not section.keyed:
                self._problem(
                    path,
                    f"{section.singular}s are named by `{section.name_field or 'position'}`,"
                    " not by a key: only objects under a key can be renamed",
                )
            elif (
                not isinstance(olds, list)
                or not olds
                or not all(isinstance(o, str) and KEY.fullmatch(o) for o in olds)
            ):
                self._problem(path, "must be the key the object had before, or a list of such keys")
            elif node.path[-1] in olds:
                self._problem(path, f"names the object's own key `{node.path[-1]}`")
            elif (
                len(set(olds)) > 1
                and section.external_id_from_key
                and obj.get("external_id") is None
            ):
                self._problem(
                    path,
                    f"names several former keys: write the {section.singular}'s `external_id`"
                    " (the one the tenant's object has; a rename keeps it), since it cannot be"
                    " told which key gave it",
                )
            else:
                node.renamed_from = list(dict.fromkeys(olds))
        own = [node.label, *node.renamed_from]
        holders = (
            [parents[-1].name, *parents[-1].old_names]
            if parents and not section.named_alone
            else [""]
        )
        where = [f"{holder}/{section.name}" if holder else section.name for holder in holders]
        # A single object is named by where it is; the others by their key there too.
        names = where if section.single else [f"{w}/{key}" for w in where for key in own]
        node.old_names = [n for n in dict.fromkeys(names) if n != node.name]

    def check_renames(self) -> None:
        """An old key still declared beside the object renamed from it, or claimed by two
        objects, is refused: either would make two resources of one object."""
        claimed: dict[tuple[str, DocPath, str], Node] = {}
        for node in self.nodes:
            where = node.path[:-1]
            for old in node.renamed_from:
                still = self._index.get((node.section.name, node.path[:-2]), {}).get(old)
                if still is not None:
                    self._problem(
                        (*node.path, RENAMED_FROM),
                        f"`{format_path(still.path)}` is still declared: rename it (remove the"
                        f" old entry) or drop `{old}` from `{RENAMED_FROM}`",
                    )
                first = claimed.setdefault((node.section.name, where, old), node)
                if first is not node:
                    self._problem(
                        (*node.path, RENAMED_FROM),
                        f"`{format_path(first.path)}` is renamed from `{old}` too: one object"
                        " cannot become two",
                    )

    # --- pass 2: each object's fields, references and keys -------------------------------

    def check_all(self) -> None:
        keys: dict[tuple[str, str, str], Node] = {}
        holders: dict[tuple[str, str, str], list[Node]] = {}
        adopted: dict[tuple[str, int], Node] = {}
        for node in list(self.nodes):
            obj, parents = self._raw[id(node)]
            probe = self._check_node(node, obj, parents)
            if probe is None:
                continue
            decl = KINDS[node.section.kind]
            # Parents that are part of the path (a zone's location) are not fields of the body.
            body = {k: v for k, v in probe.items() if k not in decl.parent_fields}
            try:
                model = decl.model.model_validate(
                    body, context={"default_locale": self.default_locale}
                )
            except pydantic.ValidationError as exc:
                for loc, message in validation_problems(exc, decl, body):
                    self._problem((*node.path, *loc), message)
                continue
            lookup = lookup_for(decl.collection_path(probe), model.to_wire())
            signature = (
                (lookup.path, repr(sorted(lookup.fields.items())), repr(lookup.params))
                if lookup is not None and lookup.identifying
                else None
            )
            if signature is not None:
                holders.setdefault(signature, []).append(node)
            if node.adopt is not True and node.adopt is not False:
                # Taken over by its id: found exactly, whatever its key; but only once.
                twin = adopted.setdefault((decl.name, int(node.adopt)), node)
                if twin is not node:
                    self._problem(
                        (*node.path, ADOPT),
                        f"`{format_path(twin.path)}` adopts the same {node.section.singular}"
                        f" (id {node.adopt}); an object can be taken over once",
                    )
                continue
            if lookup is None or signature is None:
                continue
            # The parent is implied by where the object is written (its id is a stand-in).
            described = ", ".join(
                f"{to_snake(k.split('.')[0])}{'.' + k.split('.', 1)[1] if '.' in k else ''} {v!r}"
                for k, v in lookup.fields.items()
                if to_snake(k) not in node.section.parent_fields
            )
            first = keys.setdefault(signature, node)
            if first is not node:
                self._problem(
                    node.path,
                    f"same {described} as `{format_path(first.path)}`: the tenant tells"
                    f" {node.section.singular}s apart by it (to find a lost create or to"
                    " adopt), so give one of them another",
                )
        for group in holders.values():
            if len(group) > 1:  # told apart by their ids only: never looked for by key
                for node in group:
                    node.key_shared = True

    def _check_node(
        self, node: Node, obj: Mapping[str, Any], parents: tuple[Node, ...]
    ) -> dict[str, Any] | None:
        """Split the document's own fields off; return the arguments with stand-in ids for
        the model to check (``None`` if the object cannot be checked further)."""
        section = node.section
        decl = KINDS[section.kind]
        fields = {f for f in decl.model.model_fields if f not in section.parent_fields}
        fields |= {p.field for p in decl.given_parents}
        allowed = fields | {r.field.split(".")[0] for r in section.refs}
        allowed |= set(section.children) | {ADOPT, RETAIN}
        if section.keyed:
            allowed.add(RENAMED_FROM)
        args: dict[str, Any] = {}
        for name, value in obj.items():
            if name in section.children or name == RENAMED_FROM:  # read in pass 1
                continue
            if name == ADOPT:
                if isinstance(value, bool) or (isinstance(value, int) and value > 0):
                    node.adopt = value
                else:
                    self._problem(
                        (*node.path, name),
                        f"must be true, false or the id of the object to take over, got {value!r}",
                    )
            elif name == RETAIN:
                if isinstance(value, bool):
                    node.retain_on_delete = value
                else:
                    self._problem((*node.path, name), f"must be true or false, got {value!r}")
            elif name in section.parent_fields:
                self._problem(
                    (*node.path, name),
                    f"`{name}` comes from where the {section.singular} is written"
                    f" (inside `{format_path(node.path[:-2])}`); remove it",
                )
            elif name not in allowed:
                self._problem(
                    (*node.path, name),
                    _unknown(str(name), f"field of {section.a_singular}", allowed),
                )
            else:
                args[name] = copy.deepcopy(value)
        for given in decl.given_parents:
            # A parent the document holds no objects of: its id is an argument (from a
            # config value, a text of digits).
            value = args.get(given.field)
            if isinstance(value, str) and value.isascii() and value.isdigit():
                value = args[given.field] = int(value)
            if isinstance(value, bool) or not (isinstance(value, int) and value > 0):
                what = _words(given.kind)
                self._problem(
                    (*node.path, given.field),
                    f"required: set `{given.field}`, the id of the {what} it belongs to"
                    if value is None
                    else f"must be the id of the {what} it belongs to (a whole number)",
                )
                return None
        if section.external_id_from_key and "external_id" not in args:
            # A renamed object keeps the external id its first old key gave it: a rename
            # changes the document, not the tenant's object (decisions: renames).
            args["external_id"] = node.renamed_from[0] if node.renamed_from else node.path[-1]
        probe = copy.deepcopy(args)
        for name, parent in zip(
            section.parent_fields, parents[-len(section.parent_fields) :], strict=True
        ):
            node.parents[name] = parent.name
            probe[name] = parent.fake_id
        for ref in section.refs:
            self._resolve(node, ref, args, probe, parents)
        node.args = args
        return probe

    def _resolve(
        self,
        node: Node,
        ref: Ref,
        args: dict[str, Any],
        probe: dict[str, Any],
        parents: tuple[Node, ...],
    ) -> None:
        value = _pop(args, ref.field)
        _pop(probe, ref.field)
        if value is None:
            return
        path = (*node.path, *ref.field.split("."))
        if dig(args, ref.id_field) is not None:
            self._problem(
                path,
                f"set `{ref.field}` (a key in `{ref.target}`) or `{ref.id_field}` (the id of"
                " an object outside this document), not both",
            )
            return
        target = SECTIONS[ref.target]
        keys = value if ref.many else [value]
        if ref.many and not isinstance(value, list):
            self._problem(path, f"a list of keys in `{ref.target}`")
            return
        found: list[Node] = []
        for position, key in enumerate(keys):
            at = (*path, position) if ref.many else path
            scopes = [p.path for p in reversed(parents)] + [()]
            scope = next((s for s in scopes if (target.name, s) in self._index), None)
            index = self._index.get((target.name, scope), {}) if scope is not None else {}
            if not isinstance(key, str) or key not in index:
                known = ", ".join(sorted(index)) or "none"
                if scope is None:  # the section is missing: name where it would be
                    holders = [p.path for p in parents if target.name in p.section.children]
                    scope = holders[-1] if holders else ()
                where = format_path((*scope, target.name))
                self._problem(at, f"no {target.singular} `{key}` in `{where}` (its keys: {known})")
                continue
            found.append(index[key])
        if len(found) != len(keys):
            return
        if ref.many:
            node.refs[ref.id_field] = [n.name for n in found]
            set_at(probe, ref.id_field, [n.fake_id for n in found])
        else:
            node.refs[ref.id_field] = found[0].name
            set_at(probe, ref.id_field, found[0].fake_id)

    def _problem(self, path: DocPath, message: str) -> None:
        self.problems.append(Problem(path, message))


def _words(name: str) -> str:
    """``RoamingOperator`` → ``roaming operator``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _pop(values: dict[str, Any], dotted: str) -> Any:
    *head, last = dotted.split(".")
    current: Any = values
    for part in head:
        current = current.get(part) if isinstance(current, dict) else None
    return current.pop(last, None) if isinstance(current, dict) else None


def set_at(values: dict[str, Any], dotted: str, value: Any) -> None:
    """Set the value at a dotted path (``pricing.tax_id``), making the objects on the way."""
    *head, last = dotted.split(".")
    current = values
    for part in head:
        nested = current.get(part)
        if not isinstance(nested, dict):
            nested = current[part] = {}
        current = nested
    current[last] = value
