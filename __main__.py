"""The root project's program: runs the quickstart (``examples/quickstart/__main__.py``).

``Pulumi.yaml`` here has no ``main: examples/quickstart/`` on purpose. With ``main`` set, the
Pulumi CLI resolves the relative ``virtualenv: .venv`` against the project root for the
program but against the ``main`` directory for the Python dynamic provider plugin
(pulumi/pulumi#7061), which would then look for ``examples/quickstart/.venv`` and fail to
start. So the program is this file, in the project root, and it runs the quickstart unchanged.
"""

from __future__ import annotations

import runpy
from pathlib import Path

QUICKSTART = Path(__file__).resolve().parent / "examples" / "quickstart" / "__main__.py"

runpy.run_path(str(QUICKSTART), run_name="__main__")
