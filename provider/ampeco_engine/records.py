"""The bookkeeping of one operation: the resources as they stand, the steps taken, failures,
the journal, and the checkpoint the operation ends with (:class:`Records`, the base of
:class:`~ampeco_engine.engine.Deployment`)."""

from __future__ import annotations

import dataclasses
import heapq
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

from .aliases import AliasResolver, create_urn
from .protocol import PROVIDER_KEY, UNSERVED
from .results import Action, CheckProblem, OfflineEngineError, Operation, RunResult, Step
from .state import Journal, ResourceState, StackState
from .transport import ProviderCallError, Transport
from .values import (
    Props,
    to_display,
    to_plain,
)


class _StepFailed(Exception):
    """Raised into the SDK when a step fails, which makes the program fail like under the CLI."""


class _Kept(Exception):
    """A create that made its object and still failed (``ErrorResourceInitFailed``): the state
    keeps ``state`` and the step fails with ``error``, as under the Pulumi CLI."""

    def __init__(self, state: ResourceState, error: ProviderCallError) -> None:
        super().__init__(error.message)
        self.state = state
        self.error = error


@dataclasses.dataclass
class _Goal:
    """A registration request in engine terms."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: Props
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    protect: bool
    retain_on_delete: bool
    deleted_with: str
    delete_before_replace: bool | None
    ignore_changes: list[str]
    replace_on_changes: list[str]
    additional_secret_outputs: list[str]
    import_id: str
    #: The aliases the program gave (``alias_pb2.Alias``: a URN or a spec).
    aliases: list[Any] = dataclasses.field(default_factory=list)

    def state(self, id_: str, inputs: Props, outputs: Props) -> ResourceState:
        return ResourceState(
            urn=self.urn,
            type=self.type,
            name=self.name,
            custom=self.custom,
            id=id_,
            parent=self.parent,
            inputs=inputs,
            outputs=outputs,
            dependencies=self.dependencies,
            property_dependencies=self.property_dependencies,
            protect=self.protect,
            retain_on_delete=self.retain_on_delete,
            deleted_with=self.deleted_with,
            additional_secret_outputs=self.additional_secret_outputs,
        )


class Records:
    """Engine state for one operation over one stack state."""

    def __init__(
        self,
        *,
        operation: Operation,
        state: StackState,
        transport: Transport,
        config: Mapping[str, str],
        secret_keys: Iterable[str],
        journal: Journal | None = None,
        checks_only: bool = False,
        on_step: Callable[[Step], None] | None = None,
        on_start: Callable[[str, str], None] | None = None,
        stored_providers: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
    ) -> None:
        self.operation: Operation = operation
        #: Run the program and every Check, but neither Diff nor any write: what ``up`` does
        #: first, so that nothing is written when any resource fails its check.
        self.checks_only = checks_only
        self.dry_run = operation == "preview" or checks_only
        self._journal = journal
        self._on_step = on_step
        self._on_start = on_start
        self.pending_creates = dict(state.pending_creates)
        self._serial = state.serial
        self.check_problems: list[CheckProblem] = []
        self.warnings: list[str] = []
        self.project = state.project
        self.stack = state.stack
        self._old = {urn: r.copy() for urn, r in state.resources.items()}
        self._old_outputs = dict(state.outputs)
        self._transport = transport
        self._config = dict(config)
        self._secret_keys = set(secret_keys)
        self._accept_secrets = False
        self._configured = False
        self._configure_lock = threading.Lock()
        self._lock = threading.Lock()
        self.current: dict[str, ResourceState] = {u: r.copy() for u, r in state.resources.items()}
        self.pending_deletes = [r.copy() for r in state.pending_deletes]
        self._registered: set[str] = set()
        self._order: list[str] = []
        self._replaced: list[ResourceState] = []
        self.steps: list[Step] = []
        self.failure: OfflineEngineError | None = None
        #: How the program ended early (``sys.exit(0)``), when that is this run's failure.
        self.exited = ""
        self.stack_urn = ""
        self.stack_outputs: Props | None = None
        self._aliases = AliasResolver(self.project, self.stack)
        #: The ``__provider`` the program sent for each type this run (its own providers serve
        #: the state's resources of types no installed provider serves).
        self._program_providers: dict[str, Any] = {}
        #: What the state stored where :data:`UNSERVED` stands, by ``(urn, id)``: written back
        #: for the resources no step touched, so the state loses nothing.
        self._stored_providers = dict(stored_providers or {})

    # --- bookkeeping ---------------------------------------------------------------------

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return create_urn(name, type_, parent, self.project, self.stack)

    def _record(self, step: Step, state: ResourceState | None) -> None:
        with self._lock:
            self.steps.append(step)
            if state is not None:
                self.current[step.urn] = state
                self._order.append(step.urn)
                if not self.dry_run and step.action in ("create", "replace"):
                    self.pending_creates.pop(step.urn, None)
        if state is not None and self._journal is not None and step.action != "same":
            self._journal.put(state)
        self._finished(step)

    def _finished(self, step: Step) -> None:
        if self._on_step is not None:
            self._on_step(step)

    def _started(self, subject: _Goal | ResourceState) -> None:
        if self._on_start is not None:
            self._on_start(subject.type, subject.name)

    def _forget(self, urn: str) -> None:
        """Remove a resource from the state (deleted, or a read no longer declared)."""
        with self._lock:
            self.current.pop(urn, None)
        if self._journal is not None:
            self._journal.drop(urn)

    def _step(
        self,
        subject: _Goal | ResourceState,
        action: Action,
        changes: Iterable[str] = (),
        *,
        old: Props | None = None,
        new: Props | None = None,
        id_: str = "",
    ) -> Step:
        """A step with its plan details (values for display; no id in a preview)."""
        return Step(
            subject.name,
            subject.type,
            subject.urn,
            action,
            list(changes),
            old_inputs=_shown(old),
            inputs=_shown(new),
            id="" if self.dry_run else id_,
            renamed_from=self._aliases.renamed.get(subject.urn, ""),
            custom=subject.custom,
        )

    def _fail(
        self,
        goal: _Goal | ResourceState,
        message: str,
        *,
        provider_message: str = "",
        details: str = "",
        failures: Iterable[tuple[str, str]] = (),
    ) -> NoReturn:
        error = self._error(
            goal,
            message,
            provider_message=provider_message,
            details=details,
            failures=failures,
        )
        with self._lock:
            if self.failure is None:
                self.failure = error
        raise _StepFailed(str(error))

    def _error(
        self, subject: _Goal | ResourceState | CheckProblem, message: str, **details: Any
    ) -> OfflineEngineError:
        """This operation's failure at one resource, ``message`` saying why."""
        return OfflineEngineError(
            f"{self.operation} failed: {subject.type} resource {subject.name!r}: {message}",
            operation=self.operation,
            urn=subject.urn,
            name=subject.name,
            type=subject.type,
            **details,
        )

    def cancel(self, reason: str) -> None:
        """Start no new step (those running finish and are recorded), as the engine does on
        Ctrl+C: the operation then ends as failed with ``reason``."""
        with self._lock:
            if self.failure is None:
                self.failure = OfflineEngineError(
                    f"{self.operation} failed: {reason}", operation=self.operation
                )

    def program_exited(self, how: str) -> None:
        """The program ended the process (``how``: ``sys.exit(0)``) before the engine was done:
        the run failed, whatever the exit status (see :meth:`exit_error`)."""
        with self._lock:
            if self.failure is None:
                self.exited = how
                self.failure = OfflineEngineError(
                    f"{self.operation} failed: the program exited", operation=self.operation
                )

    def exit_error(self, steps: list[Step]) -> OfflineEngineError:
        """The failure of a program that exited early, saying what was applied before."""
        head = (
            f"{self.operation} failed: the program exited before it finished declaring its"
            f" resources ({self.exited})"
        )
        applied = [] if self.dry_run else [s for s in steps if s.action not in ("same", "read")]
        if not applied:
            return OfflineEngineError(f"{head}: nothing was applied", operation=self.operation)
        done = ", ".join(f"{n} {a}" for a, n in Counter(s.action for s in applied).items())
        return OfflineEngineError(
            f"{head}: {len(applied)} step{'s' if len(applied) > 1 else ''} had been applied"
            f" ({done}); the state records them",
            operation=self.operation,
        )

    def fail_program(self, error: BaseException, details: str, *, internal: bool = False) -> None:
        """Record an error raised by the program (unless a step failure caused it) or, with
        ``internal``, a bug in this emulation."""
        culprit = "the offline engine itself" if internal else "the program"
        with self._lock:
            if self.failure is None:
                self.failure = OfflineEngineError(
                    f"{self.operation} failed: {culprit} raised {type(error).__name__}: {error}",
                    operation=self.operation,
                    details=details,
                )

    # --- providers a state stores but nothing installed serves ---------------------------

    def provided(self, resource: ResourceState, value: Any = None) -> bool:
        """Give ``resource`` the provider the program sent (``value``: the one it sent for this
        very resource; else one it sent for the type) if the state's could not be served
        (:data:`UNSERVED`); whether it has one."""
        holders = [p for p in (resource.inputs, resource.outputs) if PROVIDER_KEY in p]
        if not any(to_plain(h[PROVIDER_KEY]) == UNSERVED for h in holders):
            return True
        if value is None:
            with self._lock:
                value = self._program_providers.get(resource.type)
        if value is None:
            return False
        for holder in holders:
            holder[PROVIDER_KEY] = value
        return True

    def _restore_stored(self, resource: ResourceState) -> None:
        """Put back what the state stored where :data:`UNSERVED` still stands."""
        stored = self._stored_providers.get((resource.urn, resource.id))
        for side, holder in (("inputs", resource.inputs), ("outputs", resource.outputs)):
            if stored and side in stored and to_plain(holder.get(PROVIDER_KEY)) == UNSERVED:
                holder[PROVIDER_KEY] = stored[side]

    def _unprovided(self, resource: ResourceState) -> None:
        self._fail(
            resource,
            "no installed provider serves this type, and the program declares no resource of"
            " it any more, so nothing here can delete its object (a provider stored in the"
            " state is run only with --trust-stored-providers): declare a resource of that"
            " type again for this run, or give that option if you trust the state file",
        )

    # --- results -------------------------------------------------------------------------

    def final_state(self, *, program_succeeded: bool) -> StackState:
        """The checkpoint after this operation: resources in registration order, then the old
        ones this run did not touch; replaced objects not yet deleted stay pending."""
        with self._lock:
            resources = {u: self.current[u] for u in self._order if u in self.current}
            for urn, resource in self.current.items():
                resources.setdefault(urn, resource)
            for resource in [*resources.values(), *self.pending_deletes, *self._replaced]:
                self._restore_stored(resource)
            if self.operation == "destroy" or (
                program_succeeded and self.stack_outputs is not None
            ):
                outputs = dict(self.stack_outputs or {})
            else:
                outputs = dict(self._old_outputs)
            return StackState(
                project=self.project,
                stack=self.stack,
                resources=resources,
                pending_deletes=[*self.pending_deletes, *self._replaced],
                outputs=outputs,
                pending_creates=dict(self.pending_creates),
                serial=self._serial,
            )

    def result(self, *, program_succeeded: bool) -> RunResult:
        if self.dry_run and self.stack_outputs is not None:
            outputs: Props = self.stack_outputs
        else:
            outputs = self.final_state(program_succeeded=program_succeeded).outputs
        with self._lock:
            steps = list(self.steps)
        return RunResult(
            self.operation, steps, to_plain(outputs), list(self.warnings), self.checks_only
        )


def dependents_first(resources: list[ResourceState]) -> list[ResourceState]:
    """Deletion order: a resource goes only when nothing left in the set depends on it (via
    dependencies, property dependencies, parent or deletedWith); ties break in reverse
    registration order, and a cycle is broken at its last-registered member. The URNs are
    unique (the callers take the resources from the state, keyed by URN).

    Linear in resources and edges: each resource counts the ones left that depend on it, and
    the free ones wait in a heap by position, the last registered first."""
    position = {r.urn: i for i, r in enumerate(resources)}
    needs = [
        {position[u] for u in r.depends_on() if u in position} - {i}
        for i, r in enumerate(resources)
    ]
    dependents = [0] * len(resources)
    for edges in needs:
        for needed in edges:
            dependents[needed] += 1
    free = [-i for i, count in enumerate(dependents) if count == 0]
    heapq.heapify(free)
    gone = [False] * len(resources)
    last = len(resources) - 1  # no resource after it is left
    ordered: list[ResourceState] = []
    while len(ordered) < len(resources):
        if free:
            pick = -heapq.heappop(free)
            if gone[pick]:
                continue
        else:  # a cycle: the last one left goes first
            while gone[last]:
                last -= 1
            pick = last
        gone[pick] = True
        ordered.append(resources[pick])
        for needed in needs[pick]:
            dependents[needed] -= 1
            if dependents[needed] == 0 and not gone[needed]:
                heapq.heappush(free, -needed)
    return ordered


def _shown(props: Props | None) -> dict[str, Any]:
    """Inputs as a step shows them: display values, without the provider's own entry."""
    if props is None:
        return {}
    return {k: to_display(v) for k, v in props.items() if k != PROVIDER_KEY}


def _remove_identical(items: list[ResourceState], item: ResourceState) -> bool:
    for index, candidate in enumerate(items):
        if candidate is item:
            del items[index]
            return True
    return False
