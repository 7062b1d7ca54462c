"""The one dynamic resource provider, driven by a :class:`~pulumi_ampeco.specs.Spec`.

Nothing resource-specific lives here. The instance holds only the kind's name, so its pickled
form is a few dozen bytes that refer to this module (pickled by reference), and it carries no
client, token or lock: those live in :mod:`pulumi_ampeco.runtime`, in the provider process.

Desired vs live: ``diff`` compares the program's inputs with the object as the tenant has it
now (not only with what was recorded), over the fields the program manages, after the same
normalisation on both sides. A field that the program stops setting is cleared.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Annotated, Any

import pydantic
from deepdiff import DeepDiff
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pydantic.alias_generators import to_snake

from . import runtime
from .errors import DuplicateObjectsError, NotFoundError
from .lookup import Lookup, lookup_for
from .specs import SPECS, Spec

PROVIDER_KEY = "__provider"
ADOPT = "adopt"
#: The property named in ``replaces`` when the object vanished from the tenant.
GONE = "id"


class AdoptionRequired(Exception):
    """An object with the same key exists and the program did not ask to adopt it."""


def is_unknown(value: Any) -> bool:
    """A value not known yet (preview), anywhere inside ``value``."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, str):
        return value == rpc.UNKNOWN
    if isinstance(value, Mapping):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unknown(v) for v in value)
    return False


class AmpecoProvider(ResourceProvider):
    """CRUD for one AMPECO resource kind, as its spec describes it."""

    # Nothing secret is ever captured (tests assert it), so the payload needs no encryption.
    serialize_as_secret_always = False

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def spec(self) -> Spec:
        return SPECS[self.kind]

    def configure(self, req: ConfigureRequest) -> None:
        runtime.configure({key: req.config.get(key) for key in runtime.KEYS})
        # A new operation: nothing read for this kind before it may be trusted.
        runtime.read_cache.forget(self.spec.collection.split("{")[0])
        if self.spec.embedded_in is not None:
            runtime.read_cache.forget(self.spec.embedded_in[0])

    # --- check ------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        spec = self.spec
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        failures: list[CheckFailure] = []
        parents: dict[str, Any] = {}
        for name in spec.parents:
            value = props.pop(name, None)
            if value is None:
                failures.append(CheckFailure(name, f"required: set `{name}` (the parent's id)"))
            elif is_unknown(value):
                parents[name] = value
            else:
                try:
                    parents[name] = _as_id(value)
                except (TypeError, ValueError):
                    failures.append(
                        CheckFailure(name, f"must be the parent's numeric id, got {value!r}")
                    )
        adopt = props.pop(ADOPT, False)
        if not isinstance(adopt, bool):
            failures.append(CheckFailure(ADOPT, f"must be true or false, got {adopt!r}"))
        known = {k: v for k, v in props.items() if not is_unknown(v)}
        try:
            model = spec.model.model_validate(
                known, context={"default_locale": runtime.default_locale()}
            )
        except pydantic.ValidationError as exc:
            unknown = {k for k in props if k not in known}
            for failure in _failures(exc, spec, known):
                # With values still unknown, whole-object rules (a public station needs a
                # location) cannot be judged yet; they are checked again once values are known.
                top = failure.property.split(".")[0]
                if top not in unknown and not (unknown and failure.property == spec.kind):
                    failures.append(failure)
            model = None
        if failures:
            return CheckResult(news, failures)
        if len(known) != len(props):
            # Preview: what is known is validated and normalised (outputs are typed by it:
            # a translated text is a list even while the parent's id is still unknown).
            partial = {**news, **_normalised_fields(spec.model, known)}
            return CheckResult(partial, [])
        assert model is not None
        inputs: dict[str, Any] = {**model.to_state(), **parents}
        if adopt:
            inputs[ADOPT] = True
        inputs[PROVIDER_KEY] = news[PROVIDER_KEY]
        return CheckResult(inputs, [])

    # --- helpers shared by the CRUD methods --------------------------------------------------

    def _managed(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of the body the program manages (no parents, no flags, no outputs)."""
        spec = self.spec
        skip = {
            PROVIDER_KEY,
            ADOPT,
            *spec.parents,
            *spec.server_fields,
            *spec.server_first_item.values(),
        }
        return {k: v for k, v in props.items() if k not in skip}

    def _wire(self, managed: Mapping[str, Any]) -> dict[str, Any]:
        """The API body for managed program values; ``None`` values clear a field."""
        model = self.spec.model
        present = {k: v for k, v in managed.items() if v is not None}
        body = model.model_validate(
            present, context={"default_locale": runtime.default_locale()}
        ).to_wire()
        for name, value in managed.items():
            if value is None:
                body[_alias(model, name)] = None
        return body

    def _state(self, live: Mapping[str, Any], managed: Mapping[str, Any]) -> dict[str, Any]:
        """The program's view of the live object: the fields it manages, in the shape it gave
        them (keys of objects the program does not set are left out)."""
        model = self.spec.model
        aliases = {_alias(model, n): n for n in managed}
        try:
            shape = self._wire({k: v for k, v in managed.items() if v is not None})
        except pydantic.ValidationError:
            shape = {}
        picked = {
            a: _project(live[a], shape[a]) if a in shape else live[a]
            for a in aliases
            if live.get(a) is not None
        }
        try:
            return model.model_validate(
                picked, context={"default_locale": runtime.default_locale()}
            ).to_state()
        except pydantic.ValidationError:
            # The tenant holds something the model would not accept: show it as it is.
            return {aliases[a]: v for a, v in picked.items()}

    def _changed(self, desired: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
        """Program names of the managed fields whose live value differs from the desired one."""
        spec = self.spec
        want = self._wire(desired)
        names = {_alias(spec.model, n): n for n in desired}
        unordered = {_alias(spec.model, n) for n in spec.unordered}
        have = {key: _project(live.get(key), value) for key, value in want.items()}
        want = {k: _normalise(v, k in unordered) for k, v in want.items()}
        have = {k: _normalise(v, k in unordered) for k, v in have.items()}
        delta = DeepDiff(have, want, ignore_numeric_type_changes=True, verbose_level=0)
        return sorted(names[str(key)] for key in delta.affected_root_keys)

    def _params(self) -> dict[str, Any] | None:
        return {"include": list(self.spec.include)} if self.spec.include else None

    def _live(self, id_: str | int, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The object as the tenant has it now, ``None`` if it is gone."""
        collection = self.spec.collection_path(values)
        client = runtime.client()
        if runtime.cache_enabled() and self.spec.embedded_in is not None:
            parent_collection, field, parent = self.spec.embedded_in
            return runtime.read_cache.get_embedded(
                client, collection, int(id_), parent_collection, int(values[parent]), field
            )
        if runtime.cache_enabled():
            return runtime.read_cache.get(client, collection, int(id_), self._params())
        try:
            found = client.get(f"{collection}/{int(id_)}", self._params())
        except NotFoundError:
            return None
        return found if isinstance(found, dict) else None

    def _find(self, key: Lookup) -> list[dict[str, Any]]:
        if runtime.cache_enabled():
            return runtime.read_cache.find(runtime.client(), key, self._params())
        return runtime.client().find(key)

    def _remember(self, values: Mapping[str, Any], obj: Any) -> None:
        if isinstance(obj, dict) and "id" in obj:
            runtime.read_cache.put(self.spec.collection_path(values), obj)

    def _outs(
        self,
        id_: str,
        inputs: Mapping[str, Any],
        live: Mapping[str, Any],
        recorded: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        outs = {k: copy.deepcopy(v) for k, v in inputs.items() if k != PROVIDER_KEY}
        for name, wire in self.spec.server_fields.items():
            if live.get(wire) is not None:
                outs[name] = live[wire]
        for name, output in self.spec.server_first_item.items():
            first = self._first_item(name, recorded, live)
            if first is not None:
                outs[output] = first
        return outs

    def _first_item(
        self, name: str, recorded: Mapping[str, Any] | None, live: Mapping[str, Any]
    ) -> Any:
        """The server's own first item of a list field: as recorded, or (new or adopted object)
        the first item the tenant shows."""
        output = self.spec.server_first_item[name]
        if recorded is not None and recorded.get(output) is not None:
            return _as_id_or(recorded[output])
        items = live.get(_alias(self.spec.model, name))
        return items[0] if isinstance(items, list) and items else None

    def _visible(self, live: Mapping[str, Any], recorded: Mapping[str, Any]) -> dict[str, Any]:
        """The live object without the items the server added by itself."""
        out = dict(live)
        for name in self.spec.server_first_item:
            wire = _alias(self.spec.model, name)
            first = self._first_item(name, recorded, live)
            if isinstance(out.get(wire), list) and first is not None:
                out[wire] = [item for item in out[wire] if item != first]
        return out

    def _write(
        self,
        path: str,
        desired: Mapping[str, Any],
        live: Mapping[str, Any],
        recorded: Mapping[str, Any] | None = None,
    ) -> Any:
        """Bring a live object to the desired state: PATCH the changed fields or PUT it all."""
        client = runtime.client()
        if self.spec.update_verb == "PUT":
            # A PUT replaces the object: what the program no longer sets goes back to defaults.
            body = self._wire({k: v for k, v in desired.items() if v is not None})
            for name in self.spec.server_first_item:
                first = self._first_item(name, recorded, live)
                wire = _alias(self.spec.model, name)
                if first is not None:
                    body[wire] = [first, *(i for i in body.get(wire, []) if i != first)]
            return client.update(path, body, "PUT")
        changed = self._changed(desired, self._visible(live, recorded or {}))
        if not changed:
            return live
        full = self._wire(desired)
        sent = [*changed, *(self.spec.always_send & desired.keys())]
        body = {key: full[key] for key in (_alias(self.spec.model, n) for n in sent)}
        return client.update(path, body, "PATCH")

    # --- create, read, update, delete, diff ----------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = self.spec
        desired = self._managed(props)
        collection = spec.collection_path(props)
        body = self._wire(desired)
        key = lookup_for(collection, body)
        if props.get(ADOPT) and (key is None or not key.identifying):
            raise AdoptionRequired(
                f"`adopt=True` needs a key to find the {spec.kind} by; set "
                f"{_key_names(spec)} (nothing was created)"
            )
        # Two resources with the same key in one run must not both create (or adopt) it.
        with runtime.key_lock(collection, key.description if key else ""):
            return self._create_locked(props, desired, collection, body, key)

    def _create_locked(
        self,
        props: dict[str, Any],
        desired: dict[str, Any],
        collection: str,
        body: dict[str, Any],
        key: Lookup | None,
    ) -> CreateResult:
        spec = self.spec
        client = runtime.client()
        listed = self._find(key) if key is not None else []
        existing = listed if key is not None and key.identifying else []
        if props.get(ADOPT):
            if len(existing) > 1:
                raise DuplicateObjectsError(
                    "GET", collection, key.description if key else "", [o["id"] for o in existing]
                )
            if existing:
                found = existing[0]
                path = spec.item_path(found["id"], props)
                live = self._write(path, desired, found)  # an adopted group keeps its own base
                self._remember(props, live)
                return CreateResult(str(found["id"]), self._outs(str(found["id"]), props, live))
        elif existing and not spec.replace_creates_first:
            raise AdoptionRequired(_adoption_message(spec, key, existing))
        created = client.create(
            collection, body, lookup=key, existing_ids=[o.get("id") for o in listed]
        )
        self._remember(props, created)
        return CreateResult(str(created["id"]), self._outs(str(created["id"]), props, created))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        spec = self.spec
        live = self._live(id_, props)
        if live is None:
            return ReadResult("", {})
        managed = self._managed(props)
        inputs: dict[str, Any] = self._state(self._visible(live, props), managed)
        for name in spec.unordered & inputs.keys():
            # The same set in another order is no drift: keep the program's order.
            if _normalise(inputs[name], True) == _normalise(managed.get(name), True):
                inputs[name] = managed[name]
        inputs.update({p: props[p] for p in spec.parents if p in props})
        if props.get(ADOPT):
            inputs[ADOPT] = True
        return ReadResult(id_, self._outs(id_, inputs, live, props), inputs)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        spec = self.spec
        moved = [p for p in spec.parents if _as_id_or(olds.get(p)) != _as_id_or(news.get(p))]
        if moved:
            return DiffResult(changes=True, replaces=moved, delete_before_replace=True)
        desired = self._desired(olds, news)
        if is_unknown(desired):
            unknown = [k for k, v in desired.items() if is_unknown(v)]
            replaces = [k for k in unknown if k in spec.replaces]
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        live = self._live(id_, olds)
        if live is None:
            # Deleted outside Pulumi: create it again (and forget the old one).
            return DiffResult(changes=True, replaces=[GONE], delete_before_replace=True)
        changed = self._changed(desired, self._visible(live, olds))
        replaces = [name for name in changed if name in spec.replaces]
        # Recorded inputs that differ from the program, though the tenant already agrees, still
        # make an update (one GET, no write), so the outputs follow the program.
        recorded = _differs(self._managed(olds), self._managed(news), spec.unordered)
        # The replacement would share the old object's key (externalId, name, OCPP identity):
        # the old one goes first, so the new one neither collides nor gets adopted by mistake.
        return DiffResult(
            changes=bool(changed) or recorded,
            replaces=replaces,
            delete_before_replace=(not spec.replace_creates_first) if replaces else None,
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = self.spec.item_path(id_, news)
        live = self._live(id_, news)
        if live is None:
            raise NotFoundError(
                "GET",
                path,
                404,
                f"the {self.kind} was deleted outside Pulumi; run `pulumi up` "
                "again to create it, or `pulumi refresh` to forget it",
            )
        result = self._write(path, self._desired(olds, news), live, olds)
        self._remember(news, result)
        return UpdateResult(self._outs(id_, news, result, olds))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        runtime.client().delete(self.spec.item_path(id_, props))
        runtime.read_cache.drop(self.spec.collection_path(props), int(id_))

    def _desired(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """The managed fields of the program, and a clearing value for each field (also inside
        objects) that it stopped setting: ``[]`` for lists, ``None`` otherwise. Fields the API
        cannot clear (``spec.kept_when_removed``) are simply no longer managed."""
        desired = self._managed(news)
        for name, old in self._managed(olds).items():
            if name in desired:
                desired[name] = _with_cleared(old, desired[name])
            elif name not in self.spec.kept_when_removed:
                desired[name] = [] if isinstance(old, list) else None
        return desired


# --- module helpers ----------------------------------------------------------------------------


def _normalised_fields(
    model: type[pydantic.BaseModel], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Each value as the model would store it, field by field (the object as a whole may
    not validate yet); a value that does not validate on its own is left as it is."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        field = model.model_fields.get(name)
        if field is None:
            continue
        try:
            adapter = _field_adapter(model, name)
            out[name] = adapter.dump_python(
                adapter.validate_python(
                    value, context={"default_locale": runtime.default_locale()}
                ),
                mode="json",
                by_alias=False,
                exclude_unset=True,
            )
        except pydantic.ValidationError:
            continue
    return out


@functools.cache
def _field_adapter(model: type[pydantic.BaseModel], name: str) -> pydantic.TypeAdapter[Any]:
    field = model.model_fields[name]
    annotation: Any = field.annotation
    if field.metadata:
        annotation = Annotated.__class_getitem__((annotation, *field.metadata))  # type: ignore[attr-defined]
    return pydantic.TypeAdapter(annotation)


def _as_id(value: Any) -> int:
    number = float(value)
    if not number.is_integer() or number < 1:
        raise ValueError(value)
    return int(number)


def _as_id_or(value: Any) -> Any:
    try:
        return _as_id(value)
    except (TypeError, ValueError):
        return value


def _alias(model: type[pydantic.BaseModel], name: str) -> str:
    field = model.model_fields.get(name)
    return (field.alias or name) if field is not None else name


def _project(live: Any, desired: Any) -> Any:
    """The part of a live value that has the desired value's shape (extra keys dropped)."""
    if isinstance(desired, dict):
        source = live if isinstance(live, dict) else {}
        return {k: _project(source.get(k), v) for k, v in desired.items()}
    if isinstance(desired, list) and isinstance(live, list) and len(live) == len(desired):
        return [_project(lv, dv) for lv, dv in zip(live, desired, strict=True)]
    return live


def _normalise(value: Any, unordered: bool = False) -> Any:
    """What the tenant treats as equal compares equal: ``[]`` and ``null``, translation order,
    set-like lists in any order."""
    if isinstance(value, list):
        items = [_normalise(v) for v in value]
        if not items:
            return None
        if all(isinstance(i, dict) and "locale" in i for i in items):
            return sorted(items, key=lambda i: str(i["locale"]))
        if unordered:
            return sorted({repr(i): i for i in items}.values(), key=repr)
        return items
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def _with_cleared(old: Any, new: Any) -> Any:
    """``new`` plus a clearing value for every key of ``old``'s objects that ``new`` dropped."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        out = dict(new)
        for key, value in old.items():
            out[key] = (
                _with_cleared(value, new[key])
                if key in new
                else ([] if isinstance(value, list) else None)
            )
        return out
    return new


def _differs(old: Mapping[str, Any], new: Mapping[str, Any], unordered: frozenset[str]) -> bool:
    """Recorded and desired program values differ (numbers as numbers, sets as sets)."""

    def norm(values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: _normalise(v, k in unordered) for k, v in values.items()}

    return bool(DeepDiff(norm(old), norm(new), ignore_numeric_type_changes=True))


def _key_names(spec: Spec) -> str:
    return {
        "Location": "`external_id`",
        "ChargingZone": "`name`",
        "ChargePoint": "`external_id` or `network.id`",
        "Evse": "`external_id` or `network_id`",
        "Tax": "`name`",
        "TaxIdentificationNumber": "`name`",
        "Currency": "`alphabetic_code`",
    }.get(spec.kind, "`external_id` (or the natural key)")


def _failures(
    exc: pydantic.ValidationError, spec: Spec, given: Mapping[str, Any]
) -> list[CheckFailure]:
    return [
        CheckFailure(".".join(str(p) for p in loc) or spec.kind, message)
        for loc, message in validation_problems(exc, spec, given)
    ]


def validation_problems(
    exc: pydantic.ValidationError, spec: Spec, given: Mapping[str, Any]
) -> list[tuple[list[Any], str]]:
    """Each error of a model as (the path as the program wrote it, what to do about it)."""
    out = []
    for error in exc.errors(include_url=False):
        loc = _program_path(error["loc"], given)
        out.append((loc, _explain(error, spec, loc)))
    return out


def _program_path(loc: tuple[Any, ...], given: Any) -> list[Any]:
    """The error's location as the program wrote it: a ``{locale: text}`` mapping that the model
    turned into a list is named by its locale (``name.en``), not by a list index."""
    out: list[Any] = []
    value = given
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if isinstance(part, int) and isinstance(value, Mapping):
            keys = list(value)
            if part < len(keys):
                out.append(keys[part])
                value = value[keys[part]]
                if parts and parts[0] == "translation":
                    parts.pop(0)
                continue
        if isinstance(part, str) and part != part.lower() and "-" not in part:
            part = to_snake(part)  # a missing field is reported by its API name
        out.append(part)
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            value = None
    return out


def _model_at(model: type[pydantic.BaseModel], loc: list[Any]) -> type[pydantic.BaseModel]:
    """The (nested) model that a location points into."""
    current = model
    for part in loc:
        field = current.model_fields.get(str(part)) if isinstance(part, str) else None
        if field is None:
            continue
        for candidate in _model_types(field.annotation):
            current = candidate
            break
    return current


def _model_types(annotation: Any) -> list[type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    found: list[type[pydantic.BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()):
        found += _model_types(arg)
    return found


def _explain(error: Any, spec: Spec, loc: list[Any]) -> str:
    kind = error["type"]
    got = error.get("input")
    if kind == "missing":
        return f"required: set `{error['loc'][-1]}`"
    if kind == "extra_forbidden":
        owner = _model_at(spec.model, loc[:-1])
        names = ", ".join(sorted(owner.model_fields))
        where = spec.kind if owner is spec.model else f"`{'.'.join(map(str, loc[:-1]))}`"
        return f"`{loc[-1]}` is not an argument of {where}; the arguments are: {names}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if loc and str(loc[0]) in spec.secrets:
        return message  # the value is secret: not quoted
    return f"{message} (got {got!r})" if got is not None and not isinstance(got, dict) else message


def _adoption_message(spec: Spec, key: Lookup | None, existing: list[dict[str, Any]]) -> str:
    ids = ", ".join(str(o.get("id")) for o in existing)
    names = {(f.alias or n): n for n, f in spec.model.model_fields.items()}
    fields = dict(key.fields) if key is not None else {}
    what = ", ".join(f"{names.get(k.split('.')[0], k)}={v!r}" for k, v in fields.items())
    return (
        f"a {spec.kind} with {what or 'the same key'} already exists in the tenant (id {ids})."
        " To manage that object with this program, set `adopt=True` on the resource; to create"
        " a new one, give it a different "
        f"{' and '.join(names.get(k.split('.')[0], k) for k in fields) or 'key'}."
        " If this stack already manages it under another name (a renamed resource or document"
        " key), do not adopt: the old name's delete would remove it; change its key too, or"
        " use an alias."
    )
