"""Provider calls of one operation: configure, check, create, delete, and how their failures
become steps (:class:`ProviderCalls`)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn

from google.protobuf import struct_pb2  # type: ignore[import-untyped]
from pulumi.runtime.proto import provider_pb2

from .protocol import RESUME_KEY, UNCERTAIN_CREATE_ERRORS
from .records import Records, _Goal, _Kept
from .results import CheckProblem, OfflineEngineError
from .state import ResourceState
from .transport import ProviderCallError, RequestT, TransportError
from .values import (
    Props,
    annotate_secrets,
    from_struct,
    make_secret,
    reveal_props,
    to_struct,
)


class ProviderCalls(Records):
    """The calls to the provider server, on top of the bookkeeping."""

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


def _check_failed(failures: Iterable[tuple[str, str]]) -> str:
    """A resource's failed check, each property with its reason."""
    listed = "; ".join(f"{prop}: {reason}" if prop else reason for prop, reason in failures)
    return f"check failed: {listed}"
