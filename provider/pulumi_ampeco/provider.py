"""The one dynamic resource provider, driven by a kind's declaration (:mod:`pulumi_ampeco.kinds`).

Nothing resource-specific lives here. The instance holds only the kind's name, so its pickled
form is a few dozen bytes that refer to this module (pickled by reference), and it carries no
client, token or lock: those live in :mod:`pulumi_ampeco.runtime`, in the provider process.

Desired vs live: ``diff`` compares the program's inputs with the object as the tenant has it
now (not only with what was recorded), over the fields the program manages, after the same
normalisation on both sides. A field that the program stops setting is cleared.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from typing import Any

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

from . import adoption, init_failure, runtime
from .adoption import Adopt, as_id
from .cache import ReadCache
from .client import same_fields
from .duplicates import MARKER, Suspicion, message, twins
from .errors import (
    AdoptionRequiredError,
    AmpecoError,
    DuplicateObjectsError,
    DuplicateSuspectedError,
    NotFoundError,
)
from .kinds import KINDS, Kind
from .lookup import Lookup, dig, lookup_for
from .models.base import field_adapter
from .problems import validation_problems

PROVIDER_KEY = "__provider"
log = logging.getLogger(__name__)
ADOPT = "adopt"
#: What the offline engine adds to a create that an interrupted run may already have made
#: (``ampeco_engine.protocol.RESUME_KEY``; the provider must not import the engine).
RESUME = "__pendingCreate"
#: The property named in ``replaces`` when the object vanished from the tenant.
GONE = "id"


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
    """CRUD for one AMPECO resource kind, as its declaration describes it."""

    # Nothing secret is ever captured (tests assert it), so the payload needs no encryption.
    serialize_as_secret_always = False

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def declaration(self) -> Kind:
        return KINDS[self.kind]

    def configure(self, req: ConfigureRequest) -> None:
        runtime.configure({key: req.config.get(key) for key in runtime.KEYS})
        # A new operation: nothing read for this kind before it may be trusted, and no object
        # of it is taken by a resource yet.
        runtime.read_cache.forget(self.declaration.collection.split("{")[0])
        runtime.verify_cache.forget(self.declaration.collection.split("{")[0])
        runtime.unclaim(self.declaration.collection.split("{")[0])
        runtime.ranks.forget(self.declaration.collection.split("{")[0])
        if self.declaration.embedded_in is not None:
            runtime.read_cache.forget(self.declaration.embedded_in.collection)

    # --- check ------------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        decl = self.declaration
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        failures: list[CheckFailure] = []
        parents: dict[str, Any] = {}
        for name in decl.parent_fields:
            value = props.pop(name, None)
            if value is None:
                failures.append(CheckFailure(name, f"required: set `{name}` (the parent's id)"))
            elif is_unknown(value):
                parents[name] = value
            else:
                try:
                    parents[name] = as_id(value)
                except (TypeError, ValueError):
                    failures.append(
                        CheckFailure(name, f"must be the parent's numeric id, got {value!r}")
                    )
        adopt = adoption.parse(props.pop(ADOPT, False))
        if adopt is None:
            failures.append(
                CheckFailure(ADOPT, "must be true, false, or the id of the object to take over")
            )
        known = {k: v for k, v in props.items() if not is_unknown(v)}
        try:
            model = decl.model.model_validate(
                known, context={"default_locale": runtime.default_locale()}
            )
        except pydantic.ValidationError as exc:
            unknown = {k for k in props if k not in known}
            for failure in _failures(exc, decl, known):
                # With values still unknown, whole-object rules (a public station needs a
                # location) cannot be judged yet; they are checked again once values are known.
                top = failure.property.split(".")[0]
                if top not in unknown and not (unknown and failure.property == decl.name):
                    failures.append(failure)
            model = None
        if failures:
            return CheckResult(news, failures)
        assert adopt is not None
        adopt = self._bound(adopt, {**props, **parents})
        if len(known) != len(props):
            # Preview: what is known is validated and normalised (outputs are typed by it:
            # a translated text is a list even while the parent's id is still unknown).
            partial = {**news, **_normalised_fields(decl.model, known)}
            partial.pop(ADOPT, None)
            if adopt:
                partial[ADOPT] = adopt
            return CheckResult(partial, [])
        assert model is not None
        inputs: dict[str, Any] = {**model.to_state(), **parents}
        if isinstance(adopt, int) and not isinstance(adopt, bool) and not _olds:
            # New to the stack: the object must be the one the program describes (an object
            # already in the state is not adopted again, and a replacement has olds).
            wrong = self._not_described(adopt, inputs)
            if wrong:
                return CheckResult(news, [CheckFailure(ADOPT, wrong)])
        if adopt:
            inputs[ADOPT] = adopt
        inputs[PROVIDER_KEY] = news[PROVIDER_KEY]
        return CheckResult(inputs, [])

    def _bound(self, adopt: bool | int | Adopt, values: Mapping[str, Any]) -> bool | int:
        """An id bound to a tenant: the id on that tenant; elsewhere adoption by key when the
        object has one (else a new object), said once per provider process."""
        if not isinstance(adopt, Adopt):
            return adopt
        tenant = runtime.tenant_url()
        if adopt.tenant is None or adoption.same_tenant(adopt.tenant, tenant):
            return adopt.id
        if adoption.first_time(adopt.tenant, tenant):
            log.warning("%s", adoption.ignored_ids_note(adopt.tenant, tenant))
        return adopt.by_key and any(  # a value not known yet will be there
            key.identifying and all(dig(values, f) not in (None, "") for f in key.fields)
            for key in self.declaration.keys
        )

    def _key(self, values: Mapping[str, Any]) -> Lookup | None:
        """The key (identifying or not) of an object with these known program values."""
        decl = self.declaration
        return lookup_for(decl.collection_path(values), self._wire(self._managed(values)))

    def _not_described(self, id_: int, values: Mapping[str, Any]) -> str:
        """Why the object with ``id_`` is not the one the program describes (its key or its
        parent differ), or ``""``. A parent not known yet is not compared; the create takes
        a differing object over no more than a missing one (see :meth:`_adopt_by_id`)."""
        decl = self.declaration
        if any(is_unknown(values.get(p)) for p in decl.parent_fields):
            return ""
        live = self._live(id_, values, runtime.verify_cache)
        if live is None:
            return ""  # gone: the object is created
        # The key only: a create-first replacement is checked without olds too, and its old
        # object differs in what cannot change in place (the create then makes a new one).
        differs = self._identity_differs(live, values, replaced_fields=False)
        if not differs:
            return ""
        return (
            f"id {id_} is not the {decl.name} this program describes: on the tenant its"
            f" {differs}. `adopt` takes over only the object the export saw: give the id of the"
            " right one, or remove `adopt` (or set `adopt: true` to find it by its key) to"
            " create the object or take over the one with this key; nothing was changed"
        )

    def _identity_differs(
        self, live: Mapping[str, Any], values: Mapping[str, Any], *, replaced_fields: bool = True
    ) -> str:
        """What tells the live object apart from the one described: key fields, and (with
        ``replaced_fields``) fields only a replacement changes; ``""`` when none differ."""
        decl = self.declaration
        desired = self._managed(values)
        shown: list[str] = []
        key = self._key(values)
        names = decl.key_fields_by_wire_name()
        # Only a key that names one object tells objects apart (a connector's type does not).
        for wire, want in (key.fields if key is not None and key.identifying else {}).items():
            have = dig(live, wire)
            if have != want:
                shown.append(f"{names.get(wire, wire)} is {have!r}, not {want!r}")
        if replaced_fields:
            for name in self._changed(desired, self._visible(live, {})):
                if name in decl.replaces:
                    shown.append(f"`{name}` differs (it cannot change in place)")
        return "; ".join(shown)

    # --- helpers shared by the CRUD methods --------------------------------------------------

    def _managed(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of the body the program manages (no parents, no flags, no outputs)."""
        decl = self.declaration
        skip = {
            PROVIDER_KEY,
            ADOPT,
            *decl.parent_fields,
            *decl.outputs,
            *decl.server_first_item.values(),
        }
        return {k: v for k, v in props.items() if k not in skip}

    def _wire(self, managed: Mapping[str, Any]) -> dict[str, Any]:
        """The API body for managed program values; ``None`` values clear a field."""
        model = self.declaration.model
        present = {k: v for k, v in managed.items() if v is not None}
        body = model.model_validate(
            present, context={"default_locale": runtime.default_locale()}
        ).to_wire()
        for name, value in managed.items():
            if value is None:
                body[self.declaration.alias(name)] = None
        if self.declaration.ordering is not None:  # a rank, set by reordering only (D46)
            body.pop(self.declaration.alias(self.declaration.ordering.field), None)
        return body

    def _state(self, live: Mapping[str, Any], managed: Mapping[str, Any]) -> dict[str, Any]:
        """The program's view of the live object: the fields it manages, in the shape it gave
        them (keys of objects the program does not set are left out)."""
        model = self.declaration.model
        aliases = {self.declaration.alias(n): n for n in managed}
        try:
            shape = self._wire({k: v for k, v in managed.items() if v is not None})
        except pydantic.ValidationError:
            shape = {}
        picked = {
            a: _shaped_like(live[a], shape[a]) if a in shape else live[a]
            for a in aliases
            if live.get(a) is not None
        }
        try:
            return model.model_validate(
                picked, context={"default_locale": runtime.default_locale()}
            ).to_state()
        except pydantic.ValidationError:
            # The tenant holds something the model would not accept (a blank name typed in
            # its UI, say): that field as it is, every other in the program's shape.
            return _normalised_fields(
                model, {aliases[a]: v for a, v in picked.items()}, invalid_as_is=True
            )

    def _changed(self, desired: Mapping[str, Any], live: Mapping[str, Any]) -> list[str]:
        """Program names of the managed fields whose live value differs from the desired one."""
        decl = self.declaration
        want = self._wire(desired)
        names = {decl.alias(n): n for n in desired}
        unordered = {decl.alias(n) for n in decl.unordered}
        have = {key: _shaped_like(live.get(key), value) for key, value in want.items()}
        want = {k: _normalise(v, k in unordered) for k, v in want.items()}
        have = {k: _normalise(v, k in unordered) for k, v in have.items()}
        suspect = [k for k in want if not _identical(have[k], want[k])]
        if not suspect:
            return []
        delta = DeepDiff(
            {k: have[k] for k in suspect},
            {k: want[k] for k in suspect},
            ignore_numeric_type_changes=True,
            verbose_level=0,
        )
        return sorted(names[str(key)] for key in delta.affected_root_keys)

    def _params(self) -> dict[str, Any] | None:
        include = self.declaration.include
        return {"include": list(include)} if include else None

    def _live(
        self, id_: str | int, values: Mapping[str, Any], cache: ReadCache | None = None
    ) -> dict[str, Any] | None:
        """The object as the tenant has it now, ``None`` if it is gone; read through ``cache``
        (by default the operation's read cache)."""
        collection = self.declaration.collection_path(values)
        client = runtime.client()
        embedded = self.declaration.embedded_in
        cache = cache if cache is not None else runtime.read_cache
        if runtime.cache_enabled() and embedded is not None:
            return cache.get_embedded(
                client,
                collection,
                int(id_),
                embedded.collection,
                int(values[embedded.parent]),
                embedded.field,
            )
        if runtime.cache_enabled() or not self.declaration.item_reads:
            alone = self.declaration.item_reads
            if not runtime.cache_enabled():
                cache = ReadCache()  # a listing of this read alone
            try:
                return cache.get(client, collection, int(id_), self._params(), alone=alone)
            except NotFoundError:
                if not self._parent_gone(values):
                    raise
                return None  # deleted outside Pulumi with its parent
        try:
            found = client.get(f"{collection}/{int(id_)}", self._params())
        except NotFoundError:
            return None
        return found if isinstance(found, dict) else None

    def _parent_gone(self, values: Mapping[str, Any]) -> bool:
        """Whether the object's parent is gone: asked of the tenant when the listing under it
        is not found, so that nothing else (a wrong tenant URL) reads as a deleted object."""
        if not self.declaration.parents:
            return False
        parent = self.declaration.parents[-1]
        holder = KINDS[parent.kind]
        try:
            runtime.client().get(holder.item_path(values[parent.field], values))
        except NotFoundError:
            return True
        return False

    def _find(self, key: Lookup) -> list[dict[str, Any]]:
        if runtime.cache_enabled():
            return runtime.read_cache.find(runtime.client(), key, self._params())
        return runtime.client().find(key)

    def _remember(self, values: Mapping[str, Any], obj: Any) -> None:
        if isinstance(obj, dict) and "id" in obj:
            runtime.read_cache.put(self.declaration.collection_path(values), obj)

    def _outs(
        self,
        id_: str,
        inputs: Mapping[str, Any],
        live: Mapping[str, Any],
        recorded: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        outs = {k: copy.deepcopy(v) for k, v in inputs.items() if k != PROVIDER_KEY}
        for name, output in self.declaration.outputs.items():
            if live.get(output.wire) is not None:
                outs[name] = live[output.wire]
        for name, recorded_as in self.declaration.server_first_item.items():
            first = self._first_item(name, recorded, live)
            if first is not None:
                outs[recorded_as] = first
        return outs

    def _first_item(
        self, name: str, recorded: Mapping[str, Any] | None, live: Mapping[str, Any]
    ) -> Any:
        """The server's own first item of a list field: as recorded, or (new or adopted object)
        the first item the tenant shows."""
        output = self.declaration.server_first_item[name]
        if recorded is not None and recorded.get(output) is not None:
            return _as_id_or(recorded[output])
        items = live.get(self.declaration.alias(name))
        return items[0] if isinstance(items, list) and items else None

    def _visible(self, live: Mapping[str, Any], recorded: Mapping[str, Any]) -> dict[str, Any]:
        """The live object without the items the server added by itself."""
        out = dict(live)
        for name in self.declaration.server_first_item:
            wire = self.declaration.alias(name)
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
        *,
        unchanged_ok: bool = False,
    ) -> Any:
        """Bring a live object to the desired state: PATCH the changed fields or PUT it all.

        A PUT states the whole object, so it is sent even when the fields the program sets
        agree (what it leaves out goes back to its default), unless ``unchanged_ok``: an
        object adopted by id from an export, whose document states every field it holds."""
        client = runtime.client()
        decl = self.declaration
        changed = self._changed(desired, self._visible(live, recorded or {}))
        if not changed and (decl.update_verb == "PATCH" or unchanged_ok):
            return live  # already as the program wants it: no write
        if decl.update_verb == "PUT":
            # A PUT replaces the object: what the program no longer sets goes back to defaults.
            body = self._wire({k: v for k, v in desired.items() if v is not None})
            for name in decl.server_first_item:
                first = self._first_item(name, recorded, live)
                wire = decl.alias(name)
                if first is not None:
                    body[wire] = [first, *(i for i in body.get(wire, []) if i != first)]
            return client.update(path, body, "PUT")
        full = self._wire(desired)
        sent = [*changed, *(decl.always_send & desired.keys())]
        body = {key: full[key] for key in (decl.alias(n) for n in sent)}
        return client.update(path, body, "PATCH")

    # --- ranks (D46) --------------------------------------------------------------------------

    def _siblings(self, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every object of the collection as the tenant has it (through the read cache)."""
        collection = self.declaration.collection_path(values)
        if runtime.cache_enabled():
            return runtime.read_cache.all(runtime.client(), collection, self._params())
        return list(runtime.client().list(collection, self._params()))

    def _in_place(self, id_: str, values: Mapping[str, Any]) -> bool:
        """Note the program's rank of the object; whether the tenant orders it so too."""
        ordering = self.declaration.ordering
        if ordering is None:
            return True
        collection = self.declaration.collection_path(values)
        with runtime.ranks.lock(collection):
            runtime.ranks.note(collection, int(id_), values.get(ordering.field))
            live = self._siblings(values)
            return not runtime.ranks.misplaced(collection, int(id_), live, ordering.field)

    def _rank(self, id_: str, values: Mapping[str, Any]) -> None:
        """Note the program's rank of the object, and sort the objects met so far with one
        reorder where the tenant's order differs."""
        ordering = self.declaration.ordering
        if ordering is None:
            return
        collection = self.declaration.collection_path(values)
        with runtime.ranks.lock(collection):
            runtime.ranks.note(collection, int(id_), values.get(ordering.field))
            moves = runtime.ranks.moves(collection, self._siblings(values), ordering.field)
            if moves:
                path = f"{collection}/{ordering.action}"
                runtime.client().update(path, {ordering.items: moves}, "PUT")
                runtime.read_cache.forget(collection)  # every place may have moved

    # --- create, read, update, delete, diff ----------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        created = self._create(props)
        self._rank(created.id, props)
        return created

    def _create(self, props: dict[str, Any]) -> CreateResult:
        decl = self.declaration
        resume = props.pop(RESUME, None)
        desired = self._managed(props)
        collection = decl.collection_path(props)
        body = self._wire(desired)
        if isinstance(resume, dict):
            taken = {str(id_) for id_ in resume.get("taken") or ()}
            key = lookup_for(collection, body)
            with runtime.key_lock(collection, key.description if key else ""):
                resumed = self._resume(props, desired, key, taken)
            if resumed is not None:
                return resumed
        adopt = adoption.parse(props.get(ADOPT))
        if isinstance(adopt, Adopt):  # checked inputs hold plain ids; a direct call may not
            adopt = self._bound(adopt, props)
            props = {**props, ADOPT: adopt}
        if isinstance(adopt, int) and not isinstance(adopt, bool):
            with runtime.key_lock(collection, f"id={adopt}"):
                adopted = self._adopt_by_id(props, desired, adopt)
            if adopted is not None:
                return adopted
            props = {k: v for k, v in props.items() if k != ADOPT}  # a new object, then
        key = lookup_for(collection, body)
        if props.get(ADOPT) and (key is None or not key.identifying):
            raise AdoptionRequiredError(_no_key_message(decl))
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
        decl = self.declaration
        client = runtime.client()
        listed = self._find(key) if key is not None else []
        existing = listed if key is not None and key.identifying else []
        if props.get(ADOPT):
            # An object another resource of this run made or took over is that one's.
            taken = [o for o in existing if runtime.claimed(collection, o.get("id"))]
            existing = [o for o in existing if o not in taken]
            if taken and not existing:
                raise AdoptionRequiredError(self._taken_message([o.get("id") for o in taken]))
            if len(existing) > 1:
                raise DuplicateObjectsError(
                    "GET", collection, key.description if key else "", [o["id"] for o in existing]
                )
            if existing:
                found = existing[0]
                self._take(collection, found["id"])
                path = decl.item_path(found["id"], props)
                live = self._write(path, desired, found)  # an adopted group keeps its own base
                self._remember(props, live)
                return CreateResult(str(found["id"]), self._outs(str(found["id"]), props, live))
        elif existing and not decl.replace_creates_first:
            raise AdoptionRequiredError(_adoption_message(decl, key, existing))
        resent: list[str] = []
        created = client.create(
            collection,
            body,
            lookup=key,
            existing_ids=[o.get("id") for o in listed],
            suspicions=resent,
        )
        if key is not None:
            runtime.claim(key.path, created["id"])  # not a candidate for a resumed create
        self._remember(props, created)
        id_ = str(created["id"])
        outs = self._outs(id_, props, created)
        if key is not None and key.identifying and (resent or not key.new_only):
            before = (int(o["id"]) for o in listed if isinstance(o.get("id"), int))
            self._guard(id_, outs, Suspicion.of(key, int(id_), before, resent=bool(resent)))
        return CreateResult(id_, outs)

    def _take(self, collection: str, id_: Any) -> None:
        """Mark the object as this resource's for the run; one another resource already took
        is refused (the claim itself is atomic: two threads cannot both take it)."""
        if not runtime.claim(collection, id_):
            raise AdoptionRequiredError(self._taken_message([id_]))

    def _taken_message(self, ids: list[Any]) -> str:
        shown = ", ".join(str(i) for i in ids)
        return (
            f"the {self.declaration.name} with id {shown} is already made or taken over by"
            " another resource of this stack; an object belongs to one resource: give this one"
            " another key or id, or remove one of the two; nothing was changed"
        )

    def _guard(self, id_: str, outs: dict[str, Any], suspicion: Suspicion) -> None:
        """Look for twins of the object (straight from the tenant: a listing read earlier in
        the run cannot show another stack's create); with any, or after a create sent twice,
        fail and keep the object with the suspicion in its outputs (see :mod:`.duplicates`)."""
        try:
            found = runtime.client().find(suspicion.lookup)
        except AmpecoError as failed:  # the object exists: keep it, and look next time
            seen = suspicion.unchecked(str(failed))
        else:
            seen = suspicion.seen(twins(suspicion, found, runtime.accepted_duplicates()))
        if seen.others or seen.resent or seen.unverified:
            error = DuplicateSuspectedError(
                id_, {**outs, MARKER: seen.output()}, [message(self.kind, seen)]
            )
            init_failure.report(error)  # the engine keeps the object and fails the step
            raise error

    def _resume(
        self, props: dict[str, Any], desired: dict[str, Any], key: Lookup | None, taken: set[str]
    ) -> CreateResult | None:
        """The object a create of an interrupted run made, if the tenant has it: one that no
        resource of the stack holds (``taken``) and that matches the key, and, unless the key
        is a value only the program gives (an ``externalId``), every plain field the create
        sends, as the client recognises a create whose answer was lost. ``None``: no such
        object; the create goes ahead (and refuses, as usual, an object it may not take)."""
        if key is None:
            return None
        body = self._wire(desired)
        found = [
            o
            for o in self._find(key)
            if str(o.get("id")) not in taken and (not key.new_only or same_fields(o, body))
        ]
        for live in sorted(found, key=lambda o: int(o["id"])):
            if runtime.claim(key.path, live["id"]):
                break
        else:
            return None
        result = self._write(self.declaration.item_path(live["id"], props), desired, live)
        self._remember(props, result)
        return CreateResult(str(live["id"]), self._outs(str(live["id"]), props, result))

    def _adopt_by_id(
        self, props: dict[str, Any], desired: dict[str, Any], id_: int
    ) -> CreateResult | None:
        """Take over the object with this id (an export saw it): exact, whatever its key.

        ``None`` when that object is not the one the program describes: gone (deleted outside
        Pulumi, or by a delete-first replacement) or different in what it cannot change in
        place (a create-first replacement runs while the old object still exists, and Pulumi
        calls create for it with the same inputs). The program's object is then created."""
        decl = self.declaration
        live = self._live(id_, props)
        if live is None or self._identity_differs(live, props):
            return None  # never take over, and so overwrite, an object not described
        self._take(decl.collection_path(props), id_)
        result = self._write(decl.item_path(id_, props), desired, live, unchanged_ok=True)
        self._remember(props, result)
        return CreateResult(str(id_), self._outs(str(id_), props, result))

    def adoption_plan(self, props: Mapping[str, Any]) -> dict[str, tuple[Any, Any]] | None:
        """What an ``up`` will change on the object that ``adopt`` takes over: argument →
        (the tenant's value, the program's). ``None`` when there is no such object (yet)."""
        decl = self.declaration
        if any(p not in props for p in decl.parent_fields):
            return None  # a parent not known yet (it is adopted in the same run)
        desired = self._managed(props)
        adopt = adoption.parse(props.get(ADOPT))
        if isinstance(adopt, Adopt):
            adopt = self._bound(adopt, props)
        if isinstance(adopt, int) and not isinstance(adopt, bool):
            live = self._live(adopt, props)
        else:
            key = lookup_for(decl.collection_path(props), self._wire(desired))
            found = self._find(key) if key is not None and key.identifying else []
            live = found[0] if len(found) == 1 else None
        if live is None:
            return None
        return self._differences(live, desired, {})

    def drift_plan(self, id_: str, props: Mapping[str, Any]) -> dict[str, tuple[Any, Any]] | None:
        """What differs between the object ``id_`` on the tenant and the program (``props``,
        its checked inputs): argument → (the tenant's value, the program's). ``None`` when
        the object is gone."""
        live = self._live(id_, props)
        if live is None:
            return None
        return self._differences(live, self._managed(props), props)

    def _differences(
        self, live: Mapping[str, Any], desired: dict[str, Any], recorded: Mapping[str, Any]
    ) -> dict[str, tuple[Any, Any]]:
        visible = self._visible(live, recorded)
        shown = self._state(visible, desired)
        return {name: (shown.get(name), desired[name]) for name in self._changed(desired, visible)}

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        decl = self.declaration
        live = self._live(id_, props)
        if live is None:
            return ReadResult("", {})
        managed = self._managed(props)
        inputs: dict[str, Any] = self._state(self._visible(live, props), managed)
        for name in decl.unordered & inputs.keys():
            # The same set in another order is no drift: keep the program's order.
            if _normalise(inputs[name], True) == _normalise(managed.get(name), True):
                inputs[name] = managed[name]
        inputs.update({p: props[p] for p in decl.parent_fields if p in props})
        rank = decl.ordering.field if decl.ordering is not None else ""
        if managed.get(rank) is not None and self._in_place(id_, props):
            inputs[rank] = managed[rank]  # the tenant's place agrees with the program's rank
        if props.get(ADOPT):
            inputs[ADOPT] = props[ADOPT]
        outs = self._outs(id_, inputs, live, props)
        if MARKER in props:  # a refresh keeps the suspicion until an up looks again
            outs[MARKER] = props[MARKER]
        return ReadResult(id_, outs, inputs)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        decl = self.declaration
        moved = [p for p in decl.parent_fields if _as_id_or(olds.get(p)) != _as_id_or(news.get(p))]
        if moved:
            return DiffResult(changes=True, replaces=moved, delete_before_replace=True)
        desired = self._desired(olds, news)
        if is_unknown(desired):
            unknown = [k for k, v in desired.items() if is_unknown(v)]
            replaces = [k for k in unknown if k in decl.replaces]
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        live = self._live(id_, olds)
        if live is None:
            # Deleted outside Pulumi: create it again (and forget the old one).
            return DiffResult(changes=True, replaces=[GONE], delete_before_replace=True)
        visible = self._visible(live, olds)
        changed = self._changed(desired, visible)
        if decl.ordering is not None and not self._in_place(id_, news):
            changed.append(decl.ordering.field)
        replaces = [name for name in changed if name in decl.replaces]
        # Recorded inputs that differ from the program, though the tenant already agrees, still
        # make an update (one GET, no write), so the outputs follow the program.
        before, after = self._managed(olds), self._managed(news)
        recorded = _differs(before, after, decl.unordered)
        drifted = [
            n
            for n in changed
            if n in after and not _differs({n: before.get(n)}, {n: after[n]}, decl.unordered)
        ]
        if drifted:
            # Pulumi shows old values from its state, which does not know the tenant's: name
            # the drifted fields, so a plain preview says what the update is for.
            log.warning("%s", drift_note(self.kind, id_, drifted))
        suspicion = Suspicion.from_output(olds.get(MARKER))
        if suspicion is not None:  # repeated in every preview; the up's update looks again
            log.warning("%s", message(self.kind, suspicion))
        # The replacement would share the old object's key (externalId, name, OCPP identity):
        # the old one goes first, so the new one neither collides nor gets adopted by mistake.
        return DiffResult(
            changes=bool(changed) or recorded or suspicion is not None,
            replaces=replaces,
            delete_before_replace=(not decl.replace_creates_first) if replaces else None,
        )

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        path = self.declaration.item_path(id_, news)
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
        self._rank(id_, news)
        outs = self._outs(id_, news, result, olds)
        suspicion = Suspicion.from_output(olds.get(MARKER))
        if suspicion is not None:
            self._guard(id_, outs, Suspicion.of(suspicion.lookup, int(id_), suspicion.before))
            log.info("%s %s: no other object carries its key any more", self.kind, id_)
        return UpdateResult(outs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        decl = self.declaration
        collection = decl.collection_path(props)
        if decl.ordering is None:
            runtime.client().delete(decl.item_path(id_, props))
            runtime.read_cache.drop(collection, int(id_))
            return
        with runtime.ranks.lock(collection):  # the places after it move up
            runtime.client().delete(decl.item_path(id_, props))
            runtime.ranks.note(collection, int(id_), None)
            runtime.read_cache.forget(collection)

    def _desired(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """The managed fields of the program, and a clearing value for each field (also inside
        objects) that it stopped setting: ``[]`` for lists, ``None`` otherwise. Fields the API
        cannot clear (``kept_when_removed``) are simply no longer managed."""
        desired = self._managed(news)
        for name, old in self._managed(olds).items():
            if name in self.declaration.open_maps and name in desired:
                continue  # an entry the program dropped is no longer managed
            if name in desired:
                desired[name] = _with_cleared(old, desired[name])
            elif name not in self.declaration.kept_when_removed:
                desired[name] = [] if isinstance(old, list) else None
        return desired


# --- module helpers ----------------------------------------------------------------------------

#: How many drifted fields a drift note names.
_DRIFT_FIELDS = 8


def drift_note(kind: str, id_: str, fields: Sequence[str]) -> str:
    """One line naming the fields of object ``id_`` that were changed outside Pulumi. Names
    only: the provider cannot tell which values the program marked secret (the engine sends
    them to a dynamic provider in the clear), so no value is shown; the CLI's
    ``--refresh --diff`` shows them, masked."""
    named = ", ".join(f"`{n}`" for n in fields[:_DRIFT_FIELDS])
    if len(fields) > _DRIFT_FIELDS:
        named += f" and {len(fields) - _DRIFT_FIELDS} more"
    return (
        f"{kind} {id_} was changed outside Pulumi: {named} differ{'s' if len(fields) == 1 else ''}"
        " from the program. `pulumi up` sets the program's values back, `pulumi refresh` records"
        " the tenant's; `pulumi preview --refresh --diff` shows both"
    )


def _normalised_fields(
    model: type[pydantic.BaseModel], values: Mapping[str, Any], *, invalid_as_is: bool = False
) -> dict[str, Any]:
    """Each value as the model would store it, field by field (the object as a whole may
    not validate yet); a value that does not validate on its own is left out, or kept as it
    is with ``invalid_as_is``."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        field = model.model_fields.get(name)
        if field is None:
            continue
        try:
            adapter = field_adapter(model, name)
            out[name] = adapter.dump_python(
                adapter.validate_python(
                    value, context={"default_locale": runtime.default_locale()}
                ),
                mode="json",
                by_alias=False,
                exclude_unset=True,
            )
        except pydantic.ValidationError:
            if invalid_as_is:
                out[name] = value
    return out


def _as_id_or(value: Any) -> Any:
    try:
        return as_id(value)
    except (TypeError, ValueError):
        return value


def _shaped_like(live: Any, desired: Any) -> Any:
    """The part of a live value that has the desired value's shape (extra keys dropped)."""
    if isinstance(desired, dict):
        source = live if isinstance(live, dict) else {}
        return {k: _shaped_like(source.get(k), v) for k, v in desired.items()}
    if isinstance(desired, list) and isinstance(live, list) and len(live) == len(desired):
        return [_shaped_like(lv, dv) for lv, dv in zip(live, desired, strict=True)]
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

    before, after = norm(old), norm(new)
    if _identical(before, after):
        return False
    return bool(DeepDiff(before, after, ignore_numeric_type_changes=True))


_JSON = frozenset({dict, list, str, int, float, bool, type(None)})


def _identical(a: Any, b: Any) -> bool:
    """The same value, type for type (an int and a float of equal value count as the same, as
    for ``DeepDiff(ignore_numeric_type_changes=True)``; a bool is no number here). Where this
    says yes, DeepDiff finds nothing; it is asked only about the rest, which keeps a no-op
    diff from paying for a DeepDiff per field (most of the provider's time in a preview)."""
    if type(a) not in _JSON or type(b) not in _JSON:
        return False  # only JSON values here (sets, tuples and the rest: DeepDiff decides)
    if type(a) is not type(b):
        numbers = (int, float)
        return type(a) in numbers and type(b) in numbers and a == b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_identical(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _failures(
    exc: pydantic.ValidationError, decl: Kind, given: Mapping[str, Any]
) -> list[CheckFailure]:
    return [
        CheckFailure(".".join(str(p) for p in loc) or decl.name, message)
        for loc, message in validation_problems(exc, decl, given)
    ]


def _no_key_message(decl: Kind) -> str:
    """What ``adopt`` needs, from the kind's keys."""
    names = decl.describe_keys()
    if not names:
        return (
            f"a {decl.name} has no key to find it by in this API version: adopt it by its id"
            " (`adopt=<id>`; `adopt: <id>` in a tenant document); nothing was created"
        )
    return (
        f"`adopt=True` (`adopt: true` in a tenant document) needs a key to find the {decl.name}"
        f" by: set {names}, or adopt it by its id (`adopt=<id>`); nothing was created"
    )


def _adoption_message(decl: Kind, key: Lookup | None, existing: list[dict[str, Any]]) -> str:
    ids = ", ".join(str(o.get("id")) for o in existing)
    names = decl.key_fields_by_wire_name()
    fields = dict(key.fields) if key is not None else {}
    what = ", ".join(f"{names.get(k, k)}={v!r}" for k, v in fields.items())
    return (
        f"a {decl.name} with {what or 'the same key'} already exists in the tenant (id {ids})."
        " To manage that object with this program, set `adopt=True` on the resource (`adopt:"
        " true` on the object in a tenant document); to create a new one, give it a different "
        f"{' and '.join(names.get(k, k) for k in fields) or 'key'}."
        " If this stack already manages it under another name (a renamed resource or document"
        " key), do not adopt: the old name's delete would remove it; change its key too, or"
        " use an alias."
    )
