"""What a resource kind is, as data: the one declaration everything else is derived from.

The generic provider, the lookups that find an object again, the adoption messages, the
resource classes (generated), the tenant document's sections and JSON Schema, and the reference
pages in ``docs/reference/`` all read a :class:`Kind`. Nothing here imports the Pulumi SDK, so
``ampeco-iac validate`` can use it in a pre-commit hook.

Names are the program's (snake_case, dotted for nested fields); the wire names come from the
model's aliases.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from ..channels import Channel
from ..models.base import AmpecoModel


@dataclass(frozen=True)
class Key:
    """Fields that together name one object of the tenant, so it can be found again after a
    lost create, or adopted.

    ``filters``: listing filters that narrow the search (filter name → the field whose value it
    takes). ``ours``: the value is one the program gives its own objects (an ``externalId``), so
    an object that already had it before a lost create may still be the created one; a name or a
    code may belong to someone else's object, so only objects new since the create count.
    ``identifying``: ``False`` for fields that many objects share by design (a connector's type):
    they can recognise a lost create among new objects, but never adopt. ``within``: fields
    that scope the key (an EVSE number is unique per charge point): matched too, but not what
    a user is asked to set.
    """

    fields: tuple[str, ...]
    filters: Mapping[str, str] = field(default_factory=dict)
    ours: bool = False
    identifying: bool = True
    within: tuple[str, ...] = ()

    @property
    def matched(self) -> tuple[str, ...]:
        return (*self.fields, *self.within)


@dataclass(frozen=True)
class Output:
    """A value the server computes, kept as an output of the resource."""

    wire: str
    type: type
    doc: str


#: Outputs many kinds share.
LAST_UPDATED_AT = Output("lastUpdatedAt", str, "when the tenant last changed the object (ISO 8601)")
CREATED_AT = Output("createdAt", str, "when the object was created (ISO 8601)")


@dataclass(frozen=True)
class Parent:
    """An enclosing object whose id is part of the collection path (``{location_id}``).

    ``collection``: where such parents are listed, for a parent that is no kind here (a
    roaming operator comes from the tenant's roaming connections, never from a program): a
    tenant document then gives its id as an argument instead of nesting the object in it, and
    an export lists the parents to reach their objects."""

    field: str
    kind: str
    collection: str | None = None


@dataclass(frozen=True)
class Ordering:
    """A field that ranks the objects of one collection (a tariff filter's ``order``): the
    program's values are compared and applied relatively, through the collection's reorder
    action (``action``, a PUT whose body lists ``{id, order}`` under ``items``), D46."""

    field: str
    action: str
    items: str


@dataclass(frozen=True)
class Ref:
    """A field of a tenant document that names another object of the document by its key.

    ``field`` is what the document writes (``pricing.tax``), ``id_field`` the argument that gets
    the object's id (``pricing.tax_id``); the id field stays available for objects outside the
    document, but not together with the reference.
    """

    field: str
    id_field: str
    target: str
    many: bool = False


@dataclass(frozen=True)
class Section:
    """Where a kind sits in a tenant document.

    ``keyed``: a mapping of key → object; otherwise a list, whose objects are named by
    ``name_field`` (EVSEs by their ``network_id``) or by position. ``parent_fields``: arguments
    that the nesting fills with the enclosing objects' ids, innermost last (the kind's
    collection parents are added by the kind). ``external_id_from_key``: ``external_id``
    defaults to the object's key, so lost creates and adoption can find it.
    """

    name: str
    #: What one object of the section is called in messages ("charge point").
    singular: str
    refs: tuple[Ref, ...] = ()
    parent_fields: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    keyed: bool = True
    name_field: str | None = None
    #: One object written in place of a list or mapping, inside its parent (a rate's energy
    #: mix): an object of the kind per parent, at most.
    single: bool = False
    #: The object's resource name leaves out its parent's: an object that belongs to one
    #: parent at a time (a charge point on a circuit) keeps its name when it moves to another,
    #: so the move replaces it (the old one first) instead of making a second one.
    named_alone: bool = False
    external_id_from_key: bool = False
    #: The kind's name; filled in by the kind.
    kind: str = ""

    @property
    def a_singular(self) -> str:
        """``a tax``, ``an EVSE``, ``a user group``."""
        vowel = self.singular[0] in "aeiouAEIOU" and not self.singular.startswith(("us", "ut"))
        return f"{'an' if vowel else 'a'} {self.singular}"

    def number(self, label: Any) -> int | None:
        """The number an object's ``name_field`` value stands for, if it is one: a station
        knows its EVSEs by number, so ``"1"`` and ``"01"`` name the same EVSE (D12)."""
        if self.name_field is None or isinstance(label, bool):
            return None
        if isinstance(label, int):
            return label
        if isinstance(label, str) and label.isascii() and label.isdigit():
            return int(label)
        return None


@dataclass(frozen=True)
class Embedding:
    """The parent's listing that carries these objects, so reads come from it: the parent's
    collection, the parent's field that holds them, and the argument with the parent's id."""

    collection: str
    field: str
    parent: str


@dataclass(frozen=True)
class IdOf:
    """In an :class:`Example`: the id of an object of another kind. For a declared kind, it is
    that kind's example (a program declares it and takes its ``.id``; a tenant document names it
    by key, or nests the object in it); for another (a roaming operator, which no program
    makes), an id the tenant gave."""

    kind: str


@dataclass(frozen=True)
class Example:
    """A plausible object of the kind, valid as the API takes it: each reference page shows it
    in a tenant document and in a program (with the objects it names), and the per-kind tests
    make it, so its values are written once.

    ``key``: the object's key in a tenant document and its resource name in a program (a
    Python name once ``-`` is ``_``). ``args``: the program's arguments, with :class:`IdOf`
    where one names another object."""

    key: str
    args: Mapping[str, Any]

    def filled(self, id_of: Callable[[str], Any]) -> dict[str, Any]:
        """The arguments with each :class:`IdOf` replaced by ``id_of(kind)``."""
        result: dict[str, Any] = with_ids(self.args, id_of)
        return result

    def named(self) -> list[str]:
        """The kinds its :class:`IdOf` s name, first mention first."""
        return named_kinds(self.args)


def named_kinds(value: Any) -> list[str]:
    """The kinds the :class:`IdOf` s in ``value`` name, first mention first."""
    found: list[str] = []
    with_ids(value, found.append)
    return list(dict.fromkeys(found))


def with_ids(value: Any, id_of: Callable[[str], Any]) -> Any:
    """``value`` (nested mappings and lists) with each :class:`IdOf` replaced by
    ``id_of(kind)``."""
    if isinstance(value, IdOf):
        return id_of(value.kind)
    if isinstance(value, Mapping):
        return {k: with_ids(v, id_of) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [with_ids(v, id_of) for v in value]
    return value


@dataclass(frozen=True)
class Kind:
    """One AMPECO resource kind."""

    name: str
    model: type[AmpecoModel]
    #: One line: what the object is, for the class docstring and the reference page.
    doc: str
    #: Collection path under ``/public-api/resources``; ``{name}`` placeholders are the parents.
    collection: str
    parents: tuple[Parent, ...] = ()
    #: Other collections where objects of this kind are created (lookups cover them too).
    also_created_at: tuple[str, ...] = ()
    update_verb: Literal["PATCH", "PUT"] = "PATCH"
    #: Ways to find an object again, best first.
    keys: tuple[Key, ...] = ()
    #: Arguments whose change the API cannot apply in place (the parents are implied).
    replace_on: frozenset[str] = frozenset()
    #: Replace by creating the new object before deleting the old one, and allow a key that an
    #: existing object already has: for objects that others refer to and that the tenant will
    #: not delete while referred to (a tariff in a group), and whose key is not unique anyway.
    replace_creates_first: bool = False
    #: Server-computed outputs: output name → what it is.
    outputs: Mapping[str, Output] = field(default_factory=dict)
    #: List arguments whose first item the server adds by itself (argument → the output that
    #: records it): hidden when comparing, kept first when writing, never removed by us.
    server_first_item: Mapping[str, str] = field(default_factory=dict)
    #: Set-like list arguments: compared without order or repeats.
    unordered: frozenset[str] = frozenset()
    #: ``include[]`` values a read needs to see every managed field.
    include: tuple[str, ...] = ()
    #: Arguments sent with every PATCH, changed or not (the API requires them).
    always_send: frozenset[str] = frozenset()
    #: Arguments the API cannot clear (no ``null``): removing them from the program stops
    #: managing them and leaves the tenant's value.
    kept_when_removed: frozenset[str] = frozenset()
    #: Arguments kept secret in the state whether or not the program marked them, and never
    #: quoted in an error message.
    secrets: frozenset[str] = frozenset()
    embedded_in: Embedding | None = None
    #: The calls that hold the kind's objects where the API has no plain collection for them
    #: (``collection`` is then the channel's own path, see :mod:`pulumi_ampeco.channels`).
    channel: Channel | None = None
    #: Map arguments whose entries the program names one by one: an entry it drops is no
    #: longer managed, and the tenant keeps its value.
    open_maps: frozenset[str] = frozenset()
    #: Whether ``ampeco-iac export`` writes the kind's objects (see ``quirks`` where not).
    exported: bool = True
    #: Whether the API reads one object (``GET …/{id}``); where not (a template's variables),
    #: an object is read from its collection's listing.
    item_reads: bool = True
    #: How the objects are ordered among their siblings, where they are (D45).
    ordering: Ordering | None = None
    #: Server behaviour a user should know, each citing ``docs/decisions.md`` where it is one.
    quirks: tuple[str, ...] = ()
    section: Section | None = None
    #: The object its reference page shows (and the per-kind tests make); every kind has one.
    example: Example | None = None

    def __post_init__(self) -> None:
        if self.channel is not None:
            # A channel lists its objects; one it does not list is gone.
            object.__setattr__(self, "item_reads", False)
        # A generated model knows what its PATCH must always carry.
        required: frozenset[str] = getattr(self.model, "update_requires", frozenset())
        if required - self.always_send:
            object.__setattr__(self, "always_send", self.always_send | required)
        if self.section is not None:
            # The section knows its kind, and the nesting fills the collection's parents too
            # (those that are objects of the document).
            nested = (p.field for p in self.parents if p.collection is None)
            section = dataclasses.replace(
                self.section,
                kind=self.name,
                keyed=self.section.keyed and not self.section.single,
                parent_fields=(*self.section.parent_fields, *nested),
            )
            object.__setattr__(self, "section", section)

    # --- derived ---------------------------------------------------------------------------

    @property
    def parent_fields(self) -> tuple[str, ...]:
        return tuple(p.field for p in self.parents)

    @property
    def given_parents(self) -> tuple[Parent, ...]:
        """Parents that are no objects of a tenant document: it gives their ids."""
        return tuple(p for p in self.parents if p.collection is not None)

    @property
    def replaces(self) -> frozenset[str]:
        """Every argument whose change replaces the object."""
        return self.replace_on | frozenset(self.parent_fields)

    @property
    def argument_names(self) -> tuple[str, ...]:
        return (*self.parent_fields, *self.model.model_fields)

    @property
    def output_names(self) -> tuple[str, ...]:
        """Every output: the arguments, then what the server computes."""
        return (*self.argument_names, *self.outputs, *self.server_first_item.values())

    def collection_path(self, values: Mapping[str, Any]) -> str:
        return self.collection.format(**{p: int(values[p]) for p in self.parent_fields})

    def item_path(self, id_: str | int, values: Mapping[str, Any]) -> str:
        return f"{self.collection_path(values)}/{int(id_)}"

    def alias(self, name: str) -> str:
        """The wire name of a top-level argument."""
        return wire_path(self.model, name)

    def key_fields_by_wire_name(self) -> dict[str, str]:
        """Wire path → program path of every field a key matches (for messages)."""
        return {wire_path(self.model, name): name for key in self.keys for name in key.matched}

    def describe_keys(self) -> str:
        """The fields that can adopt an object: "`external_id` or `network.id`"."""
        return " or ".join(
            " and ".join(f"`{name}`" for name in key.fields) for key in self.keys if key.identifying
        )

    def check(self) -> None:
        """Every name the declaration uses is an argument of the kind (a wrong name would
        silently do nothing)."""
        known = set(self.argument_names)
        named = {
            "replace_on": self.replace_on,
            "unordered": self.unordered,
            "always_send": self.always_send,
            "kept_when_removed": self.kept_when_removed,
            "secrets": self.secrets,
            "server_first_item": set(self.server_first_item),
            "open_maps": self.open_maps,
            "ordering": {self.ordering.field} if self.ordering is not None else set(),
        }
        for what, names in named.items():
            stray = set(names) - known
            if stray:
                raise ValueError(f"{self.name}.{what}: not arguments: {sorted(stray)}")
        if self.channel is not None and self.channel.collection != self.collection:
            raise ValueError(f"{self.name}: the collection is not its channel's")
        placeholders = set(re.findall(r"\{(\w+)\}", self.collection))
        if placeholders != set(self.parent_fields):
            raise ValueError(f"{self.name}: the collection's placeholders are not the parents")
        for key in self.keys:
            for name in (*key.matched, *key.filters.values()):
                wire_path(self.model, name, strict=True, extra=self.parent_fields)
        if self.embedded_in is not None and self.embedded_in.parent not in known:
            raise ValueError(f"{self.name}.embedded_in: {self.embedded_in.parent} is no argument")
        overlap = set(self.outputs) & known
        if overlap:
            raise ValueError(f"{self.name}.outputs: also arguments: {sorted(overlap)}")
        if self.section is not None:
            self._check_section(self.section, known)
        if self.example is not None:
            stray = set(self.example.args) - known
            if stray:
                raise ValueError(f"{self.name}.example: not arguments: {sorted(stray)}")

    def _check_section(self, section: Section, known: set[str]) -> None:
        named = [*section.parent_fields, *(r.id_field for r in section.refs)]
        if section.name_field is not None:
            named.append(section.name_field)
        if section.external_id_from_key:
            named.append("external_id")
        for name in named:
            wire_path(self.model, name, strict=True, extra=self.parent_fields)


def wire_path(
    model: type[BaseModel], dotted: str, *, strict: bool = False, extra: tuple[str, ...] = ()
) -> str:
    """The wire form of a (dotted) program name: ``network.id`` → ``network.id``,
    ``pricing.tax_id`` → ``pricing.taxID``. Names that are no field stay as they are, unless
    ``strict`` (``extra`` names are accepted as they are)."""
    out: list[str] = []
    current: type[BaseModel] | None = model
    for part in dotted.split("."):
        info = current.model_fields.get(part) if current is not None else None
        if info is None:
            if strict and not (part in extra and not out):
                raise ValueError(f"{model.__name__}: `{dotted}` is not a field")
            out.append(part)
            current = None
            continue
        out.append(info.alias or part)
        current = next(iter(nested_models(info.annotation)), None)
    return ".".join(out)


def nested_models(annotation: Any) -> list[type[BaseModel]]:
    """The models inside an annotation (``Network | None``, ``list[Interval]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()):
        found += nested_models(arg)
    return found
