"""What an operation reports: steps, results and errors."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable
from typing import Any, Literal

Action = Literal["create", "update", "replace", "delete", "same", "read"]
Operation = Literal["preview", "up", "refresh", "destroy"]


@dataclasses.dataclass
class Step:
    """What the engine did (or, in a preview, would do) to one resource.

    The plan details let a printer show a step the way ``pulumi preview --diff`` does; they
    take no part in ``==`` (tests compare what happened, not every value) and stay out of the
    ``repr``. Values are plain JSON-like data, except that a secret stays wrapped in the SDK's
    secret marker (test it with :func:`ampeco_engine.values.is_secret`, so a printer
    can mask it) and a value not known yet is :data:`~ampeco_engine.UNKNOWN`. The
    dynamic provider's ``__provider`` input is left out.

    ``old_inputs``
        The recorded inputs before the step (update, replace, same, delete, refresh).
    ``inputs``
        The checked inputs after it (create, update, replace, same, refresh, read); in a
        preview, inputs that depend on unknown values are as the program gave them.
    ``id``
        The object's id after the step (for a delete: the id of the object deleted); empty in
        a preview, where nothing has happened yet.
    """

    name: str
    type: str
    urn: str
    action: Action
    changes: list[str] = dataclasses.field(default_factory=list)
    old_inputs: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    inputs: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    id: str = dataclasses.field(default="", compare=False)
    #: Something the plan should say about the step (a create an interrupted run began).
    note: str = dataclasses.field(default="", compare=False, repr=False)
    #: The URN the resource had before this run, when an alias found it under another one.
    renamed_from: str = dataclasses.field(default="", compare=False)
    #: The resources each input's value comes from (the program's property dependencies).
    dependencies: dict[str, list[str]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )
    #: A custom resource (an object of a provider), not a component that only groups others.
    custom: bool = dataclasses.field(default=True, compare=False, repr=False)

    def changed_values(self) -> dict[str, tuple[Any, Any]]:
        """``{name: (old, new)}`` for the names in ``changes`` (``None`` where absent)."""
        return {name: (self.old_inputs.get(name), self.inputs.get(name)) for name in self.changes}


@dataclasses.dataclass
class RunResult:
    """The outcome of one operation. ``outputs`` are plain values (secrets revealed); in a
    preview, values that are not known yet are :data:`ampeco_engine.UNKNOWN`."""

    operation: Operation
    steps: list[Step]
    outputs: dict[str, Any]
    #: What the user should know though nothing failed (an object an interrupted run may have
    #: left on the tenant).
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: The program ran with every resource checked and nothing applied (``up``'s first part).
    checks_only: bool = False

    def counts(self) -> dict[str, int]:
        """Steps per action, e.g. ``{"create": 2, "same": 1}``."""
        return dict(Counter(step.action for step in self.steps))

    def step(self, name: str) -> Step:
        """The one step of the resource with this logical name."""
        found = [step for step in self.steps if step.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} steps for resource {name!r}")
        return found[0]


@dataclasses.dataclass(frozen=True)
class CheckProblem:
    """One failure of one resource's check."""

    type: str
    name: str
    urn: str
    property: str
    reason: str


class EngineError(Exception):
    """Every error the offline engine reports on purpose; anything else is a bug and surfaces
    as one (``ampeco-iac offline`` never turns a stray ``ValueError`` into a usage error)."""


class EngineStartError(EngineError):
    """The operation could not start: a state file or journal that cannot be read, a held
    lock, a provider that is not the installed one. Nothing was sent to the tenant; the
    message names the file and what to do (``ampeco-iac offline`` exits 2)."""


class ProjectFileError(EngineStartError):
    """``Pulumi.yaml`` or ``Pulumi.<stack>.yaml`` is not one the Pulumi CLI would accept (or
    holds what only the CLI can decrypt); the message names the file and the entry."""


class OfflineEngineError(EngineError):
    """An operation failed: a provider call, a check, a protected delete or the program itself.

    ``name``/``type``/``urn`` identify the resource (empty for program errors),
    ``provider_message`` is the provider's exception line, ``details`` the full text (a
    traceback), ``failures`` the ``(property, reason)`` pairs of a failed check and ``result``
    the steps that did complete. ``checks`` lists every check failure of every resource when
    the checks ran for the whole program before anything was applied.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        urn: str = "",
        name: str = "",
        type: str = "",
        provider_message: str = "",
        details: str = "",
        failures: Iterable[tuple[str, str]] = (),
        checks: Iterable[CheckProblem] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.urn = urn
        self.name = name
        self.type = type
        self.provider_message = provider_message
        self.details = details
        self.failures = list(failures)
        self.checks = list(checks)
        self.result: RunResult | None = None
