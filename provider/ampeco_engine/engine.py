"""The engine emulation: a resource monitor that turns registrations into provider calls.

One :class:`Deployment` exists per operation. The SDK calls the monitor from its worker threads,
concurrently; the deployment guards its bookkeeping with a lock but never holds it across a
provider call, so independent resources proceed in parallel as with the real engine.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf import empty_pb2, struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs, Mocks
from pulumi.runtime.proto import alias_pb2, provider_pb2, resource_pb2

from .aliases import AliasError
from .phases import Phases
from .protocol import PROVIDER_KEY, STACK_TYPE, short
from .records import _Goal, _Kept, _StepFailed
from .results import Action
from .state import ResourceState, rename
from .transport import ProviderCallError
from .values import (
    Props,
    annotate_secrets,
    changed_keys,
    changed_paths,
    from_struct,
    parse_path,
    path_contains,
    reset_path,
    to_struct,
)

_R = TypeVar("_R")


class Deployment(Phases):
    """Engine state for one operation over one stack state: the registrations the program
    makes become steps (this class), on top of the provider calls (:mod:`.calls`), the
    phases after the program (:mod:`.phases`) and the bookkeeping (:mod:`.records`)."""

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
            candidates = self._aliases.candidates(goal.name, goal.type, goal.parent, goal.aliases)
            self._aliases.declare(goal.urn, candidates)
            try:
                was = self._aliases.match(
                    goal.urn, [] if old is not None else candidates, self._old, self._registered
                )
            except AliasError as error:
                raise _StepFailed(str(error)) from None
            self._registered.add(goal.urn)
            if was is not None:
                moved = self.current.get(was)
                if moved is not None and (was, moved.id) in self._stored_providers:
                    stored = self._stored_providers.pop((was, moved.id))
                    self._stored_providers[(goal.urn, moved.id)] = stored
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
