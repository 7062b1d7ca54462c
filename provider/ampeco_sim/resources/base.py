"""The generic REST resource: list, create, read, update and delete over the store.

A concrete resource says what is particular to it with a few class attributes (its kind,
parents, filters, shown defaults, dependents) and hooks (references and conflicts, server
fields); the request flow is the same for all.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, NoReturn

from ..catalog import Reference
from ..contract import Operation, schema_properties
from ..errors import ApiError, Conflict, FieldErrors, Invalid, NotFound
from ..pagination import ListingRequest, Selection, cursor_page, page_page
from ..store import Row, Tx, iso

#: A filter turns the (validated) query value into an SQL condition and its parameters.
Filter = Callable[[Any], tuple[str, list[Any]]]


@dataclass
class Request:
    op: Operation
    ids: dict[str, int]
    query: dict[str, Any]
    pairs: list[tuple[str, str]]
    body: Any
    collection_url: str
    #: Path parameters that are names, not ids (an OCPP key).
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


# --- filters -------------------------------------------------------------------------------


def json_path(path: str) -> str:
    return "$." + path


def eq(path: str) -> Filter:
    """Exact match of a stored scalar, compared as text (ids arrive as strings)."""

    def build(value: Any) -> tuple[str, list[Any]]:
        return f"CAST(json_extract(body, '{json_path(path)}') AS TEXT) = ?", [str(value)]

    return build


def flag(path: str, default: bool) -> Filter:
    """A boolean field, ``default`` where it was never set; ``true``/``1`` or ``false``/``0``."""

    def build(value: Any) -> tuple[str, list[Any]]:
        wanted = value if isinstance(value, bool) else str(value).lower() in ("true", "1")
        return (
            f"COALESCE(json_extract(body, '{json_path(path)}'), ?) = ?",
            [int(default), int(wanted)],
        )

    return build


def contains(path: str) -> Filter:
    """The stored array holds the value."""

    def build(value: Any) -> tuple[str, list[Any]]:
        return (
            f"EXISTS (SELECT 1 FROM json_each(body, '{json_path(path)}') WHERE value = ?)",
            [str(value)],
        )

    return build


def present(path: str) -> Filter:
    """``true``: the field has a value; ``false``: it has none."""

    def build(value: Any) -> tuple[str, list[Any]]:
        op = "IS NOT NULL" if value else "IS NULL"
        return f"json_extract(body, '{json_path(path)}') {op}", []

    return build


def local_only(value: Any) -> tuple[str, list[Any]]:
    """The simulator has no roaming objects: ``roaming=true`` matches nothing."""
    return ("0", []) if value is True or value == "true" else ("1", [])


def nothing(_value: Any) -> tuple[str, list[Any]]:
    """A filter on data the simulator never holds (partners, users, …) matches nothing."""
    return "0", []


def updated_after(value: Any) -> tuple[str, list[Any]]:
    return "updated_ts >= ?", [_epoch(value)]


def updated_before(value: Any) -> tuple[str, list[Any]]:
    return "updated_ts <= ?", [_epoch(value)]


def created_after(value: Any) -> tuple[str, list[Any]]:
    return "created_at >= ?", [_stamp(value)]


def created_before(value: Any) -> tuple[str, list[Any]]:
    return "created_at <= ?", [_stamp(value)]


def _stamp(value: Any) -> str:
    """A date-time as the store writes ``created_at`` (UTC, seconds), so text compares."""
    return iso(datetime.fromtimestamp(_epoch(value), timezone.utc))


_RFC3339 = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]+))?(?P<zone>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


def _epoch(value: Any) -> int:
    """Seconds since the epoch of an ISO 8601 / RFC 3339 date-time (UTC when it has no offset)."""
    m = _RFC3339.fullmatch(str(value))
    if m is None:
        raise Invalid({"filter": [f"{value!r} is not a valid date-time."]})
    zone = m.group("zone") or "+00:00"
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        moment = datetime.fromisoformat(f"{m.group('date')}T{m.group('time')}{zone}")
    except ValueError:
        raise Invalid({"filter": [f"{value!r} is not a valid date-time."]}) from None
    return int(moment.timestamp())


TIME_FILTERS: dict[str, Filter] = {
    "lastUpdatedAfter": updated_after,
    "lastUpdatedBefore": updated_before,
}
CREATED_FILTERS: dict[str, Filter] = {
    "createdAfter": created_after,
    "createdBefore": created_before,
}


# --- helpers -------------------------------------------------------------------------------


def deep_merge(old: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """PATCH semantics: absent keys stay, objects merge key by key, arrays and scalars replace."""
    out = copy.deepcopy(dict(old))
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def prune(value: Any, schema: Any) -> Any:
    """Leave out ``null`` values the read schema does not allow, as the server renders them."""
    if not isinstance(schema, dict):
        return value
    if isinstance(value, list):
        items = schema.get("items")
        return [prune(v, items) for v in value] if isinstance(items, dict) else value
    if not isinstance(value, dict):
        return value
    props = schema_properties(schema)
    out = {}
    for key, item in value.items():
        sub = props.get(key)
        if item is None and isinstance(sub, dict) and not sub.get("nullable") and sub:
            continue
        out[key] = prune(item, sub) if sub is not None else item
    return out


def data_schema(op: Operation, status: str) -> Any:
    schema = op.responses.get(status)
    if not isinstance(schema, dict):
        return None
    data = schema.get("properties", {}).get("data")
    if data is None:
        return None
    return data.get("items", data) if data.get("type") == "array" else data


def read_properties(read: Operation | None) -> dict[str, Any]:
    """The properties of the object a read (``200``) answers with."""
    data = data_schema(read, "200") if read is not None else None
    return schema_properties(data) if isinstance(data, dict) else {}


def model_name(kind: str) -> str:
    """The model a kind is to Laravel (``charge_point``: ``ChargePoint``), as 404s name it."""
    return "".join(part.capitalize() for part in kind.split("_"))


def url_param(kind: str) -> str:
    """The path parameter that holds an id of the kind (``charge_point``: ``chargePoint``)."""
    model = model_name(kind)
    return model[0].lower() + model[1:]


def require_ref(tx: Tx, errors: FieldErrors, field_: str, kind: str, value: Any) -> Row | None:
    """A reference must name an existing object (422 otherwise)."""
    if value is None:
        return None
    row = tx.get(kind, value) if isinstance(value, int) and not isinstance(value, bool) else None
    if row is None:
        errors.setdefault(field_, []).append(f"The selected {field_} is invalid.")
    return row


# --- the resource --------------------------------------------------------------------------


_ROW_TIMES = ("createdAt", "lastUpdatedAt", "updatedAt")


class Resource:
    """One REST collection and its items.

    The kind names the rest: the model of 404 messages (``ChargePoint``), the path parameter of
    an item (``{chargePoint}``) and the object in 409 messages ("The charge point is ...").
    """

    kind: ClassVar[str]
    #: Kinds of the parents in the URL, outermost first.
    parents: ClassVar[tuple[str, ...]] = ()
    #: "cursor", "page", "both" (page unless a cursor is sent) or "none" (a plain array), and
    #: "patch" or "put": by default what the served document's listing parameters and update
    #: method say (:meth:`follow`); a resource sets them only where AMPECO differs (a decision).
    pagination: str | None = None
    update_mode: str | None = None
    filters: ClassVar[dict[str, Filter]] = {}
    #: Fields that only a create sets: an update ignores them.
    create_only: ClassVar[tuple[str, ...]] = ()
    #: Server-side values shown before the stored body.
    defaults: ClassVar[dict[str, Any]] = {}
    #: Nested objects, where present, are shown with these values for the keys they lack.
    nested_defaults: ClassVar[dict[str, dict[str, Any]]] = {}
    #: Resources whose objects are filed under this one's and are deleted with it.
    dependents: ClassVar[tuple[type[Resource], ...]] = ()

    #: The item path's parameter, where it is not named after the kind (``{template}``).
    id_parameter: ClassVar[str | None] = None
    #: The parents' path parameters, where they are not named after their kinds.
    parent_parameters: ClassVar[tuple[str, ...] | None] = None
    #: Body fields holding ids of other objects (D39): a write that names no existing object is
    #: a 422 on the field, and the object named is held (:attr:`referred_by` of its resource).
    refs: ClassVar[Mapping[str, Reference]] = {}
    #: Objects that refer to this kind's objects, as (their kind, the field, whether it holds a
    #: list of ids), set on the class by the simulator from every resource's :attr:`refs` (on
    #: the class, so that a dependent deleted in a :meth:`cascade` sees it too): a delete is
    #: refused while an object refers to the one deleted through a single id, and a list lets
    #: go of it (D39).
    referred_by: ClassVar[tuple[tuple[str, str, bool], ...]] = ()

    #: The row's timestamps the read shows (``createdAt``, ``lastUpdatedAt``, ``updatedAt``), as
    #: the served document's read response declares them (:meth:`follow`).
    row_times: tuple[str, ...] = ()
    #: The status of a create's answer, as the served document's create documents it.
    created: str = "201"

    def follow(
        self,
        listing: Operation | None,
        update: Operation | None,
        read: Operation | None = None,
        create: Operation | None = None,
    ) -> None:
        """Take from the resource's operations what it does not set itself: the pagination
        (``cursor`` and ``page`` among the listing's query parameters), the update mode (PUT
        or PATCH), the timestamps its read shows and its create's status."""
        if create is not None:
            self.created = next((s for s in create.responses if s.startswith("2")), "201")
        if read is not None:
            data = data_schema(read, "200")
            shown = set(read_properties(read))
            if isinstance(data, dict):
                shown |= set(data.get("required", []))
            self.row_times = tuple(n for n in _ROW_TIMES if n in shown)
        if self.pagination is None:
            query = set(listing.query) if listing is not None else set()
            cursor, page = "cursor" in query, "page" in query
            self.pagination = (
                "both" if cursor and page else "page" if page else "cursor" if cursor else "none"
            )
        if self.update_mode is None:
            self.update_mode = "put" if update is not None and update.method == "PUT" else "patch"

    # hooks ---------------------------------------------------------------------------------

    def check(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> FieldErrors:
        """Rules beyond the schema: references, uniqueness, conditional requirements."""
        return {}

    def server_fields(self, tx: Tx, row: Row) -> dict[str, Any]:
        """Server-managed values shown over the stored body: the id, and the timestamps the
        document's read shows."""
        times = {
            name: row.created_at if name == "createdAt" else row.updated_at
            for name in self.row_times
        }
        return {"id": row.id, **times}

    def include(self, tx: Tx, row: Row, name: str) -> Any:
        return None

    def body_parent(self, body: dict[str, Any], parent_id: int | None) -> int | None:
        """The parent a new object is filed under (the URL's, unless the body names one)."""
        return parent_id

    def after_create(self, tx: Tx, row: Row) -> Row:
        return row

    def after_update(self, tx: Tx, row: Row, body: dict[str, Any]) -> Row:
        """Carry out what an update of ``body`` does beyond storing it."""
        return row

    def shown_defaults(self, row: Row) -> dict[str, Any]:
        """What the read shows for the object's fields never written."""
        return self.defaults

    def before_delete(self, tx: Tx, row: Row) -> None:
        """Refuse a delete with :meth:`refuse_delete` or :meth:`refuse_delete_while_used`."""

    def scope(self, tx: Tx, req: Request) -> tuple[list[str], list[Any]]:
        """Conditions that select the collection (its parent) before any filter."""
        parent_id = self.parent_id(tx, req)
        if self.parents:
            return ["parent_id = ?"], [parent_id]
        return [], []

    # shared machinery ----------------------------------------------------------------------

    def parent_id(self, tx: Tx, req: Request) -> int | None:
        parent: Row | None = None
        names = self.parent_parameters or tuple(url_param(kind) for kind in self.parents)
        for kind, name in zip(self.parents, names, strict=True):
            id_ = req.ids[name]
            found = tx.get(kind, id_)
            if found is None or (parent is not None and found.parent_id != parent.id):
                raise NotFound(model_name(kind), id_)
            parent = found
        return parent.id if parent else None

    def load(self, tx: Tx, req: Request) -> Row:
        parent_id = self.parent_id(tx, req)
        id_ = req.ids[self.id_parameter or url_param(self.kind)]
        row = tx.get(self.kind, id_)
        if row is None or (self.parents and row.parent_id != parent_id):
            raise NotFound(model_name(self.kind), id_)
        return row

    def render(self, tx: Tx, row: Row, includes: list[str] | None = None) -> dict[str, Any]:
        # The id leads, as in AMPECO's responses; server-managed values win over stored ones.
        out = {
            "id": row.id,
            **copy.deepcopy(self.shown_defaults(row)),
            **copy.deepcopy(row.body),
            **self.server_fields(tx, row),
        }
        for name in includes or []:
            out[name] = self.include(tx, row, name)
        for name, missing in self.nested_defaults.items():
            value = out.get(name)
            if isinstance(value, dict):
                out[name] = {**missing, **value}
        return out

    def _shown(self, tx: Tx, req: Request, row: Row, status: str) -> dict[str, Any]:
        rendered = self.render(tx, row, req.query.get("include"))
        return prune(rendered, data_schema(req.op, status))  # type: ignore[no-any-return]

    def _validate(
        self, tx: Tx, body: dict[str, Any], row: Row | None, parent_id: int | None
    ) -> None:
        errors = self.check(tx, body, row, parent_id)
        for name, ref in self.refs.items():
            if name not in body:  # a PATCH without it keeps the reference it had
                continue
            values = body[name] if ref.many and isinstance(body[name], list) else [body[name]]
            for value in values:
                found = require_ref(tx, errors, name, ref.kind, value)
                if found is not None and any(found.body.get(k) != v for k, v in ref.where.items()):
                    errors.setdefault(name, []).append(f"The selected {name} is invalid.")
        if errors:
            raise Invalid(errors)

    # actions -------------------------------------------------------------------------------

    def list(self, tx: Tx, req: Request) -> Response:
        where, params = self.scope(tx, req)
        for name, value in (req.query.get("filter") or {}).items():
            build = self.filters.get(name)
            if build is not None:
                clause, args = build(value)
                where.append(clause)
                params.extend(args)
        if self.pagination == "none":
            rows = tx.select(self.kind, where, params)
            return Response(200, {"data": [self._shown(tx, req, r, "200") for r in rows]})
        listing = ListingRequest(req.collection_url, req.pairs, int(req.query.get("per_page", 100)))

        def show(r: Row) -> dict[str, Any]:
            return self._shown(tx, req, r, "200")

        selection = Selection(tx, self.kind, where, params, show)
        raw_keys = {k for k, _ in req.pairs}
        use_cursor = self.pagination == "cursor" or (
            self.pagination == "both" and "cursor" in raw_keys
        )
        if use_cursor:
            body = cursor_page(selection, listing, req.query.get("cursor", ""))
        else:
            body = page_page(selection, listing, int(req.query.get("page", 1)))
        return Response(200, body)

    def create(self, tx: Tx, req: Request) -> Response:
        parent_id = self.parent_id(tx, req)
        body = dict(req.body)
        self._validate(tx, body, None, parent_id)
        parent_id = self.body_parent(body, parent_id)
        row = tx.insert(self.kind, self.stored(body, None), parent_id)
        row = self.after_create(tx, row)
        return Response(int(self.created), {"data": self._shown(tx, req, row, self.created)})

    def read(self, tx: Tx, req: Request) -> Response:
        row = self.load(tx, req)
        return Response(200, {"data": self._shown(tx, req, row, "200")})

    def update(self, tx: Tx, req: Request) -> Response:
        row = self.load(tx, req)
        body = {k: v for k, v in req.body.items() if k not in self.create_only}
        self._validate(tx, body, row, row.parent_id)
        row = self.after_update(tx, tx.update(row, self.stored(body, row)), body)
        return Response(200, {"data": self._shown(tx, req, row, "200")})

    def stored(self, body: dict[str, Any], row: Row | None) -> dict[str, Any]:
        """The body to store after a create, a PATCH (merge) or a PUT (replace)."""
        if row is None or self.update_mode == "put":
            return body
        return deep_merge(row.body, body)

    def delete(self, tx: Tx, req: Request) -> Response:
        row = self.load(tx, req)
        self.before_delete(tx, row)
        self.let_go(tx, row)
        self.cascade(tx, row)
        tx.delete(self.kind, row.id)
        return Response(204)

    def let_go(self, tx: Tx, row: Row) -> None:
        """D39: refuse while an object refers to ``row`` by a single id (:attr:`referred_by`);
        drop ``row``'s id from the lists of ids that hold it."""
        for kind, path, many in self.referred_by:
            if not many:
                users = tx.referencing(kind, path, row.id)
                self.refuse_delete_while_used(kind.replace("_", " ") + "s", users)
        for kind, path, many in self.referred_by:
            if many:
                holds = f"EXISTS (SELECT 1 FROM json_each(body, '$.{path}') WHERE value = ?)"
                for user in tx.select(kind, [holds], [row.id]):
                    ids = [i for i in user.body.get(path) or [] if i != row.id]
                    tx.update(user, {**user.body, path: ids})

    def cascade(self, tx: Tx, row: Row) -> None:
        """Delete the dependents of the object, and theirs, each as a delete of its own would
        (D39: refused while referred to; lists let go of it)."""
        for dependent in self.dependents:
            for child in tx.children(dependent.kind, row.id):
                dependent().let_go(tx, child)
                dependent().cascade(tx, child)
                tx.delete(dependent.kind, child.id)

    def refuse_delete(self, reason: str) -> NoReturn:
        """Refuse (409) to delete the object, ``reason`` being what it is ("in use by ...")."""
        raise Conflict(f"The {self.kind.replace('_', ' ')} is {reason} and cannot be deleted.")

    def refuse_delete_while_used(self, by: str, users: Sequence[Row]) -> None:
        """Refuse to delete the object while ``users`` (``by``: what they are) point at it."""
        if users:
            ids = [u.id for u in users]
            shown = ", ".join(str(i) for i in ids[:10]) + (" …" if len(ids) > 10 else "")
            self.refuse_delete(f"in use by {by} {shown}")


__all__ = [
    "TIME_FILTERS",
    "ApiError",
    "Request",
    "Resource",
    "Response",
    "contains",
    "deep_merge",
    "eq",
    "local_only",
    "nothing",
    "present",
    "prune",
    "require_ref",
]
