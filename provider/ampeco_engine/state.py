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

Secret values are stored encoded (see :func:`values.encode_for_state`); unknowns never are. A
file or an entry that does not have this layout is refused with :class:`StateFileError`, which
names the file and the entry, before anything is sent to the tenant. The file is replaced
atomically (temporary file, ``fsync``, ``os.replace``, ``fsync`` of the
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
import errno
import json
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .aliases import qualified_type, urn_name
from .results import EngineStartError
from .values import Props, decode_from_state, encode_for_state

STATE_VERSION = 1


class StateFileError(EngineStartError):
    """A state file or journal that cannot be read or written before the operation began:
    the message names the file, the entry and what to do. Nothing was sent to the tenant.

    No message quotes what the file holds (a damaged field may hold a secret): a field is
    named by its position and described by its JSON type (:func:`describe`)."""


class JournalWriteError(OSError):
    """A journal line could not be written: the run stops at the step that wrote it."""


class _Malformed(ValueError):
    """An entry of the layout that is not as it should be; :func:`load_state` adds the file."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what


_MEND = (
    "Mend the entry by hand or restore the file from a copy (a backup, version control);"
    " nothing was sent to the tenant"
)


_JOURNAL_FIX = (
    "The journal of an interrupted run is damaged; move it aside to go on from the last"
    " snapshot, then run refresh (what that run did after the damage is unknown to the state)"
)


def _is_serial(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


#: What each annotation of :class:`ResourceState` accepts in the file, and its name in an error.
_SHAPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "text"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "Props": (lambda v: isinstance(v, dict), "an object"),
    "list[str]": (_strings, "a list of texts"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "dict[str, list[str]]": (
        lambda v: isinstance(v, dict) and all(_strings(urns) for urns in v.values()),
        "an object of lists of texts",
    ),
}


_KINDS_OF_VALUE = {dict: "an object", list: "a list", str: "text", bool: "true or false"}


def describe(value: Any) -> str:
    """A JSON value by its type alone (``text``, ``a whole number``...): never the value,
    which may be a secret."""
    if value is None:
        return "null"
    if isinstance(value, int) and not isinstance(value, bool):
        return "a whole number" if value >= 0 else "a negative whole number"
    if isinstance(value, float):
        return "a decimal number"
    return _KINDS_OF_VALUE.get(type(value), "a value")


def sized(value: Any) -> str:
    """:func:`describe` with the length of a text, which tells a typo from a pasted token."""
    if isinstance(value, str):
        return f"text of {len(value)} character{'' if len(value) == 1 else 's'}"
    return describe(value)


def _decoded(value: Any, where: str, what: str) -> Any:
    """``value`` decoded from the file (:func:`decode_from_state`); ``what`` (``'inputs'``,
    or nothing for the stack's outputs) begins the error's text."""
    try:
        return decode_from_state(value)
    except ValueError as exc:
        raise _Malformed(where, f"{what}holds {exc}") from None
    except RecursionError:
        raise _Malformed(where, f"{what}is nested too deeply") from None


def _checked_fields(
    data: Any, where: str, fields: Mapping[str, str], required: tuple[str, ...]
) -> None:
    """Refuse ``data`` unless it is an object whose known ``fields`` (name -> annotation) hold
    what their annotation says, with every ``required`` one present."""
    if not isinstance(data, dict):
        raise _Malformed(where, f"should be an object, not {describe(data)}")
    for name in required:
        if name not in data:
            raise _Malformed(where, f"has no {name!r}")
    for name, annotation in fields.items():
        if name in data:
            accepts, expected = _SHAPES[annotation]
            if not accepts(data[name]):
                found = describe(data[name])
                if expected.startswith(found):  # the container is right, an item is not
                    found = f"{found} holding something else"
                raise _Malformed(where, f"{name!r} should be {expected}, not {found}")


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
    def from_json(cls, urn: str, data: Any, where: str) -> ResourceState:
        """The resource of a state-file entry; ``where`` names the entry in errors (by its
        position: the URN, a key of the file, is not shown)."""
        _checked_fields(data, where, _RESOURCE_FIELDS, _REQUIRED)
        values = {k: v for k, v in data.items() if k in _RESOURCE_FIELDS}
        resource = cls(urn=urn, **values)
        resource.inputs = _decoded(resource.inputs, where, "'inputs' ")
        resource.outputs = _decoded(resource.outputs, where, "'outputs' ")
        return resource


#: A resource entry's fields (all but the URN, its key) and their annotations, and the ones
#: it must have.
_RESOURCE_FIELDS = {
    f.name: str(f.type) for f in dataclasses.fields(ResourceState) if f.name != "urn"
}
_REQUIRED = tuple(
    f.name
    for f in dataclasses.fields(ResourceState)
    if f.name in _RESOURCE_FIELDS
    and f.default is dataclasses.MISSING
    and f.default_factory is dataclasses.MISSING
)


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
    def from_json(cls, data: Any) -> StackState:
        """The state of a state file's JSON; :class:`_Malformed` names what is wrong where."""
        if isinstance(data, dict) and data.get("version") != STATE_VERSION:
            version = data.get("version")
            found = sized(version) if "version" in data else "missing"
            if _is_serial(version):
                found = "another whole number"
            raise _Malformed(
                "the file",
                f"'version' should be {STATE_VERSION}, the layout this engine reads, not {found}",
            )
        _checked_fields(data, "the file", _STACK_FIELDS, ("project", "stack", "resources"))
        serial = data.get("serial", 0)
        if not _is_serial(serial):
            raise _Malformed(
                "the file", f"'serial' should be a whole number, not {describe(serial)}"
            )
        pending_deletes = []
        for number, item in enumerate(data.get("pending_deletes", [])):
            where = f"pending_deletes[{number}]"
            _checked_fields(item, where, {"urn": "str"}, ("urn",))
            pending_deletes.append(ResourceState.from_json(item["urn"], item, where))
        pending_creates = {}
        for number, item in enumerate(data.get("pending_creates", [])):
            where = f"pending_creates[{number}]"
            _checked_fields(item, where, _ENTRY_FIELDS["pending"], ("urn",))  # the same record
            pending_creates[item["urn"]] = {
                "type": item.get("type", ""),
                "name": item.get("name", ""),
            }
        outputs = _decoded(data.get("outputs", {}), "outputs", "")
        return cls(
            project=data["project"],
            stack=data["stack"],
            resources={
                urn: ResourceState.from_json(urn, item, f"resources[{number}]")
                for number, (urn, item) in enumerate(data["resources"].items())
            },
            pending_deletes=pending_deletes,
            outputs=outputs,
            pending_creates=pending_creates,
            serial=serial,
        )

    def apply(self, entry: dict[str, Any]) -> None:
        """One journal entry (see :class:`Journal`); each sets a value, so replaying an entry
        twice changes nothing."""
        if not isinstance(entry, dict):
            raise _Malformed("", f"should be an object, not {describe(entry)}")
        op = entry.get("op")
        if not isinstance(op, str) or op not in _ENTRY_FIELDS:
            found = "missing" if "op" not in entry else f"it is {sized(op)}"
            raise _Malformed("", f"'op' is not one of {', '.join(_ENTRY_FIELDS)} ({found})")
        _checked_fields(entry, "", _ENTRY_FIELDS[op], tuple(_ENTRY_FIELDS[op]))
        if op == "pending":
            self.pending_creates[entry["urn"]] = {"type": entry["type"], "name": entry["name"]}
        elif op == "put":
            resource = ResourceState.from_json(entry["urn"], entry["resource"], "resource")
            self.resources[resource.urn] = resource
            self.pending_creates.pop(resource.urn, None)
        elif op == "drop":
            self.resources.pop(entry["urn"], None)
        elif op == "created_none":
            self.pending_creates.pop(entry["urn"], None)
        elif op == "pending_delete":
            resource = ResourceState.from_json(entry["urn"], entry["resource"], "resource")
            if not any(_same_object(r, resource) for r in self.pending_deletes):
                self.pending_deletes.append(resource)
        elif op == "rename":
            rename(self.resources, self.pending_deletes, entry["from"], entry["urn"])
        else:  # deleted_pending
            self.pending_deletes = [
                r for r in self.pending_deletes if (r.urn, r.id) != (entry["urn"], entry["id"])
            ]


def rename(
    resources: dict[str, ResourceState], pending_deletes: list[ResourceState], old: str, new: str
) -> None:
    """Record the resource of URN ``old`` under ``new`` (an alias matched), in its place in
    the order, and make every reference to ``old`` (parent, dependencies, deletedWith) name
    ``new``. Nothing to move (already moved) changes nothing."""
    if old not in resources or new in resources:
        return
    moved = dict(resources)
    resources.clear()
    for urn, resource in moved.items():
        if urn == old:
            resource.urn = new
            resource.name = urn_name(new)
            resource.type = qualified_type(new).rsplit("$", 1)[-1]
            urn = new
        resources[urn] = resource

    def swap(urns: list[str]) -> list[str]:
        return [new if urn == old else urn for urn in urns]

    for resource in [*resources.values(), *pending_deletes]:
        resource.parent = new if resource.parent == old else resource.parent
        resource.deleted_with = new if resource.deleted_with == old else resource.deleted_with
        resource.dependencies = swap(resource.dependencies)
        resource.property_dependencies = {
            key: swap(urns) for key, urns in resource.property_dependencies.items()
        }


#: The top-level fields of the file, as :func:`_checked_fields` reads them.
_STACK_FIELDS = {
    "project": "str",
    "stack": "str",
    "resources": "Props",
    "outputs": "Props",
    "pending_deletes": "list",
    "pending_creates": "list",
}
#: Each journal entry's fields (all required), by its ``op``.
_ENTRY_FIELDS: dict[str, dict[str, str]] = {
    "pending": {"urn": "str", "type": "str", "name": "str"},
    "put": {"urn": "str", "resource": "Props"},
    "drop": {"urn": "str"},
    "created_none": {"urn": "str"},
    "pending_delete": {"urn": "str", "resource": "Props"},
    "deleted_pending": {"urn": "str", "id": "str"},
    "rename": {"urn": "str", "from": "str"},
}


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
        """Start the journal of a run over snapshot ``serial``; a journal that cannot be
        written raises :class:`StateFileError` (nothing was sent yet)."""
        self.path = path
        #: The first write that failed: the run stops at that step (see :meth:`_write`).
        self.error: OSError | None = None
        self._lock = threading.Lock()
        self._fd = -1
        self._dirty = threading.Event()
        self._stop = threading.Event()
        try:
            self._fd = os.open(
                path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_NOFOLLOW, 0o600
            )
            self._write({"journal": 1, "serial": serial})
            os.fsync(self._fd)
        except OSError as exc:
            if self._fd >= 0:
                os.close(self._fd)
            raise StateFileError(
                f"{path}: cannot write the journal: {reason(self.error or exc)}. Nothing was"
                " sent to the tenant; repeat the run once the disk has room (or the file can be"
                " written)"
            ) from None
        _sync_directory(path.parent)
        self._syncer = threading.Thread(target=self._sync, name="journal-sync", daemon=True)
        self._syncer.start()

    def _write(self, entry: dict[str, Any]) -> None:
        """Append one line; a write that fails raises :class:`JournalWriteError`, so the step
        that asked for it goes no further (a create is not sent), and is kept in
        :attr:`error`."""
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode("utf-8")
        with self._lock:
            if self._fd < 0:
                return  # after close: the final snapshot holds everything
            if self.error is not None:  # nothing after a torn line, which must stay last
                raise JournalWriteError(f"{self.path}: cannot write the journal")
            try:
                written = os.write(self._fd, line)
                if written != len(line):  # the disk filled up within the line
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            except OSError as exc:
                self.error = self.error or exc
                message = f"{self.path}: cannot write the journal: {reason(exc)}"
                raise JournalWriteError(message) from exc
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

    def rename(self, old: str, new: str) -> None:
        """The resource of URN ``old`` is now ``new`` (one line, so a crash keeps it whole)."""
        self._write({"op": "rename", "urn": new, "from": old})

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


class _NotJson(ValueError):
    """Bytes that are not one JSON value; the text says where, never what."""


def _parsed(raw: bytes) -> Any:
    """The JSON value of ``raw``; :class:`_NotJson` says what is wrong and where."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _NotJson(f"byte {exc.start} is not UTF-8") from None
    except json.JSONDecodeError as exc:
        text = exc.doc.rstrip()
        # The parser stopped at the end, or inside a string that never closed: the text ends
        # before its JSON does.
        if exc.pos >= len(text) or exc.msg.startswith("Unterminated string"):
            raise _NotJson(
                f"it ends early, at line {text.count(chr(10)) + 1}: it was cut short"
            ) from None
        raise _NotJson(f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise _NotJson("it is nested too deeply to be read") from None
    except ValueError:  # a number longer than Python converts (sys.int_max_str_digits)
        raise _NotJson(_too_long(raw)) from None


def _too_long(raw: bytes) -> str:
    """Where the first number too long to read stands (a run of digits between JSON's
    separators; one inside a text is read as text and raises nothing)."""
    limit = sys.get_int_max_str_digits()
    found = re.search(rb"(?<![^\s:\[,-])\d{%d,}(?![^\s,\]}.eE])" % (limit + 1), raw)
    where = ""
    if found is not None:
        line = raw.count(b"\n", 0, found.start()) + 1
        column = found.start() - (raw.rfind(b"\n", 0, found.start()) + 1) + 1
        where = f"line {line}, column {column}: "
    return f"{where}a number has more than {limit} digits, more than can be read"


def _read(path: Path, what: str, fix: str) -> bytes | None:
    """The bytes of ``path`` (``None`` when there is no such file); a file that cannot be read
    (a directory, no permission, an I/O error) raises :class:`StateFileError` naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read the {what}: {reason(exc)}. {fix}") from None


def reason(exc: OSError) -> str:
    """An operating-system error in words (``No space left on device``), without Python's
    ``[Errno 28]`` and without the file, which the caller names."""
    return exc.strerror or type(exc).__name__


_STRAY_JOURNAL = (
    "It was neither replayed nor removed. An interrupted run may have changed the tenant: check"
    " the tenant for what it did, then move the journal aside and run `ampeco-iac offline"
    " refresh` (or restore the state file it belongs to)"
)


def replay(state: StackState, path: Path, state_path: Path | None = None) -> bool:
    """Apply the journal at ``path`` to ``state`` if it extends that snapshot; whether it did.

    A journal of the snapshot before (its run wrote the snapshot, then ended before removing
    it) is ignored: the snapshot holds all of it. Any other journal belongs to another state
    (a state file restored from a copy, a journal copied beside it) and is refused, kept on
    the disk: forgetting it would forget the creates its run sent."""
    raw = _read(path, "journal", _JOURNAL_FIX)
    if raw is None:
        return False
    lines = raw.split(b"\n")
    entries: list[tuple[int, Any]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entries.append((number, _parsed(line)))
        except _NotJson:
            if number == len(lines):  # no newline after it
                break  # the line a crash tore: the step it began left no record
            raise StateFileError(
                f"{path}: line {number} is not a journal entry. {_JOURNAL_FIX}"
            ) from None
    if not entries:
        return False
    head = entries[0][1]
    if not isinstance(head, dict) or not _is_serial(head.get("serial")):
        found = "an object without a whole-number 'serial'" if isinstance(head, dict) else None
        raise StateFileError(  # what the line holds is not shown: it may hold a secret
            f"{path}: line {entries[0][0]}: should be the journal's header"
            f' ({{"journal": 1, "serial": N}}), not {found or describe(head)}. {_JOURNAL_FIX}'
        )
    if head["serial"] == state.serial - 1:
        return False  # the journal of the snapshot before, which holds everything it did
    if head["serial"] != state.serial:
        snapshot = f"the state file {state_path}" if state_path else "the state"
        raise StateFileError(
            f"{path}: this journal does not belong to {snapshot}: its header names another"
            f" snapshot than the file's 'serial'. {_STRAY_JOURNAL}"
        )
    for number, entry in entries[1:]:
        try:
            state.apply(entry)
        except _Malformed as exc:
            where = f"line {number}" + (f", {exc.where}" if exc.where else "")
            raise StateFileError(f"{path}: {where}: {exc.what}. {_JOURNAL_FIX}") from None
    return True


def read_snapshot(path: Path) -> Any:
    """The JSON of the state file at ``path``; :class:`StateFileError` if it is not JSON or
    cannot be read."""
    raw = _read(path, "state file", _MEND)
    if raw is None:
        raise StateFileError(f"{path}: there is no such state file")
    try:
        return _parsed(raw)
    except _NotJson as exc:
        raise StateFileError(f"{path}: not a state file: {exc}. {_MEND}") from None


def load_state(path: Path, project: str, stack: str) -> StackState:
    """The stored state with the journal of an interrupted run replayed over it, or an empty
    state when there is none yet. A file that is not a state raises :class:`StateFileError`."""
    if path.exists() or path.is_symlink():
        try:
            state = StackState.from_json(read_snapshot(path))
        except _Malformed as exc:
            raise StateFileError(f"{path}: {exc.where}: {exc.what}. {_MEND}") from None
        if (state.project, state.stack) != (project, stack):
            raise StateFileError(  # the file's names are not shown: the fields may be damaged
                f"{path}: holds the state of another project or stack than {project}/{stack}."
                " Choose the state file of this stack"
            )
    else:
        state = StackState(project=project, stack=stack)
    replay(state, journal_path(path), path)
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
