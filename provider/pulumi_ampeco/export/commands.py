"""``ampeco-iac export``: bring an existing tenant under code.

Reads the tenant with the providers' settings and writes a tenant document (or a Python
program) that adopts every object by the id the export saw, so that the first ``up`` after it
writes nothing. Secret values never leave the tenant: each becomes a config reference, and the
command to set it is printed on standard error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from .. import config, scaffold
from ..errors import AmpecoError, UsageError
from ..kinds import KINDS


def add_parser(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="write a tenant document (or program) that adopts what the tenant holds",
        description="Read the tenant (listings only, no write) and write a tenant document "
        "that the Tenant component applies as it is: every object adopted by its id, "
        "references by key, secrets as ${config:...} references. The first up after it "
        "writes nothing.",
    )
    export.add_argument("-o", "--output", type=Path, default=None, help="write to this file")
    export.add_argument(
        "--project",
        type=Path,
        default=None,
        metavar="DIR",
        help="make a new Pulumi project in DIR around the export (as init does): Pulumi.yaml,"
        " the program, the document and its schema, Pulumi.<STACK>.yaml naming the tenant; its"
        " first preview, with either engine, adopts everything and writes nothing",
    )
    export.add_argument(
        "--format",
        choices=("yaml", "python"),
        default="yaml",
        help="a tenant document (yaml) or a Pulumi Python program (__main__.py)",
    )
    export.add_argument(
        "-C",
        "--cwd",
        type=Path,
        default=None,
        metavar="DIR",
        help="the Pulumi project directory whose stack file --stack reads (default: .)",
    )
    export.add_argument(
        "-s",
        "--stack",
        default=None,
        help="take settings from Pulumi.<STACK>.yaml (with --project: also the stack file"
        f" written, by default {config.DEFAULT_STACK})",
    )
    export.add_argument(
        "-c",
        "--config",
        action="append",
        default=[],
        metavar="NS:KEY=VALUE",
        help="a setting such as ampeco:tenantUrl=https://... (repeatable)",
    )
    export.add_argument(
        "--location",
        action="append",
        default=[],
        metavar="ID_OR_EXTERNAL_ID",
        help="export only these locations and what they hold (repeatable)",
    )
    export.add_argument(
        "--portable",
        action="store_true",
        help="write no ids: objects with a key are adopted by it (adopt: true), the others"
        " created; for templates and other tenants",
    )
    export.add_argument(
        "--kinds",
        default=None,
        metavar="KIND,...",
        help=f"export only these kinds (of {', '.join(KINDS)})",
    )
    export.set_defaults(handler=run_export)


def _settings(args: argparse.Namespace) -> dict[str, str]:
    from ampeco_engine.project import ProjectFileError, stack_config

    values: dict[str, str] = {}
    project = args.cwd or Path.cwd()
    stack = args.stack or config.DEFAULT_STACK
    # The stack the settings come from: the one named, or dev where its file is there (as
    # validate and offline take it), never a variable of the environment in its place. A
    # new project's stack (--project -s prod) need not exist here.
    read = (project / f"Pulumi.{stack}.yaml").is_file() or (
        args.stack is not None and args.project is None
    )
    if read:
        try:
            found = stack_config(project, stack)
        except ProjectFileError as exc:
            raise UsageError(str(exc)) from None
        values.update({k: str(v) for k, v in found.values.items() if isinstance(v, str)})
    values.update(config.config_options(args.config))
    return values


def _project(
    args: argparse.Namespace,
    text: str,
    given: dict[str, str],
    tenant_url: str,
    secrets: list[str],
) -> scaffold.Project:
    """The project around an export: the stack names the tenant read (and keeps the other
    plain ``ampeco:`` settings given), never the token."""
    url_key = config.BY_KEY["tenantUrl"].config_key
    # Only the settings known to be plain: a mistyped key (ampeco:apitoken) may hold a secret.
    plain = {s.config_key for s in config.SETTINGS} - {
        url_key,
        config.BY_KEY["apiToken"].config_key,
    }
    kept = {key: value for key, value in given.items() if key in plain}
    directory: Path = args.project
    return scaffold.Project(
        name=scaffold.project_name(directory),
        stack=args.stack or config.DEFAULT_STACK,
        document=text if args.format == "yaml" else None,
        program=text if args.format == "python" else None,
        settings={url_key: tenant_url, **kept},
        secrets=list(secrets),
        virtualenv=scaffold.running_virtualenv(directory),
    )


#: Kinds a document holds inside others: exporting them exports their holders too.
_HOLDERS = {
    "ChargingZone": ("Location",),
    "ChargePoint": ("Location",),
    "Evse": ("Location", "ChargePoint"),
    "Connector": ("Location", "ChargePoint", "Evse"),
}


def _kinds(text: str | None) -> list[str]:
    if text is None:
        return list(KINDS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in KINDS]
    if unknown:
        raise UsageError(f"--kinds: unknown {', '.join(unknown)} (kinds: {', '.join(KINDS)})")
    added = {h for n in names for h in _HOLDERS.get(n, ()) if h not in names}
    if added:
        print(
            f"note: --kinds: also {', '.join(sorted(added))}, which hold the others in a document",
            file=sys.stderr,
        )
    return [k for k in KINDS if k in names or k in added]


def run_export(args: argparse.Namespace) -> int:
    from ..client import AmpecoClient
    from . import document, snapshot, yaml_text

    started = time.monotonic()
    try:
        if args.project is not None and args.output is not None:
            raise UsageError("--project writes the document into the project: drop --output")
        kinds = _kinds(args.kinds)
        given = _settings(args)
        settings = config.load(given)
        if args.project is not None:  # before reading the tenant
            stack = args.stack or config.DEFAULT_STACK
            scaffold.check_names(scaffold.project_name(args.project), stack)
            made = scaffold.Project("", stack, "" if args.format == "yaml" else None)
            scaffold.refuse_taken(args.project, made.names())
    except AmpecoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    empty: list[str] = []

    def progress(kind: str, count: int) -> None:
        if count:
            print(f"  read {count} {kind}", file=sys.stderr, flush=True)
        else:
            empty.append(kind)  # named once, at the end

    print(f"==> reading {settings.tenant_url}", file=sys.stderr)
    try:
        with AmpecoClient.from_config(settings) as client:
            snap = snapshot.read(client, kinds, locations=args.location, progress=progress)
            calls = ", ".join(f"{n} {m}" for m, n in sorted(client.stats.by_method().items()))
            tenant = client.base_url
    except (AmpecoError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    exported = document.build(snap, ids_from=tenant, portable=args.portable)
    if args.format == "python":
        from . import program

        text = program.render(exported)
    else:
        text = yaml_text.render(exported)
    if empty:
        print(f"  none of: {', '.join(empty)}", file=sys.stderr)
    count = sum(len(objects) for objects in snap.objects.values())
    project = None
    if args.project is not None:
        project = _project(args, text, given, settings.tenant_url, exported.secrets)
        try:
            written = scaffold.write(args.project, project.files())
        except (AmpecoError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        where = (
            f" to {args.project / (scaffold.DOCUMENT if args.format == 'yaml' else '__main__.py')}"
        )
    elif args.output is None:
        sys.stdout.write(text)
        where = ""
    else:
        args.output.write_text(text, encoding="utf-8")
        where = f" to {args.output}"
    print(
        f"==> exported {count} objects{where} in {time.monotonic() - started:.1f} s"
        + f" ({calls or 'no request'})",
        file=sys.stderr,
    )
    for note in exported.notes:
        print(f"note: {note}", file=sys.stderr)
    if exported.dropped:
        print(
            "==> values the API's rules reject were left out; review these objects before `up`"
            " (a tariff or tariff group would lose them at its next update):",
            file=sys.stderr,
        )
        for item in exported.dropped:
            print(f"  {item}", file=sys.stderr)
    if args.portable and exported.ambiguous:
        print(
            "==> without ids, objects are found by their keys, and these share theirs with"
            " another object of their kind; give each its own (a name, an external id) in the"
            " document or the tenant before `up`:",
            file=sys.stderr,
        )
        for item in exported.ambiguous:
            print(f"  {item}", file=sys.stderr)
    if project is not None:
        scaffold.report(args.project, project, written)
    elif exported.secrets:
        print(
            "==> secrets stay in the tenant; set each before up, with the Pulumi CLI:",
            file=sys.stderr,
        )
        for key in exported.secrets:
            print(f"pulumi config set --secret {key}", file=sys.stderr)
        print(
            "    (ampeco-iac offline: --secret-env KEY=VARIABLE for each, the variable holding"
            " its value)",
            file=sys.stderr,
        )
    return 1 if exported.dropped or (args.portable and exported.ambiguous) else 0
