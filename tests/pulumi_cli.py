"""Run the real Pulumi CLI in an isolated project directory (for the e2e tests).

Everything the CLI touches stays in a temporary directory: a ``file://`` backend, a private
``PULUMI_HOME``, a passphrase secrets provider. Tests get the executable from the
``pulumi_cli`` fixture (``conftest.py``), which skips them, saying why, when it is not on PATH.

``Cli(executable, root, program)`` writes its own ``Pulumi.yaml`` and program;
``Cli.from_project(executable, root, directory)`` copies an existing project instead (its
``Pulumi.yaml``, stack files and program, unchanged but for the virtualenv, which becomes the
one running the tests).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent

#: Never copied with a project: virtualenvs, caches and VCS metadata.
_NOT_COPIED = shutil.ignore_patterns(
    ".*", "__pycache__", "*.pyc", "venv", "*.egg-info", "build", "dist"
)


class Cli:
    """``pulumi`` in an isolated project directory."""

    def __init__(
        self, executable: str, root: Path, program: str, name: str = "offline-cli-check"
    ) -> None:
        self._prepare(executable, root)
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

    @classmethod
    def from_project(cls, executable: str, root: Path, source: Path) -> Cli:
        """The CLI in a copy of the project directory ``source``.

        Copied: ``Pulumi.yaml``, every ``Pulumi.<stack>.yaml``, and the program: the ``main``
        of ``Pulumi.yaml`` (a directory or a file, at the same relative path) or, without one,
        the whole directory (less virtualenvs, caches and hidden files). The copy's runtime
        uses the virtualenv running the tests; the rest of ``Pulumi.yaml`` is kept.
        """
        cli = cls.__new__(cls)
        cli._prepare(executable, root)
        source = source.resolve()
        settings = _read_project(source)
        main = settings.get("main")
        if main:
            for stack_file in [source / "Pulumi.yaml", *sorted(source.glob("Pulumi.*.yaml"))]:
                shutil.copy2(stack_file, cli.project / stack_file.name)
            program = (source / str(main)).resolve()
            target = cli.project / program.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if program.is_dir():
                shutil.copytree(program, target, ignore=_NOT_COPIED)
            else:
                shutil.copy2(program, target)
        else:
            shutil.copytree(source, cli.project, ignore=_NOT_COPIED, dirs_exist_ok=True)
        runtime = settings.get("runtime")
        if not isinstance(runtime, dict):
            runtime = {"name": runtime or "python"}
        options = dict(runtime.get("options") or {})
        options.update({"toolchain": "pip", "virtualenv": str(Path(sys.prefix))})
        settings["runtime"] = {**runtime, "options": options}
        (cli.project / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        return cli

    def _prepare(self, executable: str, root: Path) -> None:
        """The directories and the environment, with an empty project directory."""
        self.executable = executable
        self.project = root / "project"
        for directory in (self.project, root / "backend", root / "home"):
            directory.mkdir(parents=True)
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


def _read_project(directory: Path) -> dict[str, Any]:
    path = directory / "Pulumi.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a Pulumi project file"
    return data
