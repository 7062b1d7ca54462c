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
    """What the engine did (or, in a preview, would do) to one resource."""

    name: str
    type: str
    urn: str
    action: Action
    changes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class RunResult:
    """The outcome of one operation. ``outputs`` are plain values (secrets revealed); in a
    preview, values that are not known yet are :data:`pulumi_ampeco.testing.UNKNOWN`."""

    operation: Operation
    steps: list[Step]
    outputs: dict[str, Any]

    def counts(self) -> dict[str, int]:
        """Steps per action, e.g. ``{"create": 2, "same": 1}``."""
        return dict(Counter(step.action for step in self.steps))

    def step(self, name: str) -> Step:
        """The one step of the resource with this logical name."""
        found = [step for step in self.steps if step.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} steps for resource {name!r}")
        return found[0]


class OfflineEngineError(Exception):
    """An operation failed: a provider call, a check, a protected delete or the program itself.

    ``name``/``type``/``urn`` identify the resource (empty for program errors),
    ``provider_message`` is the provider's exception line, ``details`` the full text (a
    traceback), ``failures`` the ``(property, reason)`` pairs of a failed check and ``result``
    the steps that did complete.
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
        self.result: RunResult | None = None
