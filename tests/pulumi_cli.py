"""Run the real Pulumi CLI in an isolated project directory (for the e2e tests).

Everything the CLI touches stays in a temporary directory: a ``file://`` backend, a private
``PULUMI_HOME``, a passphrase secrets provider. Tests get the executable from the
``pulumi_cli`` fixture (``conftest.py``), which skips them, saying why, when it is not on PATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Cli:
    """``pulumi`` in an isolated project directory."""

    def __init__(
        self, executable: str, root: Path, program: str, name: str = "offline-cli-check"
    ) -> None:
        self.executable = executable
        self.project = root / "project"
        for directory in (self.project, root / "backend", root / "home"):
            directory.mkdir(parents=True)
        venv = Path(sys.prefix)
        (self.project / "Pulumi.yaml").write_text(
            textwrap.dedent(
                f"""\
                name: {name}
                description: An end-to-end scenario under the real CLI
                runtime:
                  name: python
                  options:
                    toolchain: pip
                    virtualenv: {json.dumps(str(venv))}
                """
            )
        )
        (self.project / "scenario.py").write_text(program)
        (self.project / "__main__.py").write_text("import scenario\n\nscenario.main()\n")
        python_path = [str(REPO), str(self.project)]
        if os.environ.get("PYTHONPATH"):
            python_path.append(os.environ["PYTHONPATH"])
        self.env = {
            **os.environ,
            "PULUMI_BACKEND_URL": (root / "backend").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "offline-cli-check",
            "PULUMI_HOME": str(root / "home"),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            # Both the program and the provider process import tests.toy_provider.
            "PYTHONPATH": os.pathsep.join(python_path),
        }

    def __call__(self, *args: str) -> str:
        completed = subprocess.run(
            [self.executable, *args, "--non-interactive"],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = completed.stdout + completed.stderr
        assert completed.returncode == 0, f"pulumi {' '.join(args)} failed:\n{output}"
        return output
