"""``ampeco-iac validate`` and ``ampeco-iac schema``: the tenant document without Pulumi, for
pre-commit hooks, CI and editors."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .. import config


def add_parsers(sub: Any) -> None:
    validate = sub.add_parser(
        "validate",
        help="check a tenant document without Pulumi",
        description="Check a tenant document as the Tenant component does before any API call: "
        "every problem with its line and path. Values of ${config:…} come from the stack file "
        "and --config; fields whose value the stack keeps encrypted are not checked.",
    )
    validate.add_argument("document", type=Path, help="the tenant document (YAML)")
    validate.add_argument(
        "-C",
        "--cwd",
        type=Path,
        default=None,
        metavar="DIR",
        help="the Pulumi project directory (default: the document's directory)",
    )
    validate.add_argument(
        "-s",
        "--stack",
        default=None,
        help=f"take config from Pulumi.<STACK>.yaml in --cwd (default: {config.DEFAULT_STACK},"
        " as for offline, when that file exists)",
    )
    validate.add_argument(
        "-c",
        "--config",
        action="append",
        default=[],
        metavar="NS:KEY=VALUE",
        help="a config value (repeatable; overrides the stack file)",
    )
    validate.set_defaults(handler=run_validate)

    schema = sub.add_parser(
        "schema",
        help="print the tenant document's JSON Schema",
        description="Print the JSON Schema (draft 2020-12) of tenant documents, for editors.",
    )
    schema.add_argument("--output", "-o", type=Path, default=None, help="write it to a file")
    schema.set_defaults(handler=run_schema)


def schema_text() -> str:
    from .schema import document_schema

    return json.dumps(document_schema(), indent=2, ensure_ascii=False) + "\n"


def run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from ampeco_engine.project import ProjectFileError, project_name, stack_config

    from ..errors import InvalidDocument, UsageError
    from .loading import UNREADABLE
    from .validation import load

    project_dir: Path = args.cwd or args.document.resolve().parent
    values: dict[str, Any] = {}
    encrypted: tuple[str, ...] = ()
    project = ""
    stack = args.stack or config.DEFAULT_STACK
    if args.stack and not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        print(
            f"error: there is no Pulumi.{stack}.yaml in {project_dir} (choose the stack with"
            " --stack, and the project directory with --cwd)",
            file=sys.stderr,
        )
        return 2
    try:
        if (project_dir / "Pulumi.yaml").exists():
            project = project_name(project_dir)
        if (project_dir / f"Pulumi.{stack}.yaml").is_file():
            found = stack_config(project_dir, stack)
            values, encrypted = dict(found.values), found.encrypted
    except ProjectFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        values.update(config.config_options(args.config))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def lookup(key: str) -> tuple[str | None, bool]:
        value = values.get(key)
        if value is not None:
            return (value if isinstance(value, str) else json.dumps(value)), key in encrypted
        if key in encrypted:
            return UNREADABLE, True  # set, but only the Pulumi CLI can decrypt it
        return None, False

    locale = config.value(
        "defaultLocale", {k: str(v) for k, v in values.items() if k == "ampeco:defaultLocale"}
    )
    if not args.document.is_file():
        print(f"error: there is no file {args.document}", file=sys.stderr)
        return 2
    plan = load(args.document, config=lookup, project=project, default_locale=locale or "en")
    if plan.problems:
        print(InvalidDocument(str(args.document), plan.problems), file=sys.stderr)
        return 1
    kinds = Counter(node.section.kind for node in plan.nodes)
    summary = ", ".join(f"{count} {kind}" for kind, count in kinds.items())
    print(f"{args.document}: valid; {len(plan.nodes)} objects ({summary or 'none'})")
    return 0
