"""``OfflineStack``: preview/up/refresh/destroy a program function without the Pulumi CLI."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import os
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NoReturn, Protocol

from google.protobuf import empty_pb2  # type: ignore[import-untyped]
from pulumi.runtime import settings as sdk_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockEngine, MockSettings
from pulumi.runtime.stack import run_in_stack

from .collector import spaced_collections
from .engine import Deployment, EngineMonitor
from .lock import state_lock
from .providers import Catalogue, InstalledProviders, serializing_without_nesting
from .results import OfflineEngineError, Operation, RunResult, Step
from .state import (
    Journal,
    JournalWriteError,
    StackState,
    StateFileError,
    commit,
    journal_path,
    load_state,
    read_snapshot,
    reason,
)
from .transport import GrpcTransport, InProcessTransport, RequestT, Transport, TransportError
from .values import show_secrets

Program = Callable[[], Awaitable[None] | None]
TransportName = Literal["grpc", "inprocess"]

_LOG = logging.getLogger("ampeco_engine")
_UNRETRIEVED = ("Future exception was never retrieved", "Task exception was never retrieved")
_SDK_WORKERS = 16
"""Threads for the SDK's registrations (the language host uses parallel * 4)."""


class Watcher(Protocol):
    """Who follows an operation as it runs (a progress display)."""

    def phase(self, title: str, total: int | None) -> None:
        """A new part of the operation begins: checking the program, or applying it."""

    def started(self, type_: str, name: str) -> None:
        """A step on this resource begins."""

    def finished(self, step: Step) -> None:
        """A step ended."""

    def note(self, line: str) -> None:
        """Something to tell the user now (a stale lock taken over)."""


class MassDeleteError(OfflineEngineError):
    """``up`` would delete more than half of what the stack manages, and was not told to."""


class StateWriteError(OfflineEngineError):
    """The run's record could not be written (a full disk): the message names the file and
    whether the tenant was changed, and so what repeating the run does."""


class _LazyTransport:
    """Starts the provider server on the first call, so operations that need no provider
    (an empty stack, components only) cost nothing."""

    def __init__(self, factory: Callable[[], Transport]) -> None:
        self._factory = factory
        self._transport: Transport | None = None
        self._closed = False
        self._lock = threading.Lock()
        #: The methods called so far.
        self.called: set[str] = set()

    def call(self, method: str, request: RequestT) -> Any:
        with self._lock:
            if self._closed:  # a straggler after a forced stop: nothing more may be sent
                raise TransportError("the operation has ended; no more provider calls")
            self.called.add(method)
            if self._transport is None:
                self._transport = self._factory()
            transport = self._transport
        return transport.call(method, request)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._transport is not None:
                self._transport.close()
                self._transport = None


class OfflineStack:
    """A stack whose engine is emulated in this process, without the Pulumi CLI.

    ``program`` is a function that declares resources (called once per preview/up, so it can
    run many times per process; assign :attr:`program` to change it between runs).
    ``config`` maps ``"namespace:key"`` to a string (other values are JSON-encoded, like
    structured config); keys listed in ``secrets`` are secret for the program and are sent to
    the provider's ``Configure`` marked secret. Config never enters the state file.
    ``providers`` are catalogues of installed providers besides the installed distributions'
    plug-ins (see :mod:`ampeco_engine.providers`): a state whose resources name any other
    provider is refused before anything is sent.
    """

    def __init__(
        self,
        program: Program,
        state_path: str | Path,
        config: Mapping[str, Any] | None = None,
        *,
        transport: TransportName = "grpc",
        secrets: Iterable[str] = (),
        project: str = "pulumi-ampeco-test",
        stack: str = "test",
        cwd: str | Path | None = None,
        providers: Iterable[Catalogue] = (),
    ) -> None:
        if transport not in ("grpc", "inprocess"):
            raise ValueError(f"unknown transport {transport!r} (use 'grpc' or 'inprocess')")
        self.program = program
        self.state_path = Path(state_path).resolve()
        self.config: dict[str, str] = {}
        self.secrets: set[str] = set(secrets)
        for key, value in (config or {}).items():
            self.set_config(key, value)
        self.transport: TransportName = transport
        self.project = project
        self.stack = stack
        self.cwd = Path(cwd) if cwd is not None else None
        self._providers = InstalledProviders(providers)
        self._closed = False
        self._deployment: Deployment | None = None
        #: Follows each operation (see :class:`Watcher`).
        self.watcher: Watcher | None = None
        #: Break a lock recorded on another host (see :mod:`ampeco_engine.lock`).
        self.force_unlock = False
        #: Run the providers a state stores for types no installed provider serves (a
        #: program's own), as the Pulumi CLI does: only for a state file one trusts.
        self.trust_stored_providers = False
        #: Journal each step as it happens (see :mod:`ampeco_engine.state`). Off, the state
        #: is written only at the end and a crash loses the run's record: for measuring what
        #: the journal costs, not for deploying.
        self.journal_steps = True

    def set_config(self, key: str, value: Any, *, secret: bool = False) -> None:
        """Set one ``"namespace:key"`` config value (like ``pulumi config set [--secret]``)."""
        if ":" not in key:
            raise ValueError(f"config key {key!r} needs a namespace, e.g. 'ampeco:{key}'")
        self.config[key] = value if isinstance(value, str) else json.dumps(value)
        if secret:
            self.secrets.add(key)

    # --- operations ----------------------------------------------------------------------

    def preview(self) -> RunResult:
        """Run the program without changing anything: Check and Diff only, no state write."""
        return self._run("preview")

    def up(self, *, guard_deletes: bool = False) -> RunResult:
        """Run the program and apply the changes, then delete what it no longer declares.

        First the program runs with every resource checked and nothing written; any failed
        check (all are reported) or a program error stops the ``up`` there, as ``pulumi up``
        stops after its preview. With ``guard_deletes``, an ``up`` that would delete more
        than half of the resources the stack manages stops there too
        (:class:`MassDeleteError`)."""
        # One provider process for both passes, as one operation has with the real engine,
        # unless the checks read from the tenant (`get` resources, imports): the provider's
        # read cache would then hold listings the apply pass must take afresh.
        checks = _LazyTransport(self._open_transport)
        with self._locked("up"), spaced_collections(), contextlib.ExitStack() as stack:
            stack.callback(checks.close)
            checked = self._operate(
                "up", checks_only=True, guard_deletes=guard_deletes, transport=checks
            )
            apply = checks
            if checks.called - {"Configure", "Check"}:
                checks.close()
                apply = _LazyTransport(self._open_transport)
                stack.callback(apply.close)
            return self._operate("up", total=_applied(checked), transport=apply)

    def refresh(self) -> RunResult:
        """Read every resource from its provider and record what is really there."""
        return self._run("refresh")

    def destroy(self) -> RunResult:
        """Delete every resource, dependents first."""
        return self._run("destroy")

    def state(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The parsed state file, with what an interrupted run journaled (an empty stack
        before the first ``up``)."""
        if journal_path(self.state_path).exists():
            data = load_state(self.state_path, self.project, self.stack).to_json()
        elif not self.state_path.exists():
            return {"resources": {}, "pending_deletes": [], "pending_creates": [], "outputs": {}}
        else:
            data = read_snapshot(self.state_path)
        return _reveal_state(data) if show_secrets else data

    def cancel(self, reason: str = "cancelled") -> None:
        """Cancel the running operation (from a signal handler or another thread): no new
        step starts, steps already running finish, and the state records what was done."""
        deployment = self._deployment
        if deployment is not None:
            deployment.cancel(reason)

    def close(self) -> None:
        """Refuse further operations (each operation already stops its provider server)."""
        self._closed = True

    def __enter__(self) -> OfflineStack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- internals -----------------------------------------------------------------------

    def _open_transport(self) -> Transport:
        if self.transport == "grpc":
            output = self.watcher.note if self.watcher is not None else None
            return GrpcTransport(self.project, cwd=self.cwd, output=output)
        return InProcessTransport(self.project)

    def _run(self, operation: Operation) -> RunResult:
        with self._locked(operation), spaced_collections():
            return self._operate(operation)

    @contextlib.contextmanager
    def _locked(self, operation: Operation) -> Iterator[None]:
        """One operation at a time on this state, across processes and hosts."""
        if self._closed:
            raise RuntimeError("this OfflineStack is closed")
        if operation == "preview" and not os.access(self.state_path.parent, os.W_OK):
            yield  # no lock can be taken where the state cannot be written: read only
            return
        notices: list[str] = []
        with state_lock(self.state_path, operation, force=self.force_unlock, notices=notices):
            for line in notices:
                if self.watcher is not None:
                    self.watcher.note(line)
            yield

    def _operate(
        self,
        operation: Operation,
        *,
        checks_only: bool = False,
        guard_deletes: bool = False,
        total: int | None = None,
        transport: _LazyTransport | None = None,
    ) -> RunResult:
        """One pass of an operation over the stored state; ``total`` (the steps expected, for
        the watcher) defaults to the resources the stack manages. Without a ``transport`` of
        the caller's, the pass starts its own provider server and stops it at the end."""
        state = load_state(self.state_path, self.project, self.stack)
        managed = {u for u, r in state.resources.items() if r.custom and not r.external}
        writes = operation != "preview" and not checks_only
        if writes and journal_path(self.state_path).exists():
            self._snapshot_journal(state)  # as stored: before serve() sets anything aside
        # Before anything is sent; the program's own providers serve their types in its runs.
        set_aside: dict[tuple[str, str], dict[str, Any]] = {}
        self._providers.serve(
            state,
            self.state_path,
            program_may_serve=operation in ("preview", "up"),
            trust_stored=self.trust_stored_providers,
            set_aside=set_aside,
        )
        journal = (
            Journal(journal_path(self.state_path), state.serial)
            if writes and self.journal_steps
            else None
        )
        watcher = self.watcher
        if watcher is not None:
            expected = None if checks_only else (total or len(managed) or None)
            watcher.phase("Checking" if checks_only else operation, expected)
        own_transport = transport is None
        if transport is None:
            transport = _LazyTransport(self._open_transport)
        deployment = Deployment(
            operation=operation,
            state=state,
            transport=transport,
            config=self.config,
            secret_keys=self.secrets,
            journal=journal,
            checks_only=checks_only,
            on_step=watcher.finished if watcher is not None else None,
            on_start=watcher.started if watcher is not None else None,
            stored_providers=set_aside,
        )
        program_succeeded = False
        self._deployment = deployment
        try:
            if operation in ("preview", "up"):
                program_succeeded = self._run_program(deployment)
                if program_succeeded and deployment.failure is None:
                    deployment.finish_update()
                deployment.close_checks()
            elif operation == "refresh":
                deployment.refresh()
            else:
                deployment.destroy()
        except TransportError as error:
            deployment.fail_program(error, str(error))
        except JournalWriteError:
            pass  # the journal keeps the error, reported below
        finally:
            self._deployment = None
            if own_transport:
                transport.close()
            if journal is not None:
                journal.close()
            unsaved = None
            if writes:
                final = deployment.final_state(program_succeeded=program_succeeded)
                unsaved = self._commit(final)
        result = deployment.result(program_succeeded=program_succeeded)
        if deployment.exited:
            deployment.failure = deployment.exit_error(result.steps)
        if unsaved is not None or (journal is not None and journal.error is not None):
            sent = set(deployment.pending_creates) - set(state.pending_creates)
            failed = self._write_failed(operation, result, unsaved, journal, bool(sent))
            failed.result = result
            raise failed
        if deployment.failure is not None:
            deployment.failure.result = result
            raise deployment.failure
        if guard_deletes:
            _guard_deletes(result, managed)
        return result

    def _snapshot_journal(self, state: StackState) -> None:
        """Write what an interrupted run journaled as a snapshot, before this run begins."""
        try:
            commit(self.state_path, state)
        except OSError as exc:
            raise StateFileError(
                f"{self.state_path}: cannot write the state file: {reason(exc)}. Nothing was"
                f" sent to the tenant; the journal {journal_path(self.state_path)} still holds"
                " what the interrupted run did: repeat the run once the disk has room"
            ) from None

    def _commit(self, state: StackState) -> OSError | None:
        """Write the run's final snapshot; the error when it could not be written (the journal
        then stays, holding what the run did)."""
        try:
            commit(self.state_path, state)
        except OSError as exc:
            return exc
        return None

    def _write_failed(
        self,
        operation: Operation,
        result: RunResult,
        unsaved: OSError | None,
        journal: Journal | None,
        sent: bool,
    ) -> StateWriteError:
        """What a run whose record could not be written did, and whether repeating is safe
        (``sent``: a create left pending, which may have happened)."""
        changed = sent or any(step.action not in ("same", "read") for step in result.steps)
        if unsaved is None:
            assert journal is not None and journal.error is not None
            message = (
                f"{operation} failed: cannot write the journal {journal.path}:"
                f" {reason(journal.error)}; the run stopped there. The state file"
                f" {self.state_path} records what was done: repeat the run once the disk has"
                " room"
            )
        elif not changed:
            message = (
                f"{operation} failed: cannot write the state file {self.state_path}:"
                f" {reason(unsaved)}. Nothing was sent to the tenant; repeat the run once the"
                " disk has room"
            )
        elif journal is not None:
            message = (
                f"{operation} failed: cannot write the state file {self.state_path}:"
                f" {reason(unsaved)}. The tenant was changed; the journal {journal.path} holds"
                f" what was done: free space and run `ampeco-iac offline {operation}` again,"
                " which finishes from the journal"
            )
        else:
            message = (
                f"{operation} failed: cannot write the state file {self.state_path}:"
                f" {reason(unsaved)}. The tenant was changed and, without a journal, this"
                " run's record is lost: free space and run `ampeco-iac offline refresh`"
            )
        return StateWriteError(message, operation=operation)

    def _run_program(self, deployment: Deployment) -> bool:
        """Run the program through the SDK's own stack entry point, in a fresh copy of the
        context so process-global SDK state (root resource, settings, config) is this run's."""
        return contextvars.copy_context().run(self._run_in_context, deployment)

    def _run_in_context(self, deployment: Deployment) -> bool:
        monitor = EngineMonitor(deployment)
        features = set(monitor.GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)  # type: ignore[no-untyped-call]
        sdk_settings.set_root_resource(None)  # type: ignore[arg-type]
        MockSettings(  # type: ignore[no-untyped-call]
            monitor=monitor,
            engine=MockEngine(_LOG),
            project=self.project,
            stack=self.stack,
            organization="organization",
            root_directory=str(self.cwd or Path.cwd()),
            dry_run=deployment.dry_run,
            parallel=_SDK_WORKERS,
            legacy_apply_enabled=False,
            monitor_features=features,
            callbacks=None,
            outputs=set(),
            lock=threading.Lock(),
        )
        set_all_config(self.config, sorted(self.secrets))

        failed = False

        def on_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            # A failed run leaves futures holding the error nobody awaited; that is expected.
            if failed and context.get("message") in _UNRETRIEVED:
                return
            loop.default_exception_handler(context)

        loop = asyncio.new_event_loop()
        loop.set_exception_handler(on_loop_error)
        loop.set_default_executor(
            ThreadPoolExecutor(max_workers=_SDK_WORKERS, thread_name_prefix="offline-sdk")
        )
        try:
            with _exits_raise(), serializing_without_nesting():
                loop.run_until_complete(run_in_stack(self.program))
        except SystemExit as error:  # sys.exit(), exit(), os._exit(): never a success
            failed = True
            how = "os._exit" if isinstance(error, _ProgramExit) else "sys.exit"
            code = error.code if isinstance(error.code, int) or error.code is None else "..."
            deployment.program_exited(f"{how}({'' if code is None else code})")
        except BaseException as error:
            failed = True
            deployment.fail_program(error, traceback.format_exc())
            if not isinstance(error, Exception):
                raise
        finally:
            _end_tasks(loop)
            # Registrations still running on worker threads finish before the state is read.
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()
        return not failed


def _end_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel every task the program left and wait until each has ended.

    Only unfinished tasks are waited for: ``run_until_complete`` on a task already ended by
    ``SystemExit`` or ``KeyboardInterrupt`` never returns (asyncio leaves such an exit to stop
    the loop as it propagates, which it did earlier). A task that ends that way while waited
    for (one awaiting the exited one raises the exit again) stops the wait at once, and the
    tasks it left unfinished are cancelled in the next round."""
    while pending := asyncio.all_tasks(loop):  # the tasks not ended yet
        for task in pending:
            if task.done():  # ended while an earlier one was waited for
                continue
            task.cancel()
            with contextlib.suppress(
                Exception, asyncio.CancelledError, SystemExit, KeyboardInterrupt
            ):
                loop.run_until_complete(task)


class _ProgramExit(SystemExit):
    """``os._exit`` called by the program, raised instead of ending the process."""


@contextlib.contextmanager
def _exits_raise() -> Iterator[None]:
    """While the program runs, ``os._exit`` raises :class:`_ProgramExit` instead of ending the
    process at once: the run must end as failed, with its record written and the provider
    server stopped."""
    original = os._exit

    def raising(status: int) -> NoReturn:
        raise _ProgramExit(status)

    os._exit = raising
    try:
        yield
    finally:
        os._exit = original


def _applied(checked: RunResult) -> int:
    """Steps the ``up`` after these checks will take (one per resource, one per delete)."""
    return len(checked.steps)


def _guard_deletes(checked: RunResult, managed: set[str]) -> None:
    deletes = [s for s in checked.steps if s.action == "delete" and s.urn in managed]
    if managed and len(deletes) * 2 > len(managed):
        error = MassDeleteError(
            f"up stopped before changing anything: it would delete {len(deletes)} of the"
            f" {len(managed)} resources this stack manages. If that is meant (a program that"
            " dropped most of its resources), run again allowing it; otherwise check that the"
            " program, its config and the stack are the ones you meant",
            operation="up",
        )
        error.result = checked
        raise error


def _reveal_state(data: dict[str, Any]) -> dict[str, Any]:
    revealed = dict(data)
    revealed["resources"] = {
        urn: {
            **item,
            "inputs": show_secrets(item.get("inputs", {})),
            "outputs": show_secrets(item.get("outputs", {})),
        }
        for urn, item in data.get("resources", {}).items()
    }
    revealed["outputs"] = show_secrets(data.get("outputs", {}))
    return revealed


__all__ = [
    "MassDeleteError",
    "OfflineEngineError",
    "OfflineStack",
    "Program",
    "RunResult",
    "Watcher",
]
