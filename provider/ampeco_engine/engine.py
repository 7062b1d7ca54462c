"""The engine emulation: a resource monitor that turns registrations into provider calls.

One :class:`Deployment` exists per operation. The SDK calls the monitor from its worker threads,
concurrently; the deployment guards its bookkeeping with a lock but never holds it across a
provider call, so independent resources proceed in parallel as with the real engine.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import heapq
import secrets
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn, TypeVar

from google.protobuf import empty_pb2, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import alias_pb2, provider_pb2, resource_pb2

from .aliases import AliasError, AliasResolver, create_urn
from .results import Action, CheckProblem, OfflineEngineError, Operation, RunResult, Step
from .state import Journal, ResourceState, StackState, rename
from .transport import ProviderCallError, RequestT, Transport, TransportError
from .values import (
    Props,
    annotate_secrets,
    changed_keys,
    changed_paths,
    from_struct,
    make_secret,
    parse_path,
    path_contains,
    reset_path,
    reveal_props,
    to_display,
    to_plain,
    to_struct,
)

PROVIDER_KEY = "__provider"
UNSERVED = "not-served-by-an-installed-provider"
"""Put in place of a stored ``__provider`` no installed provider serves (one of a program's own
dynamic providers). Not a pickle: a provider server given it fails to load it and runs
nothing. The engine replaces it with the value the program itself sends for that type, or
refuses the step (:meth:`Deployment.provided`)."""
UNCERTAIN_CREATE_ERRORS = frozenset({"AmbiguousCreateError", "DuplicateObjectsError"})
"""Class names of the provider exceptions after which a create may have happened all the same:
the create stays pending. After any other error the provider gave, nothing was created. They
are pulumi-ampeco's (``pulumi_ampeco.errors``; a test holds the two in step), named here
because the engine imports no provider package."""
RESUME_KEY = "__pendingCreate"
"""Added to the properties of a create that an earlier, interrupted run may already have made:
``{"taken": [ids of this type the state holds]}``. A provider that knows how to find its
objects takes that one over instead of making a second; others ignore it."""
_R = TypeVar("_R")
STACK_TYPE = "pulumi:pulumi:Stack"


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


class Deployment:
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
        #: Old URNs a resource of this run was found under (an alias): not deleted.
        self._renamed_from: set[str] = set()

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

    # --- provider calls ------------------------------------------------------------------

    def _configure(self) -> None:
        with self._configure_lock:
            if self._configured:
                return
            args = {
                key: make_secret(value) if key in self._secret_keys else value
                for key, value in self._config.items()
            }
            request = provider_pb2.ConfigureRequest(
                args=to_struct(args),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
            )
            response = self._transport.call("Configure", request)
            self._accept_secrets = bool(response.acceptSecrets)
            self._configured = True

    def _wire(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        """Props as the engine sends them to this provider (secrets stripped unless accepted)."""
        return to_struct(props if self._accept_secrets else reveal_props(props))

    def _change_request(
        self, message: Callable[..., RequestT], goal: _Goal, old: ResourceState, checked: Props
    ) -> RequestT:
        """A Diff or Update request: the two carry the same fields."""
        return message(
            id=old.id,
            urn=goal.urn,
            olds=self._wire(old.outputs),
            news=self._wire(checked),
            ignoreChanges=goal.ignore_changes,
            old_inputs=self._wire(old.inputs),
            name=goal.name,
            type=goal.type,
        )

    def _call(self, goal: _Goal | ResourceState, method: str, request: RequestT) -> Any:
        with self._step_errors(goal, method):
            return self._transport.call(method, request)

    def _call_keeping(self, goal: _Goal, method: str, request: RequestT) -> Any:
        """:meth:`_call`, except that a failure that kept its object is raised as it is."""
        try:
            return self._transport.call(method, request)
        except ProviderCallError as error:
            if error.kept is not None:
                raise
            with self._step_errors(goal, method):
                raise

    def _failed_but_kept(self, goal: _Goal, action: str, error: ProviderCallError) -> NoReturn:
        """Fail the step of an object the state now holds (recorded before this)."""
        reasons = list(error.kept.reasons) if error.kept is not None else []
        self._fail(
            goal,
            f"{action} failed: {'; '.join(reasons) or error.message} (the object is kept in the"
            " state, and the next up looks at it again)",
            provider_message=error.message,
            details=error.details,
        )

    def _ready(self, goal: _Goal | ResourceState) -> None:
        """Start and configure the provider before the first request is built (the requests
        depend on whether it accepts secrets)."""
        with self._step_errors(goal, "Configure"):
            self._configure()

    @contextlib.contextmanager
    def _step_errors(self, goal: _Goal | ResourceState, method: str) -> Iterator[None]:
        try:
            yield
        except ProviderCallError as error:
            self._fail(
                goal,
                f"{method.lower()} failed: {error.message}",
                provider_message=error.message,
                details=error.details,
            )
        except TransportError as error:
            self._fail(goal, str(error), details=str(error))

    def _check(self, goal: _Goal, olds: Props, news: Props) -> Props | None:
        """The checked inputs; in a dry run, ``None`` when the check fails (the failure is
        kept and the run goes on, so that every failing resource is reported at once)."""
        request = provider_pb2.CheckRequest(
            urn=goal.urn,
            olds=self._wire(olds),
            news=self._wire(news),
            randomSeed=secrets.token_bytes(32),
            name=goal.name,
            type=goal.type,
        )
        response = self._call(goal, "Check", request)
        failures = [(f.property, f.reason) for f in response.failures]
        if failures and self.dry_run:
            with self._lock:
                self.check_problems.extend(
                    CheckProblem(goal.type, goal.name, goal.urn, prop, reason)
                    for prop, reason in failures
                )
            return None
        if failures:
            self._fail(goal, _check_failed(failures), failures=failures)
        return annotate_secrets(from_struct(response.inputs), news, [])

    def close_checks(self) -> None:
        """After the program: the failure that the checks kept back, naming every resource
        (one failing resource reads as it would have alone)."""
        with self._lock:
            problems = list(self.check_problems)
            if not problems or self.failure is not None:
                return
            urns = list(dict.fromkeys(p.urn for p in problems))
            failures = [(p.property, p.reason) for p in problems]
            first = problems[0]
            if len(urns) == 1:
                self.failure = self._error(
                    first, _check_failed(failures), failures=failures, checks=problems
                )
            else:
                self.failure = OfflineEngineError(
                    f"{self.operation} failed: {len(urns)} resources failed their checks",
                    operation=self.operation,
                    checks=problems,
                )

    def _create(self, goal: _Goal, inputs: Props) -> tuple[str, Props]:
        properties = inputs
        with self._lock:
            resumed = goal.urn in self.pending_creates
            self.pending_creates[goal.urn] = {"type": goal.type, "name": goal.name}
            if resumed:
                taken = sorted(
                    {r.id for r in self.current.values() if r.type == goal.type and r.id}
                    | {r.id for r in self.pending_deletes if r.type == goal.type and r.id}
                )
                properties = {**inputs, RESUME_KEY: {"taken": taken}}
        if self._journal is not None:  # on the disk before the request leaves
            self._journal.pending_create(goal.urn, goal.type, goal.name)
        request = provider_pb2.CreateRequest(
            urn=goal.urn, properties=self._wire(properties), name=goal.name, type=goal.type
        )
        try:
            response = self._transport.call("Create", request)
        except ProviderCallError as error:
            if error.kept is not None and error.kept.id:
                outputs = from_struct(error.kept.properties)
                secret = annotate_secrets(outputs, inputs, goal.additional_secret_outputs)
                raise _Kept(goal.state(error.kept.id, inputs, secret), error) from None
            if error.exception_type not in UNCERTAIN_CREATE_ERRORS:
                self._settled(goal.urn)  # the provider refused it: nothing was created
            with self._step_errors(goal, "Create"):
                raise
        except TransportError:
            with self._step_errors(goal, "Create"):
                raise  # the provider process is gone: the create may have happened
        if not response.id:
            self._fail(goal, "create failed: the provider returned an empty id")
        outputs = from_struct(response.properties)
        return response.id, annotate_secrets(outputs, inputs, goal.additional_secret_outputs)

    def _settled(self, urn: str) -> None:
        """The create of ``urn`` is known not to have happened: no longer pending."""
        with self._lock:
            self.pending_creates.pop(urn, None)
        if self._journal is not None:
            self._journal.created_none(urn)

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

    def _delete_call(self, resource: ResourceState) -> None:
        if not self.provided(resource):
            self._unprovided(resource)
        self._ready(resource)
        request = provider_pb2.DeleteRequest(
            id=resource.id,
            urn=resource.urn,
            properties=self._wire(resource.outputs),
            old_inputs=self._wire(resource.inputs),
            name=resource.name,
            type=resource.type,
        )
        self._call(resource, "Delete", request)

    # --- RegisterResource ----------------------------------------------------------------

    def _goal(self, request: Any) -> _Goal:
        return _Goal(
            urn=self.make_urn(request.parent, request.type, request.name),
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            inputs=from_struct(request.object),
            dependencies=list(dict.fromkeys(request.dependencies)),
            property_dependencies={
                key: list(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            deleted_with=request.deletedWith,
            delete_before_replace=(
                bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None
            ),
            ignore_changes=list(request.ignoreChanges),
            replace_on_changes=list(request.replaceOnChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            import_id=request.importId,
            aliases=[
                *request.aliases,
                *(alias_pb2.Alias(urn=urn) for urn in request.aliasURNs),
            ],
        )

    def _reserve(self, goal: _Goal) -> ResourceState | None:
        with self._lock:
            if self.failure is not None:
                raise _StepFailed("the deployment was cancelled after an earlier failure")
            if goal.urn in self._registered:
                raise _StepFailed(
                    f"Duplicate resource URN '{goal.urn}'; try giving it a unique name"
                )
            old = self.current.get(goal.urn)
            candidates = (
                []
                if old is not None
                else self._aliases.candidates(goal.name, goal.type, goal.parent, goal.aliases)
            )
            try:
                was = self._aliases.match(goal.urn, candidates, self._old, self._registered)
            except AliasError as error:
                raise _StepFailed(str(error)) from None
            self._registered.add(goal.urn)
            if was is not None:
                self._renamed_from.add(was)
                rename(self.current, self.pending_deletes, was, goal.urn)
                if self._journal is not None and not self.dry_run:
                    self._journal.rename(was, goal.urn)
                old = self.current.get(goal.urn)
            return old.copy() if old is not None else None

    def register_resource(self, request: Any) -> resource_pb2.RegisterResourceResponse:
        if request.type == STACK_TYPE and not request.parent:
            self.stack_urn = self.make_urn("", request.type, request.name)
            return resource_pb2.RegisterResourceResponse(urn=self.stack_urn)
        goal = self._goal(request)
        if goal.custom and PROVIDER_KEY in goal.inputs:
            with self._lock:
                self._program_providers.setdefault(goal.type, goal.inputs[PROVIDER_KEY])
        old = self._reserve(goal)
        if not goal.custom:
            state = self._component(goal, old)
        else:
            if PROVIDER_KEY not in goal.inputs:
                self._fail(
                    goal,
                    "the offline engine only runs Python dynamic providers "
                    "(resources of pulumi.dynamic.Resource subclasses)",
                )
            state = self._custom(goal, old)
        return resource_pb2.RegisterResourceResponse(
            urn=goal.urn, id=state.id, object=to_struct(state.outputs)
        )

    def _unmatched_aliases(self, goal: _Goal) -> None:
        """A resource created though it has aliases: none named a resource of the stack (a
        rename already applied, or a typo), which the plan should say."""
        if goal.aliases:
            with self._lock:
                self.warnings.append(
                    f"{short(goal.type)} {goal.name!r} has aliases (its old names), but none"
                    " names a resource of this stack: it is created, not renamed"
                )

    def _component(self, goal: _Goal, old: ResourceState | None) -> ResourceState:
        state = goal.state("", goal.inputs, goal.inputs if old is None else old.outputs)
        if old is None:
            self._unmatched_aliases(goal)
            step = self._step(goal, "create", new=goal.inputs)
        else:
            changes = changed_keys(old.inputs, goal.inputs)
            action: Action = "update" if changes else "same"
            step = self._step(goal, action, changes, old=old.inputs, new=goal.inputs)
        self._record(step, state)
        return state

    def _custom(self, goal: _Goal, old: ResourceState | None) -> ResourceState:
        self._started(goal)
        self._ready(goal)
        if old is not None:  # its provider, if the state's is not served: the program's own
            self.provided(old, goal.inputs[PROVIDER_KEY])
        if goal.import_id and (old is None or old.id != goal.import_id):
            self._import(goal)
        news = goal.inputs
        if old is not None and goal.ignore_changes:
            news = self._ignore_changes(goal, news, old.inputs)
        checked = self._check(goal, old.inputs if old is not None else {}, news)
        if checked is None:  # failed; kept for the report. The program goes on, the values
            # of this resource unknown (its own would not have the types the SDK expects).
            return goal.state(old.id if old else "", news, old.outputs if old else {})

        if old is None:
            self._unmatched_aliases(goal)
            resumed = goal.urn in self.pending_creates
            kept: _Kept | None = None
            if self.dry_run:
                state = goal.state("", checked, checked)
            else:
                try:
                    id_, outputs = self._create(goal, checked)
                    state = goal.state(id_, checked, outputs)
                except _Kept as error:
                    kept, state = error, error.state
            step = self._step(goal, "create", new=checked, id_=state.id)
            if resumed:
                step.note = "an interrupted run may have made it: it is looked for before creating"
            self._record(step, state)
            if kept is not None:
                self._failed_but_kept(goal, "create", kept.error)
            return state
        if self.checks_only:
            state = goal.state(old.id, checked, {**old.outputs, **checked})
            self._record(self._step(goal, "same", old=old.inputs, new=checked, id_=old.id), state)
            return state

        request = self._change_request(provider_pb2.DiffRequest, goal, old, checked)
        diff = self._call(goal, "Diff", request)
        replace_keys = list(diff.replaces)
        if diff.changes == provider_pb2.DiffResponse.DIFF_UNKNOWN:
            # The engine decides from the inputs (including __provider), after ignoreChanges.
            compared = self._ignore_changes(goal, checked, old.inputs)
            paths = changed_paths(old.inputs, compared)
            has_changes = bool(paths)
            changed = {str(path[0]) for path in paths}
        else:
            paths = []  # the dynamic provider reports no changed keys, only a verdict
            has_changes = diff.changes == provider_pb2.DiffResponse.DIFF_SOME
            changed = set(changed_keys(old.inputs, checked))
        changes = sorted(changed | set(replace_keys))

        if has_changes:
            patterns = [parse_path(p) for p in goal.replace_on_changes]
            for path in paths:
                if any(path_contains(pattern, path) for pattern in patterns):
                    replace_keys.append(str(path[0]))
        if has_changes and replace_keys:
            return self._replace(goal, old, bool(diff.deleteBeforeReplace), changes)
        if has_changes:
            failed: ProviderCallError | None = None
            if self.dry_run:
                state = goal.state(old.id, checked, checked)
            else:
                update = self._change_request(provider_pb2.UpdateRequest, goal, old, checked)
                try:
                    properties = self._call_keeping(goal, "Update", update).properties
                except ProviderCallError as error:  # the update was made; its object kept
                    assert error.kept is not None
                    failed, properties = error, error.kept.properties
                outputs = annotate_secrets(
                    from_struct(properties), checked, goal.additional_secret_outputs
                )
                state = goal.state(old.id, checked, outputs)
            step = self._step(goal, "update", changes, old=old.inputs, new=checked, id_=old.id)
            self._record(step, state)
            if failed is not None:
                self._failed_but_kept(goal, "update", failed)
            return state

        state = goal.state(old.id, checked, old.outputs)
        self._record(self._step(goal, "same", old=old.inputs, new=checked, id_=old.id), state)
        return state

    def _replace(
        self, goal: _Goal, old: ResourceState, provider_dbr: bool, changes: list[str]
    ) -> ResourceState:
        if old.protect and goal.protect:
            self._fail(
                goal,
                f"unable to replace resource {goal.urn!r} as it is currently marked for "
                "protection. To unprotect the resource, remove the `protect` flag from the "
                "resource in your Pulumi program and run `pulumi up`",
            )
        checked = self._check(goal, {}, goal.inputs)
        if checked is None:
            return goal.state(old.id, goal.inputs, old.outputs)
        delete_first = (
            goal.delete_before_replace if goal.delete_before_replace is not None else provider_dbr
        )
        kept: _Kept | None = None
        if self.dry_run:
            state = goal.state("", checked, checked)
        else:
            if delete_first:
                if not old.retain_on_delete:
                    self._delete_call(old)
                self._forget(goal.urn)
            try:
                id_, outputs = self._create(goal, checked)
                state = goal.state(id_, checked, outputs)
            except _Kept as error:
                kept, state = error, error.state
            except _StepFailed:
                if delete_first:  # the report must say that the original is gone
                    self._record(self._step(old, "delete", old=old.inputs, id_=old.id), None)
                raise
            if not delete_first:
                with self._lock:
                    self._replaced.append(old)
                if self._journal is not None:
                    self._journal.pending_delete(old)
        step = self._step(goal, "replace", changes, old=old.inputs, new=checked, id_=state.id)
        self._record(step, state)
        if kept is not None:
            self._failed_but_kept(goal, "create", kept.error)
        return state

    def _ignore_changes(self, goal: _Goal, news: Props, olds: Props) -> Props:
        result = copy.deepcopy(news)
        invalid = []
        for text in goal.ignore_changes:
            try:
                ok = reset_path(parse_path(text), olds, result)
            except ValueError:
                continue
            if not ok:
                invalid.append(text)
        if invalid:
            self._fail(
                goal,
                "cannot ignore changes to the following properties because one or more "
                f"elements of the path are missing: {', '.join(map(repr, invalid))}",
            )
        return result

    def _import(self, goal: _Goal) -> None:
        # The engine's import step reads with no properties and no inputs; the dynamic provider
        # server then cannot find __provider, so the step fails.
        request = provider_pb2.ReadRequest(
            id=goal.import_id, urn=goal.urn, name=goal.name, type=goal.type
        )
        self._call(goal, "Read", request)
        self._fail(goal, "import is not emulated for resources whose provider can read them")

    # --- ReadResource (get) --------------------------------------------------------------

    def read_resource(self, request: Any) -> resource_pb2.ReadResourceResponse:
        goal = self._goal_for_read(request)
        old = self._reserve(goal)
        if PROVIDER_KEY not in goal.inputs:
            self._fail(goal, "the offline engine only reads Python dynamic resources")
        self._ready(goal)
        if request.id == rpc.UNKNOWN:
            self._record(self._step(goal, "read", new=goal.inputs), None)
            return resource_pb2.ReadResourceResponse(urn=goal.urn)
        read = provider_pb2.ReadRequest(
            id=request.id,
            urn=goal.urn,
            properties=struct_pb2.Struct(),
            inputs=self._wire(goal.inputs),
            name=goal.name,
            type=goal.type,
        )
        response = self._call(goal, "Read", read)
        if not response.id:
            self._fail(goal, f"read failed: resource '{request.id}' does not exist")
        outputs = annotate_secrets(
            from_struct(response.properties), goal.inputs, goal.additional_secret_outputs
        )
        state = goal.state(response.id, goal.inputs, outputs)
        state.external = True
        changes = changed_keys(old.outputs, outputs) if old is not None else []
        step = self._step(
            goal, "read", changes, old=old.outputs if old else None, new=outputs, id_=response.id
        )
        self._record(step, state)
        return resource_pb2.ReadResourceResponse(
            urn=goal.urn, id=response.id, properties=to_struct(outputs)
        )

    def _goal_for_read(self, request: Any) -> _Goal:
        return _Goal(
            urn=self.make_urn(request.parent, request.type, request.name),
            type=request.type,
            name=request.name,
            custom=True,
            parent=request.parent,
            inputs=from_struct(request.properties),
            dependencies=list(dict.fromkeys(request.dependencies)),
            property_dependencies={},
            protect=False,
            retain_on_delete=False,
            deleted_with="",
            delete_before_replace=None,
            ignore_changes=[],
            replace_on_changes=[],
            additional_secret_outputs=list(request.additionalSecretOutputs),
            import_id="",
        )

    def register_outputs(self, request: Any) -> None:
        outputs = from_struct(request.outputs)
        with self._lock:
            if request.urn == self.stack_urn:
                self.stack_outputs = outputs
            elif request.urn in self.current and request.urn in self._registered:
                self.current[request.urn].outputs = outputs

    # --- after the program: deletes, refresh, destroy ------------------------------------

    def finish_update(self) -> None:
        """Delete what the program no longer declares (dependents first), then the objects
        that replacements superseded. Runs only after a successful program."""
        condemned = [
            r
            for urn, r in self._old.items()
            if urn not in self._registered and urn not in self._renamed_from
        ]
        for resource in condemned:
            if resource.external:  # read (`get`) resources are forgotten, never deleted
                self._forget(resource.urn)
        self._unresolved_creates(
            "which the program no longer declares", lambda urn: urn not in self._registered
        )
        # Still pending though declared: an interrupted replacement whose object this run
        # kept (an update, or nothing to do), so the new one it began may be left over.
        self._unresolved_creates("whose earlier object this stack kept", lambda urn: True)
        condemned = [r for r in condemned if not r.external]
        # Every delete has its provider before the first one (and before the up's apply pass).
        for resource in [*condemned, *self.pending_deletes, *self._replaced]:
            if resource.custom and not self.provided(resource):
                try:
                    self._unprovided(resource)
                except _StepFailed:
                    return
        deleting = {r.urn for r in condemned}
        deleting.update(r.urn for r in self._replaced)
        deleting.update(r.urn for r in self.pending_deletes)
        for resource in dependents_first(condemned):
            self._delete(resource, deleting, replacing=False)
        for resource in [*self.pending_deletes, *reversed(self._replaced)]:
            self._delete(resource, deleting, replacing=True)

    def _unresolved_creates(self, why: str, which: Callable[[str], bool]) -> None:
        """Warn of each create an interrupted run began that this run will not resolve: its
        object may exist on the tenant, outside the stack. Forgotten after a real run."""
        for urn, pending in list(self.pending_creates.items()):
            if not which(urn):
                continue
            self.warnings.append(
                f"an interrupted run was creating {short(pending['type'])} {pending['name']!r},"
                f" {why}: an object it may have made on the tenant is not in this stack; look"
                " for it and delete it if it is there"
            )
            if not self.dry_run:
                self._settled(urn)

    def destroy(self) -> None:
        self._unresolved_creates("and the stack is being destroyed", lambda urn: True)
        everything = list(self.current.values())
        for resource in everything:
            if resource.external:
                self._forget(resource.urn)
        condemned = [r for r in everything if not r.external]
        deleting = {r.urn for r in condemned} | {r.urn for r in self.pending_deletes}
        for resource in dependents_first(condemned):
            self._delete(resource, deleting, replacing=False)
        for resource in list(self.pending_deletes):
            self._delete(resource, deleting, replacing=True)
        self.stack_outputs = {}

    def _delete(self, resource: ResourceState, deleting: set[str], *, replacing: bool) -> None:
        if self.failure is not None:
            return
        if resource.protect and not replacing:
            try:
                self._fail(
                    resource,
                    f"unable to delete resource {resource.urn!r} as it is currently marked for "
                    "protection. To unprotect the resource, remove the `protect` flag from the "
                    "resource in your Pulumi program and run `pulumi up`",
                )
            except _StepFailed:
                return
        skip_call = (
            self.dry_run
            or not resource.custom
            or resource.retain_on_delete
            or (bool(resource.deleted_with) and resource.deleted_with in deleting)
        )
        if not skip_call:
            self._started(resource)
            try:
                self._delete_call(resource)
            except _StepFailed:
                return
        if self._journal is not None and not self.dry_run:
            if replacing:
                self._journal.deleted_pending(resource)
            else:
                self._journal.drop(resource.urn)
        with self._lock:
            if replacing:
                if _remove_identical(self._replaced, resource):
                    return  # shown as part of its "replace" step
                _remove_identical(self.pending_deletes, resource)
            else:
                self.current.pop(resource.urn, None)
            step = self._step(resource, "delete", old=resource.inputs, id_=resource.id)
            self.steps.append(step)
        self._finished(step)

    def refresh(self) -> None:
        for urn, resource in list(self.current.items()):
            if self.failure is not None:
                return
            if not resource.custom:
                continue
            self._started(resource)
            try:
                self._ready(resource)
            except _StepFailed:
                return
            request = provider_pb2.ReadRequest(
                id=resource.id,
                urn=urn,
                properties=self._wire(resource.outputs),
                inputs=self._wire(resource.inputs),
                name=resource.name,
                type=resource.type,
            )
            try:
                response = self._call(resource, "Read", request)
            except _StepFailed:
                return
            if not response.id:
                self._forget(urn)
                step = self._step(resource, "delete", old=resource.inputs, id_=resource.id)
                with self._lock:
                    self.steps.append(step)
                self._finished(step)
                continue
            refreshed = resource.copy()
            refreshed.id = response.id
            refreshed.outputs = annotate_secrets(
                from_struct(response.properties),
                resource.outputs,
                resource.additional_secret_outputs,
            )
            if response.HasField("inputs"):
                refreshed.inputs = annotate_secrets(
                    from_struct(response.inputs), resource.inputs, []
                )
            changes = sorted(
                set(changed_keys(resource.outputs, refreshed.outputs))
                | set(changed_keys(resource.inputs, refreshed.inputs))
            )
            step = self._step(
                resource,
                "read",
                changes,
                old=resource.inputs,
                new=refreshed.inputs,
                id_=refreshed.id,
            )
            with self._lock:
                self.current[urn] = refreshed
                self.steps.append(step)
            if self._journal is not None and changes:
                self._journal.put(refreshed)
            self._finished(step)

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


class _NoMocks(Mocks):
    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        raise NotImplementedError(f"the offline engine does not support invokes ({args.token})")

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        raise NotImplementedError("unreachable: the offline monitor registers resources itself")


class EngineMonitor(MockMonitor):
    """The SDK's mock monitor with registration, reads and outputs routed to a deployment."""

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(_NoMocks())
        self.deployment = deployment

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return self.deployment.make_urn(parent, type_, name)

    def RegisterResource(self, request: Any) -> resource_pb2.RegisterResourceResponse:
        return self._guard(self.deployment.register_resource, request)

    def ReadResource(self, request: Any) -> resource_pb2.ReadResourceResponse:
        return self._guard(self.deployment.read_resource, request)

    def RegisterResourceOutputs(self, request: Any) -> empty_pb2.Empty:
        self._guard(self.deployment.register_outputs, request)
        return empty_pb2.Empty()

    def _guard(self, handler: Callable[[Any], _R], request: Any) -> _R:
        """Report a bug in the emulation as such, not as a failure of the user's program."""
        try:
            return handler(request)
        except _StepFailed:
            raise
        except Exception as error:
            self.deployment.fail_program(error, traceback.format_exc(), internal=True)
            raise

    def Invoke(self, request: Any) -> Any:
        raise NotImplementedError(f"the offline engine does not support invokes ({request.tok})")


def _check_failed(failures: Iterable[tuple[str, str]]) -> str:
    """A resource's failed check, each property with its reason."""
    listed = "; ".join(f"{prop}: {reason}" if prop else reason for prop, reason in failures)
    return f"check failed: {listed}"


def short(type_: str) -> str:
    """A type token as users write it: ``pulumi-python:dynamic/ampeco:Tax`` → ``ampeco:Tax``."""
    return type_.removeprefix("pulumi-python:dynamic/")


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
