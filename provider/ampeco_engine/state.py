"""The offline engine's checkpoint: a JSON file that plays the role of the stack's state.

Layout (``version`` 1)::

    {"version": 1, "project": ..., "stack": ...,
     "resources": {urn: {type, name, custom, external, id, parent, inputs, outputs,
                         dependencies, property_dependencies, protect, retain_on_delete,
                         deleted_with, additional_secret_outputs}, ...},   # registration order
     "pending_deletes": [resource, ...],   # replaced objects whose delete has not succeeded yet
     "pending_creates": [{urn, type, name}, ...],   # creates sent whose answer was never recorded
     "serial": 7,                          # counts the snapshots written
     "outputs": {...}}                     # stack outputs

Secret values are stored encoded (see :func:`values.encode_for_state`); unknowns never are. The
file is replaced atomically (temporary file, ``fsync``, ``os.replace``, ``fsync`` of the
directory).

While an operation runs, each step is appended to ``<state>.journal`` as it happens (one JSON
line, written through at once, synced to the disk within half a second): a create is recorded
as pending *before* it is sent, and the resource once it is answered. After a crash (SIGKILL, OOM, a cancelled CI job) the next load
replays the journal over the snapshot it extends, so nothing done is forgotten and a create
whose answer was lost is known as pending. Writing a line costs the size of one resource, so an
operation stays linear in the number of resources; the snapshot is rewritten once, at the end.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from .values import Props, decode_from_state, encode_for_state

STATE_VERSION = 1


@dataclasses.dataclass
class ResourceState:
    """One resource as recorded after a step; values in the engine's representation."""

    urn: str
    type: str
    name: str
    custom: bool
    id: str = ""
    parent: str = ""
    inputs: Props = dataclasses.field(default_factory=dict)
    outputs: Props = dataclasses.field(default_factory=dict)
    dependencies: list[str] = dataclasses.field(default_factory=list)
    property_dependencies: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    deleted_with: str = ""
    external: bool = False
    additional_secret_outputs: list[str] = dataclasses.field(default_factory=list)

    def depends_on(self) -> set[str]:
        """Every URN this resource must outlive (the engine's dependency graph edges)."""
        edges = set(self.dependencies)
        for urns in self.property_dependencies.values():
            edges.update(urns)
        if self.parent:
            edges.add(self.parent)
        if self.deleted_with:
            edges.add(self.deleted_with)
        edges.discard(self.urn)
        return edges

    def copy(self) -> ResourceState:
        return copy.deepcopy(self)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["urn"]
        data["inputs"] = encode_for_state(self.inputs)
        data["outputs"] = encode_for_state(self.outputs)
        return data

    @classmethod
    def from_json(cls, urn: str, data: dict[str, Any]) -> ResourceState:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields and k != "urn"}
        resource = cls(urn=urn, **values)
        resource.inputs = decode_from_state(resource.inputs)
        resource.outputs = decode_from_state(resource.outputs)
        return resource


@dataclasses.dataclass
class StackState:
    project: str
    stack: str
    resources: dict[str, ResourceState] = dataclasses.field(default_factory=dict)
    pending_deletes: list[ResourceState] = dataclasses.field(default_factory=list)
    outputs: Props = dataclasses.field(default_factory=dict)
    #: Creates that were sent (or about to be) when a run ended without their answer:
    #: urn -> {"type", "name"}. The object may exist; the next create looks for it first.
    pending_creates: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    serial: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "project": self.project,
            "stack": self.stack,
            "serial": self.serial,
            "resources": {urn: r.to_json() for urn, r in self.resources.items()},
            "pending_deletes": [{"urn": r.urn, **r.to_json()} for r in self.pending_deletes],
            "pending_creates": [{"urn": u, **d} for u, d in self.pending_creates.items()],
            "outputs": encode_for_state(self.outputs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StackState:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported offline state version {data.get('version')!r}")
        return cls(
            project=data["project"],
            stack=data["stack"],
            resources={
                urn: ResourceState.from_json(urn, item) for urn, item in data["resources"].items()
            },
            pending_deletes=[
                ResourceState.from_json(item["urn"], item) for item in data["pending_deletes"]
            ],
            outputs=decode_from_state(data["outputs"]),
            pending_creates={
                item["urn"]: {"type": item.get("type", ""), "name": item.get("name", "")}
                for item in data.get("pending_creates", [])
            },
            serial=int(data.get("serial", 0)),
        )

    def apply(self, entry: dict[str, Any]) -> None:
        """One journal entry (see :class:`Journal`); each sets a value, so replaying an entry
        twice changes nothing."""
        op = entry["op"]
        if op == "pending":
            self.pending_creates[entry["urn"]] = {"type": entry["type"], "name": entry["name"]}
        elif op == "put":
            resource = ResourceState.from_json(entry["urn"], entry["resource"])
            self.resources[resource.urn] = resource
            self.pending_creates.pop(resource.urn, None)
        elif op == "drop":
            self.resources.pop(entry["urn"], None)
        elif op == "created_none":
            self.pending_creates.pop(entry["urn"], None)
        elif op == "pending_delete":
            resource = ResourceState.from_json(entry["urn"], entry["resource"])
            if not any(_same_object(r, resource) for r in self.pending_deletes):
                self.pending_deletes.append(resource)
        elif op == "deleted_pending":
            self.pending_deletes = [
                r for r in self.pending_deletes if (r.urn, r.id) != (entry["urn"], entry["id"])
            ]
        else:
            raise ValueError(f"unknown journal entry {op!r}")


def _same_object(a: ResourceState, b: ResourceState) -> bool:
    return (a.urn, a.id) == (b.urn, b.id)


def journal_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".journal")


class Journal:
    """The running operation's steps, appended to ``<state>.journal`` as they happen.

    The first line names the snapshot serial the journal extends; a journal of an older
    snapshot (the run ended after writing its snapshot, before removing its journal) is
    ignored. Each line is one ``write`` on an ``O_APPEND`` descriptor, made before the step
    goes on (a pending create before its request leaves), so a killed process loses nothing:
    the kernel has it. A crash leaves at most a torn last line, which replay skips. A thread
    syncs the file to the disk within :data:`SYNC_SECONDS` of a write, so that a crash of the
    machine loses at most that much; syncing each line before going on would put the disk's
    latency on every create's path (measured: it tripled an ``up``).
    """

    SYNC_SECONDS = 0.5

    def __init__(self, path: Path, serial: int) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._write({"journal": 1, "serial": serial})
        os.fsync(self._fd)
        _sync_directory(path.parent)
        self._syncer = threading.Thread(target=self._sync, name="journal-sync", daemon=True)
        self._syncer.start()

    def _write(self, entry: dict[str, Any]) -> None:
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            if self._fd < 0:
                return  # after close: the final snapshot holds everything
            os.write(self._fd, line)
        self._dirty.set()

    def _sync(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            self._stop.wait(self.SYNC_SECONDS)  # gather the writes of a moment into one sync
            self._dirty.clear()
            with contextlib.suppress(OSError):  # writers go on meanwhile; close() joins first
                os.fsync(self._fd)

    def pending_create(self, urn: str, type_: str, name: str) -> None:
        self._write({"op": "pending", "urn": urn, "type": type_, "name": name})

    def created_none(self, urn: str) -> None:
        """The create of ``urn`` did not happen (the provider refused it)."""
        self._write({"op": "created_none", "urn": urn})

    def put(self, resource: ResourceState) -> None:
        self._write({"op": "put", "urn": resource.urn, "resource": resource.to_json()})

    def drop(self, urn: str) -> None:
        self._write({"op": "drop", "urn": urn})

    def pending_delete(self, resource: ResourceState) -> None:
        self._write({"op": "pending_delete", "urn": resource.urn, "resource": resource.to_json()})

    def deleted_pending(self, resource: ResourceState) -> None:
        self._write({"op": "deleted_pending", "urn": resource.urn, "id": resource.id})

    def close(self) -> None:
        self._stop.set()
        self._dirty.set()
        self._syncer.join()
        with self._lock:
            fd, self._fd = self._fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)


def replay(state: StackState, path: Path) -> bool:
    """Apply the journal at ``path`` to ``state`` if it extends that snapshot; whether it did."""
    try:
        lines = path.read_bytes().split(b"\n")
    except FileNotFoundError:
        return False
    entries: list[dict[str, Any]] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            entries.append(json.loads(raw))
        except (UnicodeDecodeError, json.JSONDecodeError):
            if number == len(lines):  # no newline after it
                break  # the line a crash tore: the step it began left no record
            raise ValueError(
                f"{path}: line {number} is not a journal entry. The journal of an interrupted"
                " run is damaged; move it aside to go on from the last snapshot, then run"
                " refresh (what that run did after the damage is unknown to the state)"
            ) from None
    if not entries or entries[0].get("serial") != state.serial:
        return False
    for number, entry in enumerate(entries[1:], 2):
        try:
            state.apply(entry)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: entry {number} cannot be applied: {exc}") from None
    return True


def load_state(path: Path, project: str, stack: str) -> StackState:
    """The stored state with the journal of an interrupted run replayed over it, or an empty
    state when there is none yet."""
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        state = StackState.from_json(data)
        if (state.project, state.stack) != (project, stack):
            raise ValueError(
                f"{path} holds the state of {state.project}/{state.stack}, not {project}/{stack}"
            )
    else:
        state = StackState(project=project, stack=stack)
    replay(state, journal_path(path))
    return state


def save_state(path: Path, state: StackState) -> None:
    """Write the state atomically and durably: a reader sees the old file or the new one, never
    a mix, and once this returns a crash of the machine keeps the new one."""
    text = json.dumps(state.to_json(), indent=2) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def commit(path: Path, state: StackState) -> None:
    """Write ``state`` as the next snapshot, then retire the journal it includes."""
    state.serial += 1
    save_state(path, state)
    journal_path(path).unlink(missing_ok=True)


def _sync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` survive a crash of the machine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
