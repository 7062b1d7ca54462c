"""The dynamic provider server (``python -m pulumi.dynamic``), ended with the engine.

The engine starts the server with a pipe on its standard input and never writes to it. When
the engine ends in any way, SIGKILL and OOM included, the kernel closes the pipe; the server
reads end-of-file and exits at once instead of living on as an orphan.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading

from ampeco_engine.collector import space_for_process


def _exit_with_parent() -> None:
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    os._exit(0)


def main() -> None:
    space_for_process()  # see ampeco_engine.collector
    threading.Thread(target=_exit_with_parent, name="engine-watch", daemon=True).start()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
