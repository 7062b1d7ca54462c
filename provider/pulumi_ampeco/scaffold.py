"""``ampeco-iac init``, and the project ``ampeco-iac export --project`` writes: a Pulumi
project that previews at once, with either engine.

A project is ``Pulumi.yaml``, a program (``__main__.py`` applying ``tenant.yaml``, or a Python
program), the document's JSON Schema for editors, a stack file naming the tenant and a
``.gitignore`` that keeps the offline engine's state (which holds secrets, base64-encoded) out
of git. Nothing is overwritten: a directory that holds any of these files is refused whole.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import config
from .errors import UsageError

DOCUMENT = "tenant.yaml"
SCHEMA = "tenant.schema.json"
#: The stack file's comment on the token: the two engines' ways to give it.
_TOKEN_HELP = """\
# The API token is secret and never written here in clear. Give it with
#   pulumi config set --secret ampeco:apiToken     (the Pulumi CLI: stored encrypted here)
# or, for either engine, in the environment:
#   export AMPECO_API_TOKEN=...                    (ampeco-iac offline reads it from there)
"""

_DOCUMENT_PROGRAM = '''\
"""The tenant of tenant.yaml, with the stack's config filling in its ${config:...} values."""

from pathlib import Path

import pulumi

from pulumi_ampeco import Tenant

tenant = Tenant("tenant", document=Path(__file__).parent / "tenant.yaml")
pulumi.export("ids", tenant.ids)
'''

_STARTER_DOCUMENT = """\
# yaml-language-server: $schema=./tenant.schema.json
#
# The tenant's configuration, one section per kind (docs/reference in pulumi-ampeco lists
# them all, each with an example). Objects are keyed within their section and refer to each
# other by key; `adopt: true` takes over an object the tenant already has instead of
# creating one. Check it with `ampeco-iac validate tenant.yaml`.
#
# A first example to replace with your own: a tax and the identification number it
# belongs to. `preview` shows what `up` would create; nothing is written before `up`.

tax_identification_numbers:
  company-vat:
    name: Company VAT number

taxes:
  vat-standard:
    name: VAT standard rate
    percentage: 20
    display_name: {en: VAT}
    tax_identification_number: company-vat
"""

_STARTER_PROGRAM = '''\
"""The tenant's configuration as a Python program (docs/reference in pulumi-ampeco lists
every kind, each with an example).

A first example to replace with your own: a tax and the identification number it belongs
to. `preview` shows what `up` would create; nothing is written before `up`.
"""

import pulumi

import pulumi_ampeco as ampeco

company_vat = ampeco.TaxIdentificationNumber("company-vat", name="Company VAT number")
vat = ampeco.Tax(
    "vat-standard",
    name="VAT standard rate",
    percentage=20,
    display_name={"en": "VAT"},
    tax_identification_number_id=company_vat.id,
)
pulumi.export("tax_id", vat.id)
'''

_GITIGNORE = """\
# The offline engine's state (ampeco-iac offline): it holds secret values base64-encoded,
# so it stays out of git; keep it where it survives between runs (see pulumi-ampeco's
# docs/ci.md).
.pulumi-offline/
__pycache__/
*.pyc
"""
#: Pulumi's rule for project and stack names (a stack may also be org/project/stack).
NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
#: A file that may be there already: the lines it lacks are added (a template's .gitignore).
_MERGED = ".gitignore"


@dataclass
class Project:
    """What goes into a new project's files."""

    name: str
    stack: str
    #: The tenant document (``tenant.yaml``), or ``None`` for a Python program.
    document: str | None
    #: The Python program, when there is no document.
    program: str | None = None
    #: Plain stack config (``ampeco:tenantUrl`` and the like), written to the stack file.
    settings: dict[str, str] = field(default_factory=dict)
    #: Secret config keys the program needs, each to be set before ``up``.
    secrets: Sequence[str] = ()
    #: The virtualenv the program runs in (``runtime.options.virtualenv``), if any.
    virtualenv: str | None = None

    def names(self) -> list[str]:
        """The files' names, in the order they are written."""
        program = (
            ["__main__.py", DOCUMENT, SCHEMA] if self.document is not None else ["__main__.py"]
        )
        return ["Pulumi.yaml", *program, f"Pulumi.{self.stack}.yaml", ".gitignore"]

    def files(self) -> dict[str, str]:
        """File name → text, in the order :meth:`names` gives."""
        if self.document is not None:
            main, document = _DOCUMENT_PROGRAM, self.document
        else:
            main, document = self.program or _STARTER_PROGRAM, ""
        texts: dict[str, Callable[[], str]] = {
            "Pulumi.yaml": self._project_file,
            "__main__.py": lambda: main,
            DOCUMENT: lambda: document,
            SCHEMA: _schema_text,  # made only for a document: it is large
            f"Pulumi.{self.stack}.yaml": self._stack_file,
            ".gitignore": lambda: _GITIGNORE,
        }
        return {name: texts[name]() for name in self.names()}

    def _project_file(self) -> str:
        what = "one document (tenant.yaml)" if self.document is not None else "a Python program"
        lines = [
            f"name: {_yaml_text(self.name)}",
            f"description: An AMPECO tenant's configuration as {what}",
            "runtime:",
            "  name: python",
        ]
        if self.virtualenv:
            lines += [
                "  options:",
                "    toolchain: pip",
                "    # The Python environment that has pulumi-ampeco installed.",
                f"    virtualenv: {_yaml_text(self.virtualenv)}",
            ]
        return "\n".join(lines) + "\n"

    def _stack_file(self) -> str:
        lines = [f"# The {self.stack} stack: which tenant it manages."]
        url_key = config.BY_KEY["tenantUrl"].config_key
        if url_key not in self.settings:
            lines.append(f"# Name the tenant: pulumi config set {url_key} https://<your-tenant>")
        lines.append(_TOKEN_HELP.rstrip("\n"))
        for key in self.secrets:
            lines += [
                f"# {key} is secret too: pulumi config set --secret {key}",
                f"#   (ampeco-iac offline: --secret-env {key}=VARIABLE, the variable holding it)",
            ]
        lines.append("config:" if self.settings else "config: {}")
        lines += [f"  {key}: {_yaml_text(value)}" for key, value in self.settings.items()]
        return "\n".join(lines) + "\n"


def _yaml_text(value: str) -> str:
    """A plain YAML scalar where that reads back as the same text, else a quoted one."""
    import json

    import yaml

    plain = yaml.safe_dump(value, default_flow_style=True, width=1000).strip()
    if plain.endswith("..."):
        plain = plain.removesuffix("...").strip()
    return plain if yaml.safe_load(plain) == value else json.dumps(value)


def _schema_text() -> str:
    from .tenant.commands import schema_text

    return schema_text()


def project_name(directory: Path) -> str:
    """A Pulumi project name from the directory's name (letters, digits, ``-_.``)."""
    plain = unicodedata.normalize("NFKD", directory.resolve().name).encode("ascii", "ignore")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", plain.decode()).strip("-.")[:100]
    return name or "ampeco-tenant"


def running_virtualenv(directory: Path) -> str | None:
    """The virtualenv this command runs in (so pulumi-ampeco is installed there), as a path
    from ``directory`` where they share more than the file system's root; ``None`` outside
    a virtualenv."""
    if sys.prefix == sys.base_prefix:
        return None
    venv = Path(sys.prefix).resolve()
    target = directory.resolve()
    common = Path(os.path.commonpath([venv, target]))
    if common == Path(common.anchor):
        return str(venv)
    return os.path.relpath(venv, target)


def refuse_taken(directory: Path, names: Sequence[str]) -> None:
    """Raise :class:`UsageError` if ``directory`` holds one of the files, or is no directory."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} is not a directory")
    taken = [name for name in names if name != _MERGED and (directory / name).exists()]
    if taken:
        raise UsageError(
            f"{directory} already holds {', '.join(taken)}; nothing was written (choose an"
            " empty or new directory)"
        )


def check_names(project: str, stack: str) -> None:
    """Raise :class:`UsageError` for a project or stack name Pulumi would refuse (checked
    before any file is written)."""
    for what, name in (("project", project), ("stack", stack)):
        if not NAME.fullmatch(name):
            raise UsageError(
                f"{name!r} is not a {what} name Pulumi takes: letters, digits, '-', '_' and"
                f" '.', at most 100 (choose one with --{'name' if what == 'project' else 'stack'})"
            )


def write(directory: Path, files: Mapping[str, str]) -> list[Path]:
    """Write the files into ``directory`` (made if missing); raises :class:`UsageError`
    before writing anything if one of them exists. A ``.gitignore`` there already gets the
    lines it lacks. Should a write fail, the files written before it are removed again, so
    that the command can simply be repeated."""
    refuse_taken(directory, list(files))
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name, text in files.items():
            path = directory / name
            if name == _MERGED and path.exists():
                have = path.read_text(encoding="utf-8")
                lines = have.splitlines()
                missing = [line for line in text.splitlines() if line not in lines]
                if missing:
                    path.write_text(have.rstrip("\n") + "\n\n" + "\n".join(missing) + "\n")
                continue
            with path.open("x", encoding="utf-8") as out:  # never over a file made meanwhile
                written.append(path)
                out.write(text)
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return [directory / name for name in files]


def next_steps(directory: Path, project: Project) -> list[str]:
    """What to run in the new project, for both engines."""
    url_key = config.BY_KEY["tenantUrl"].config_key
    here = directory.resolve() == Path.cwd().resolve()
    steps = [] if here else [f"cd {_shell_path(directory)}"]
    if url_key not in project.settings:
        steps.append(f"# name the tenant in Pulumi.{project.stack}.yaml ({url_key})")
    steps += [
        "export AMPECO_API_TOKEN=...        # the tenant's API token",
        *(f"export {_variable(key)}=...   # {key}" for key in project.secrets),
    ]
    secret_env = "".join(f" --secret-env {key}={_variable(key)}" for key in project.secrets)
    stack = "" if project.stack == config.DEFAULT_STACK else f" -s {project.stack}"
    steps += [
        f"ampeco-iac offline preview{stack}{secret_env}   # without the Pulumi CLI; then: up",
        f"# with the Pulumi CLI: pulumi stack init {project.stack} && pulumi preview",
    ]
    if project.secrets:
        steps.append(
            "# (and before it: "
            + "; ".join(f"pulumi config set --secret {key}" for key in project.secrets)
            + ")"
        )
    return steps


def _variable(key: str) -> str:
    """An environment variable name for a secret config key (``tenant:pin`` → ``TENANT_PIN``)."""
    return re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_").upper()


def _shell_path(path: Path) -> str:
    """The path as a shell word (``./`` first, so a name starting with ``-`` is no option)."""
    text = str(path) if path.is_absolute() or str(path).startswith(".") else f"./{path}"
    return shlex.quote(text)


def report(directory: Path, project: Project, written: Sequence[Path]) -> None:
    """What was written and what to run next, on standard error (standard output stays free
    for what a command prints as its result)."""
    names = ", ".join(path.name for path in written)
    print(f"==> wrote {names} in {directory}", file=sys.stderr)
    if project.virtualenv:
        print(
            f"    Pulumi.yaml runs the program in {project.virtualenv} (the virtualenv of this"
            " command); change runtime.options.virtualenv where yours lives elsewhere",
            file=sys.stderr,
        )
    print("==> next:", file=sys.stderr)
    for step in next_steps(directory, project):
        print(f"    {step}", file=sys.stderr)


# --- ampeco-iac init -------------------------------------------------------------------------


def add_parser(sub: Any) -> None:
    init = sub.add_parser(
        "init",
        help="make a new project: Pulumi.yaml, a program applying tenant.yaml, a stack file",
        description="Make a new Pulumi project that previews at once with either engine: "
        "Pulumi.yaml, __main__.py applying tenant.yaml (a first example to replace), the "
        "document's JSON Schema, Pulumi.<stack>.yaml naming the tenant, and a .gitignore. "
        "To start from what a tenant already holds, use: ampeco-iac export --project DIR. "
        "Nothing is overwritten.",
    )
    init.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to make it (default: the current directory; made if missing)",
    )
    init.add_argument(
        "--python",
        action="store_true",
        help="a Python program (__main__.py) instead of a tenant document",
    )
    init.add_argument(
        "-s",
        "--stack",
        default=config.DEFAULT_STACK,
        help=f"the stack file to write, Pulumi.<STACK>.yaml (default {config.DEFAULT_STACK})",
    )
    init.add_argument(
        "--name", default=None, help="the Pulumi project's name (default: the directory's)"
    )
    init.add_argument(
        "--tenant-url",
        default=None,
        metavar="URL",
        help="the tenant the stack manages (default: AMPECO_TENANT_URL, if set)",
    )
    init.set_defaults(handler=run_init)


def run_init(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    variable = config.BY_KEY["tenantUrl"].env
    url = (args.tenant_url or os.environ.get(variable) or "").strip()
    settings = {config.BY_KEY["tenantUrl"].config_key: url} if url else {}
    project = Project(
        name=args.name or project_name(directory),
        stack=args.stack,
        document=None if args.python else _STARTER_DOCUMENT,
        settings=settings,
        virtualenv=running_virtualenv(directory),
    )
    try:
        check_names(project.name, project.stack)
        written = write(directory, project.files())
    except (UsageError, OSError) as exc:
        print(f"ampeco-iac init: error: {exc}", file=sys.stderr)
        return 2
    report(directory, project, written)
    if url and not args.tenant_url:
        print(f"    (the tenant {url} is taken from {variable})", file=sys.stderr)
    return 0
