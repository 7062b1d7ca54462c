"""Pulumi's language plugin for Python programs, made of the Python SDK's own program server.

``scripts/pulumi-cli`` installs this (started by its ``pulumi-language-python`` launcher) where
the Go module proxy does not serve Pulumi's language host. The engine starts the plugin in the
project's directory with the engine's address as argument, reads the port printed on stdout and
calls ``Run`` once per process. The program (Pulumi.yaml's ``main``, or the project directory,
whose ``__main__.py`` runs) then runs in this process through ``pulumi.automation``'s
``LanguageServer``: the server behind the Automation API's inline programs, so settings, config,
secrets and the resource monitor are set up as the SDK sets them up.

Not served (the CLI goes on without them): the plugins a program needs (none here: dynamic
providers are started by name), ``pulumi install``, ``pulumi about``'s dependency list and
``pulumi new``'s prompts.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

try:
    import grpc  # type: ignore[import-untyped]
    from pulumi.automation._server import LanguageServer
    from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
    from pulumi.runtime.proto import language_pb2, language_pb2_grpc
except ImportError as missing:
    if missing.name is not None and missing.name.startswith("pulumi."):
        # The SDK is there but lacks a module of the Automation API's program server.
        sys.exit(
            f"pulumi-language-python: the Pulumi SDK in {sys.prefix} has no {missing.name!r}: "
            "this language host needs pulumi>=3.272.0,<4 (the range pulumi-ampeco accepts). "
            "Install that into the program's virtualenv."
        )
    sys.exit(
        f"pulumi-language-python: {sys.executable} cannot import {missing.name!r}: the program's "
        "Python needs the 'pulumi' package. Set Pulumi.yaml's 'virtualenv' to the program's "
        "virtualenv, or install the program's requirements into this Python."
    )


def program_file(info: Any) -> Path:
    """The file to run: ``entry_point`` in the program's directory, or its ``__main__.py``."""
    path = Path(info.program_directory or ".") / (info.entry_point or ".")
    return path / "__main__.py" if path.is_dir() else path


def virtualenv_problem(info: Any) -> str | None:
    """Why this Python is not the program's: Pulumi.yaml names another virtualenv."""
    options = dict(info.options.items()) if info.HasField("options") else {}
    virtualenv = options.get("virtualenv")
    if not virtualenv:
        return None
    wanted = (Path(info.root_directory or ".") / str(virtualenv)).resolve()
    if wanted == Path(sys.prefix).resolve():
        return None
    return (
        f"Pulumi.yaml names the virtualenv {wanted}, but the language host runs in {sys.prefix}. "
        f"Check the 'virtualenv' option in {Path(info.root_directory or '.') / 'Pulumi.yaml'}."
    )


class ProjectLanguageServer(LanguageServer):
    """``LanguageServer`` whose program is the project's, run once in this process."""

    def __init__(self) -> None:
        super().__init__(self._run_program)
        self._file: Path | None = None
        self._ran = False

    def _run_program(self) -> None:
        assert self._file is not None
        sys.path.insert(0, str(self._file.parent))
        sys.argv = [str(self._file)]
        runpy.run_path(str(self._file), run_name="__main__")

    def Run(self, request: Any, context: Any) -> Any:
        """Run the program; refuse a second run (its modules would stay imported) or the wrong Python."""
        if self._ran:
            return language_pb2.RunResponse(
                error="this language host runs one program per process, and it already ran one"
            )
        self._ran = True
        problem = virtualenv_problem(request.info)
        if problem:
            return language_pb2.RunResponse(error=problem)
        self._file = program_file(request.info)
        if not self._file.is_file():
            return language_pb2.RunResponse(
                error=f"the program {self._file} does not exist (Pulumi.yaml's 'main' names it)"
            )
        if request.pwd:
            os.chdir(request.pwd)
        return super().Run(request, context)  # type: ignore[no-untyped-call]


def main() -> None:
    # As the Automation API serves an inline program (pulumi.automation's Stack).
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_GRPC_CHANNEL_OPTIONS)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(ProjectLanguageServer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)  # the engine reads the port from the first line
    # The engine ends its plugins with SIGINT (then SIGKILL): stop quietly, without a traceback.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, lambda *_: server.stop(grace=None))
    server.wait_for_termination()


if __name__ == "__main__":
    main()
