"""Run the real Pulumi CLI in an isolated project directory (for the e2e tests).

Everything the CLI touches stays in a temporary directory: a ``file://`` backend, a private
``PULUMI_HOME``, a passphrase secrets provider. Tests get the executable from the
``pulumi_cli`` fixture (``conftest.py``): the ``pulumi`` on PATH, else the one
``scripts/pulumi-cli`` builds (or reuses) with Go; only without Go are they skipped.

``Cli(executable, root, program)`` writes its own ``Pulumi.yaml`` and program;
``Cli.from_project(executable, root, directory, files, stacks)`` copies an existing project
instead: its ``Pulumi.yaml``, the files named and the stack files asked for, unchanged but for
the runtime's toolchain (``pip``). The project's own ``virtualenv`` setting is kept and made to
resolve, in the copy, to the virtualenv running the tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
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
    def from_project(
        cls,
        executable: str,
        root: Path,
        source: Path,
        files: Sequence[str],
        stacks: Sequence[str] = (),
    ) -> Cli:
        """The CLI in a copy of the project directory ``source``.

        Copied: ``Pulumi.yaml``, the ``files`` (paths relative to ``source``, files or
        directories, less virtualenvs, caches and hidden files) and ``Pulumi.<stack>.yaml`` of
        each of ``stacks``, nothing else: a stack file lying around in ``source`` (a
        developer's own ``Pulumi.dev.yaml``, say) never reaches a test.

        The runtime's ``virtualenv`` stays as the project writes it; where it points from the
        copy, a symlink to the virtualenv running the tests is made (if nothing is there), so
        the CLI resolves the project's own relative path. A project without one gets that
        virtualenv's absolute path. ``toolchain`` is ``pip``; the rest of ``Pulumi.yaml`` is
        kept.
        """
        cli = cls.__new__(cls)
        cli._prepare(executable, root)
        source = source.resolve()
        settings = _read_project(source)
        copied = ["Pulumi.yaml", *files, *(f"Pulumi.{stack}.yaml" for stack in stacks)]
        for name in copied:
            path = (source / name).resolve()
            assert path.is_relative_to(source), f"{name} is outside {source}"
            assert path.exists(), f"{path} does not exist"
            target = cli.project / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, target, ignore=_NOT_COPIED, dirs_exist_ok=True)
            else:
                shutil.copy2(path, target)

        runtime = settings.get("runtime")
        if not isinstance(runtime, dict):
            runtime = {"name": runtime or "python"}
        options = dict(runtime.get("options") or {})
        options["toolchain"] = "pip"
        virtualenv = options.get("virtualenv")
        if virtualenv:
            _link_virtualenv(cli.project, str(virtualenv), root.parent)
        else:
            options["virtualenv"] = str(Path(sys.prefix))
        settings["runtime"] = {**runtime, "options": options}
        (cli.project / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
        return cli

    @classmethod
    def empty(cls, executable: str, root: Path) -> Cli:
        """The CLI in an empty project directory, for a command that makes the project
        (``ampeco-iac init``, ``export --project``)."""
        cli = cls.__new__(cls)
        cli._prepare(executable, root)
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
            # The plugins the engine starts (the language host, the dynamic provider launcher)
            # live beside the executable.
            "PATH": os.pathsep.join([str(Path(executable).parent), os.environ.get("PATH", "")]),
            "PULUMI_BACKEND_URL": (root / "backend").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "offline-cli-check",
            "PULUMI_HOME": str(root / "home"),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            # Both the program and the provider process import tests.toy_provider.
            "PYTHONPATH": os.pathsep.join(python_path),
        }

    def new_stack(self, stack: str, tenant_url: str, token: str) -> None:
        """``pulumi stack init`` and the tenant's settings, the token as a secret."""
        self("stack", "init", stack)
        self("config", "set", "ampeco:tenantUrl", tenant_url)
        self("config", "set", "--secret", "ampeco:apiToken", token)

    def __call__(self, *args: str) -> str:
        """Run ``pulumi *args``, which must succeed; its stdout and stderr, joined."""
        completed = self._run(args)
        return completed.stdout + completed.stderr

    def stdout(self, *args: str, ok: bool = True) -> str:
        """Run ``pulumi *args``, which must succeed (or, with ``ok=False``, fail); its stdout
        alone (for JSON output)."""
        return self._run(args, ok=ok).stdout

    def failing(self, *args: str) -> str:
        """Run ``pulumi *args``, which must fail; its stdout and stderr, joined."""
        completed = self._run(args, ok=False)
        return completed.stdout + completed.stderr

    def _run(self, args: Sequence[str], ok: bool = True) -> subprocess.CompletedProcess[str]:
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
        if ok:
            assert completed.returncode == 0, f"pulumi {' '.join(args)} failed:\n{output}"
        else:
            assert completed.returncode != 0, f"pulumi {' '.join(args)} succeeded:\n{output}"
        return completed


def _link_virtualenv(project: Path, setting: str, scratch: Path) -> None:
    """Make the ``virtualenv`` setting of the copied ``project`` name the virtualenv running
    the tests: a symlink to it where the setting points, unless something is already there.
    The symlink must land inside ``scratch`` (the directory holding the CLI's root)."""
    location = project / setting  # an absolute setting stays as it is
    if location.exists() or location.is_symlink():
        return
    resolved = location.parent.resolve() / location.name
    assert resolved.is_relative_to(scratch.resolve()), (
        f"virtualenv {setting!r} points outside {scratch} from the copy; "
        "give Cli a root deeper inside a temporary directory"
    )
    resolved.parent.mkdir(parents=True, exist_ok=True)
    resolved.symlink_to(Path(sys.prefix), target_is_directory=True)


def _read_project(directory: Path) -> dict[str, Any]:
    path = directory / "Pulumi.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a Pulumi project file"
    return data
