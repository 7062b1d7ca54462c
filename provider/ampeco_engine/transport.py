"""How the offline engine reaches the dynamic provider server: over gRPC to a fresh
``python -m pulumi.dynamic`` process (faithful), or in this process (fast, same code).

Both transports run the SDK's own ``DynamicResourceProviderServicer`` with the same request
protos, 4 worker threads and the same error text, so results do not depend on the transport.
Only the gRPC one catches what separate processes reveal (module globals the provider relies
on, payloads that do not load elsewhere); use it at least in CI.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import os
import subprocess
import sys
import threading
import traceback
import types
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, NoReturn, Protocol, TypeVar

import grpc  # type: ignore[import-untyped]
from google.protobuf.message import DecodeError, Message  # type: ignore[import-untyped]
from google.rpc import status_pb2  # type: ignore[import-untyped]
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

WORKERS = 4
"""Concurrent calls the real provider server serves (its thread pool size)."""

RequestT = TypeVar("RequestT", bound=Message)


#: The gRPC trailer that carries a status's details.
DETAILS_KEY = "grpc-status-details-bin"


class ProviderCallError(Exception):
    """A provider method failed; ``message`` is the Python exception line, ``details`` the full
    text the server sent (a traceback); ``kept``: the object a create or update made and still
    failed to finish (Pulumi's ``ErrorResourceInitFailed``), which the state keeps."""

    def __init__(
        self,
        method: str,
        message: str,
        details: str,
        kept: provider_pb2.ErrorResourceInitFailed | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.message = message
        self.details = details
        self.kept = kept

    @property
    def exception_type(self) -> str:
        """The class name of the provider's exception (``AmbiguousCreateError``), or ``""``
        when the message is not an ``ExcType: message`` line."""
        head, colon, _ = self.message.partition(":")
        name = head.strip().rsplit(".", 1)[-1]
        return name if colon and name.isidentifier() else ""


def kept_object(
    metadata: Sequence[tuple[str, Any]] | None,
) -> provider_pb2.ErrorResourceInitFailed | None:
    """The kept object a failed call's trailers report (in a ``google.rpc.Status``), if any."""
    for key, value in metadata or ():
        if key != DETAILS_KEY:
            continue
        try:
            status = status_pb2.Status.FromString(bytes(value))
        except DecodeError:
            return None
        for detail in status.details:
            failed = provider_pb2.ErrorResourceInitFailed()
            if detail.Unpack(failed):
                return failed
    return None


class TransportError(Exception):
    """The provider server could not be started or reached."""


def exception_line(details: str) -> str:
    """The final ``ExcType: message`` part of a Python traceback (the text the provider server
    puts in the gRPC status), or the whole text when it is not a traceback."""
    lines = details.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call")]
    if not starts:
        return details.strip()
    rest = lines[starts[-1] + 1 :]
    index = 0
    while index < len(rest) and (not rest[index].strip() or rest[index][:1].isspace()):
        index += 1
    return "\n".join(rest[index:]).strip() or details.strip()


class Transport(Protocol):
    def call(self, method: str, request: RequestT) -> Any: ...

    def close(self) -> None: ...


def _server_env(project: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PULUMI_PROJECT"] = project
    env["PYTHONUNBUFFERED"] = "1"
    # The engine runs the provider with the project's interpreter; give it this process's
    # import path so providers defined in importable modules (also test modules) load.
    paths = [p or os.getcwd() for p in sys.path]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


class GrpcTransport:
    """A fresh ``python -m pulumi.dynamic`` per operation, like the engine starts per CLI run
    (through :mod:`ampeco_engine.provider_host`, so that it never outlives this process)."""

    def __init__(
        self,
        project: str,
        cwd: Path | None = None,
        timeout: float | None = None,
        output: Callable[[str], None] | None = None,
    ) -> None:
        self._timeout = timeout
        self._process = subprocess.Popen(
            # pulumi.dynamic's server, which exits when this process ends (SIGKILL included).
            [sys.executable, "-m", "ampeco_engine.provider_host"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_server_env(project),
            cwd=cwd,
            # Not in the terminal's process group: Ctrl+C cancels the operation (see
            # OfflineStack.cancel), it does not kill the provider in the middle of a call.
            start_new_session=True,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        first = self._process.stdout.readline().decode(errors="replace").strip()
        self._pumps = [
            threading.Thread(
                target=_pump, args=(stream, output), daemon=True, name="provider-output"
            )
            for stream in (self._process.stdout, self._process.stderr)
        ]
        if not first.isdigit():
            self._process.kill()
            self._process.wait()
            error = self._process.stderr.read().decode(errors="replace")
            raise TransportError(
                f"the dynamic provider server did not start (printed {first!r}): {error}"
            )
        for pump in self._pumps:
            pump.start()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{first}", options=_GRPC_CHANNEL_OPTIONS)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def call(self, method: str, request: RequestT) -> Any:
        rpc: Callable[..., Any] = getattr(self._stub, method)
        try:
            return rpc(request, timeout=self._timeout)
        except grpc.RpcError as error:
            details = str(error.details() or "")
            code = error.code()
            if code == grpc.StatusCode.UNAVAILABLE:
                raise TransportError(f"the provider server is unavailable: {details}") from None
            kept = kept_object(error.trailing_metadata())
            raise ProviderCallError(
                method, exception_line(details) or str(code), details, kept
            ) from None

    def close(self) -> None:
        self._channel.close()
        if self._process.stdin is not None:
            self._process.stdin.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for pump in self._pumps:
            pump.join(timeout=10)


def _pump(stream: IO[bytes], output: Callable[[str], None] | None) -> None:
    """Forward the provider's print/log output (a retry it announces), as the CLI shows it to
    the user: to ``output`` line by line, or to stderr."""
    for raw in iter(stream.readline, b""):
        line = "[provider] " + raw.decode(errors="replace").rstrip("\n")
        with contextlib.suppress(OSError, ValueError):  # the reader went away; keep draining
            if output is not None:
                output(line)
            else:
                sys.stderr.write(line + "\n")
    stream.close()


class _AbortError(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


class _ServicerContext:
    """The slice of ``grpc.ServicerContext`` the dynamic servicer uses; ``abort`` raises, as a
    real context does."""

    def __init__(self) -> None:
        self.code: grpc.StatusCode | None = None
        self.details = ""
        self.trailing_metadata: Sequence[tuple[str, Any]] = ()

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, Any]]) -> None:
        self.trailing_metadata = metadata

    def abort(self, code: grpc.StatusCode, details: str) -> NoReturn:
        raise _AbortError(code, details)

    def set_code(self, code: grpc.StatusCode) -> None:
        self.code = code

    def set_details(self, details: str) -> None:
        self.details = details

    def is_active(self) -> bool:
        return True


_SERVER_CODE: types.CodeType | None = None
_SERVER_CODE_LOCK = threading.Lock()


def _server_code() -> tuple[types.CodeType, str]:
    """``pulumi/dynamic/__main__.py`` compiled without its trailing ``main()`` call.

    The call is cut textually rather than with ``ast``: on CPython 3.11, building Python AST
    objects races with traceback formatting on other threads (which also uses ``ast``) and
    fails with "AST constructor recursion depth mismatch".
    """
    global _SERVER_CODE
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    if spec is None or spec.origin is None:
        raise TransportError("cannot locate pulumi.dynamic.__main__")
    with _SERVER_CODE_LOCK:
        if _SERVER_CODE is None:
            source = Path(spec.origin).read_text(encoding="utf-8").rstrip()
            body, _, last = source.rpartition("\n")
            if last.strip() != "main()":
                raise TransportError(
                    "pulumi.dynamic.__main__ no longer ends with main(); update the pin"
                )
            _SERVER_CODE = compile(body + "\n", spec.origin, "exec")
        return _SERVER_CODE, spec.origin


def load_servicer_module(project: str) -> types.ModuleType:
    """A fresh module from the provider server's source minus its ``main()`` call, so the
    servicer class and its provider cache start empty, as in a new process."""
    code, origin = _server_code()
    module = types.ModuleType("pulumi.dynamic.__offline_main__")
    module.__file__ = origin
    exec(code, module.__dict__)
    # The server reads PULUMI_PROJECT from its environment; give this copy its own view.
    module.__dict__["os"] = types.SimpleNamespace(environ={**os.environ, "PULUMI_PROJECT": project})
    return module


class InProcessTransport:
    """The same servicer class, called directly with the same request protos on a 4-thread
    pool; each call runs in an empty ``contextvars`` context, like a server thread."""

    def __init__(self, project: str) -> None:
        module = load_servicer_module(project)
        self._servicer = module.DynamicResourceProviderServicer()
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="offline-provider")

    def call(self, method: str, request: RequestT) -> Any:
        handler: Callable[[Any, _ServicerContext], Any] = getattr(self._servicer, method)
        wire = type(request).FromString(request.SerializeToString())
        context = _ServicerContext()
        future = self._pool.submit(contextvars.Context().run, handler, wire, context)
        try:
            response = future.result()
        except _AbortError as error:
            kept = kept_object(context.trailing_metadata)
            raise ProviderCallError(
                method, exception_line(error.details), error.details, kept
            ) from None
        except Exception as error:  # an unhandled server exception, as gRPC would report it
            details = "".join(traceback.format_exception(error))
            raise ProviderCallError(method, exception_line(details), details) from None
        return type(response).FromString(response.SerializeToString())

    def close(self) -> None:
        self._pool.shutdown(wait=True)
