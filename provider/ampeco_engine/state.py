"""The offline engine's checkpoint: a JSON file that plays the role of the stack's state.

Layout (``version`` 1)::

    {"version": 1, "project": ..., "stack": ...,
     "resources": {urn: {type, name, custom, external, id, parent, inputs, outputs,
                         dependencies, property_dependencies, protect, retain_on_delete,
                         deleted_with, additional_secret_outputs}, ...},   # registration order
     "pending_deletes": [resource, ...],   # replaced objects whose delete has not succeeded yet
     "outputs": {...}}                     # stack outputs

Secret values are stored encoded (see :func:`values.encode_for_state`); unknowns never are. The
file is replaced atomically (temporary file + ``os.replace``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import tempfile
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

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "project": self.project,
            "stack": self.stack,
            "resources": {urn: r.to_json() for urn, r in self.resources.items()},
            "pending_deletes": [{"urn": r.urn, **r.to_json()} for r in self.pending_deletes],
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
        )


def load_state(path: Path, project: str, stack: str) -> StackState:
    """The stored state, or an empty one when the file does not exist yet."""
    if not path.exists():
        return StackState(project=project, stack=stack)
    data = json.loads(path.read_text(encoding="utf-8"))
    state = StackState.from_json(data)
    if (state.project, state.stack) != (project, stack):
        raise ValueError(
            f"{path} holds the state of {state.project}/{state.stack}, not {project}/{stack}"
        )
    return state


def save_state(path: Path, state: StackState) -> None:
    """Write the state atomically: a reader sees the old file or the new one, never a mix."""
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
