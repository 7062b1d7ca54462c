"""A tiny dynamic provider for the offline-engine tests: a key-value "API" in a JSON file.

It lives in an importable module (not ``__main__``) so that dill pickles it by reference and the
provider server process imports it, as with our real providers. The store path comes from the
stack config ``toy:storePath`` via ``configure``.
"""

from __future__ import annotations

import fcntl
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic
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

MANAGED = ("key", "value", "size", "tags", "kind", "parent_id")
_LOCK = threading.Lock()


class ToyStore:
    """The fake API's storage, shared by the provider (any process) and the tests."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @contextmanager
    def _open(self) -> Iterator[dict[str, Any]]:
        with _LOCK, open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data: dict[str, Any] = (
                json.loads(self.path.read_text())
                if self.path.exists()
                else {"objects": {}, "log": [], "fail": [], "next_id": 1, "received": {}}
            )
            try:
                yield data
            finally:  # also persist a consumed failure rule
                self.path.write_text(json.dumps(data, indent=1))

    # --- what the tests use ---
    def objects(self) -> dict[str, dict[str, Any]]:
        with self._open() as data:
            return dict(data["objects"])

    def by_key(self, key: str) -> tuple[str, dict[str, Any]]:
        matches = [(i, o) for i, o in self.objects().items() if o["key"] == key]
        assert len(matches) == 1, f"{len(matches)} objects with key {key!r}"
        return matches[0]

    def log(self) -> list[list[str]]:
        """``[method, id, key]`` for every write (create/update/delete), in order."""
        with self._open() as data:
            return [list(entry) for entry in data["log"]]

    def received(self, key: str) -> dict[str, Any]:
        """What the provider's ``create`` received for the object with this key."""
        with self._open() as data:
            return dict(data["received"][key])

    def fail_next(self, method: str, message: str, key: str | None = None) -> None:
        """Make the next ``method`` call (for ``key``, if given) raise ``RuntimeError``."""
        with self._open() as data:
            data["fail"].append({"method": method, "key": key, "message": message})

    def drift(self, id_: str, **fields: Any) -> None:
        """Change an object behind the engine's back."""
        with self._open() as data:
            data["objects"][id_].update(fields)

    def vanish(self, id_: str) -> None:
        with self._open() as data:
            del data["objects"][id_]

    # --- what the provider uses ---
    def _maybe_fail(self, data: dict[str, Any], method: str, key: str) -> None:
        for rule in data["fail"]:
            if rule["method"] == method and rule["key"] in (None, key):
                data["fail"].remove(rule)
                raise RuntimeError(rule["message"])

    def create(self, fields: dict[str, Any], received: dict[str, Any]) -> tuple[str, int]:
        with self._open() as data:
            self._maybe_fail(data, "create", fields["key"])
            parent = fields.get("parent_id")
            if parent and parent not in data["objects"]:
                raise RuntimeError(f"parent {parent} does not exist")
            id_ = f"thing-{data['next_id']}"
            data["next_id"] += 1
            data["objects"][id_] = {**fields, "revision": 1}
            data["log"].append(["create", id_, fields["key"]])
            data["received"][fields["key"]] = received
            return id_, 1

    def update(self, id_: str, fields: dict[str, Any]) -> int:
        with self._open() as data:
            self._maybe_fail(data, "update", fields["key"])
            if id_ not in data["objects"]:
                raise RuntimeError(f"{id_} not found")
            revision = int(data["objects"][id_]["revision"]) + 1
            data["objects"][id_] = {**fields, "revision": revision}
            data["log"].append(["update", id_, fields["key"]])
            return revision

    def delete(self, id_: str, key: str) -> None:
        with self._open() as data:
            self._maybe_fail(data, "delete", key)
            children = [i for i, o in data["objects"].items() if o.get("parent_id") == id_]
            if children:
                raise RuntimeError(f"{id_} still has children {children}")
            data["objects"].pop(id_, None)
            data["log"].append(["delete", id_, key])

    def get(self, id_: str, method: str = "read") -> dict[str, Any] | None:
        with self._open() as data:
            found = data["objects"].get(id_)
            self._maybe_fail(data, method, found["key"] if found else "")
            return dict(found) if found is not None else None


def _managed(props: dict[str, Any]) -> dict[str, Any]:
    return {k: props.get(k) for k in MANAGED}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return bool(a == b) or (not a and not b and a in (None, {}) and b in (None, {}))


class ThingProvider(ResourceProvider):
    """Full lifecycle, with a diff against the live object so drift shows."""

    serialize_as_secret_always = False

    def configure(self, req: ConfigureRequest) -> None:
        path = req.config.get("toy:storePath")
        self._store = ToyStore(path) if path else None
        self._token = req.config.get("toy:token")

    @property
    def store(self) -> ToyStore:
        if getattr(self, "_store", None) is None:
            raise RuntimeError("toy:storePath is not configured")
        store: ToyStore = self._store  # type: ignore[assignment]
        return store

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        key = news.get("key")
        if not isinstance(key, Unknown) and (not isinstance(key, str) or not key):
            failures.append(CheckFailure("key", "must be a non-empty string"))
        size = news.get("size", 0)
        if not isinstance(size, Unknown):
            if not isinstance(size, (int, float)) or size != int(size) or size < 0:
                failures.append(CheckFailure("size", "must be a whole number >= 0"))
            else:
                size = int(size)
        checked = {**news, "size": size, "kind": news.get("kind", "basic")}
        return CheckResult(checked, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        live = self.store.get(id_, "diff") or olds
        changed = [k for k in MANAGED if not _same(live.get(k), news.get(k))]
        replaces = [k for k in changed if k == "kind"]
        return DiffResult(changes=bool(changed), replaces=replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        received = {
            "keys": sorted(props),
            "size_type": type(props.get("size")).__name__,
            "tags": props.get("tags"),
            "token": getattr(self, "_token", None),
        }
        fields = _managed(props)
        fields["size"] = int(fields["size"])
        id_, revision = self.store.create(fields, received)
        return CreateResult(id_, {**fields, "revision": revision})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        found = self.store.get(id_)
        if found is None:
            return ReadResult("", {})
        fields = _managed(found)
        return ReadResult(id_, {**fields, "revision": found["revision"]}, fields)

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        fields = _managed(news)
        fields["size"] = int(fields["size"])
        revision = self.store.update(id_, fields)
        return UpdateResult({**fields, "revision": revision})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.store.delete(id_, str(props.get("key")))


class PlainThingProvider(ThingProvider):
    """Leaves the diff verdict to the engine (``changes=None``)."""

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult()


def _props(
    key: pulumi.Input[str],
    value: pulumi.Input[str],
    size: pulumi.Input[int],
    tags: pulumi.Input[dict[str, str]] | None,
    kind: pulumi.Input[str],
    parent_id: pulumi.Input[str] | None,
) -> dict[str, Any]:
    return {
        "key": key,
        "value": value,
        "size": size,
        "tags": tags,
        "kind": kind,
        "parent_id": parent_id,
        "revision": None,
    }


class Thing(pulumi.dynamic.Resource, module="toy", name="Thing"):
    key: pulumi.Output[str]
    value: pulumi.Output[str]
    size: pulumi.Output[int]
    tags: pulumi.Output[dict[str, str] | None]
    kind: pulumi.Output[str]
    parent_id: pulumi.Output[str | None]
    revision: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        key: pulumi.Input[str],
        value: pulumi.Input[str] = "",
        size: pulumi.Input[int] = 0,
        tags: pulumi.Input[dict[str, str]] | None = None,
        kind: pulumi.Input[str] = "basic",
        parent_id: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = _props(key, value, size, tags, kind, parent_id)
        super().__init__(ThingProvider(), name, props, opts)


class PlainThing(pulumi.dynamic.Resource, module="toy", name="PlainThing"):
    key: pulumi.Output[str]
    value: pulumi.Output[str]
    size: pulumi.Output[int]
    tags: pulumi.Output[dict[str, str] | None]
    revision: pulumi.Output[int]

    def __init__(
        self,
        name: str,
        *,
        key: pulumi.Input[str],
        value: pulumi.Input[str] = "",
        size: pulumi.Input[int] = 0,
        tags: pulumi.Input[dict[str, str]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = _props(key, value, size, tags, "basic", None)
        super().__init__(PlainThingProvider(), name, props, opts)


def installed_provider(type_: str) -> ResourceProvider | None:
    """The toy's catalogue for the offline engine (``OfflineStack(providers=[...])``): the
    provider each of its resource types stores in the state."""
    providers = {"toy:Thing": ThingProvider, "toy:PlainThing": PlainThingProvider}
    found = providers.get(type_.removeprefix("pulumi-python:dynamic/"))
    return found() if found is not None else None
