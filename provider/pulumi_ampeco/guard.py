"""``ampeco-iac guard``: stop a deploy whose plan deletes more tenant objects than allowed.

An engine applies whatever its plan holds, and a program that lost its resources (a document
emptied by a bad merge, the wrong stack, a config value that leaves a section out) plans their
deletion. ``pulumi up`` has no limit of its own; ``ampeco-iac offline up`` refuses to delete
more than half of a stack. This check reads the plan of either engine (``pulumi preview
--json``, ``ampeco-iac offline preview --json``) before ``up`` runs, counts the tenant objects
it removes, and lets more than ``--max-deletes`` through only when the count confirmed is the
count planned: a confirmation given for one reviewed plan does not pass a larger one.

Nothing here imports the Pulumi SDK or reaches the tenant: the plan is the only input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import UsageError

CONFIRM_ENV = "AMPECO_CONFIRM_DELETES"
"""The confirmation, when the option is not given (a CI variable set for one run)."""

#: The ops of a plan that remove an object from the tenant, and what the report calls them. A
#: replacement deletes the object it replaces (its id and history go with it), so it counts.
_REMOVING = {
    "delete": "delete",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
}
#: Resources of the engine itself, never objects of a tenant.
_ENGINE_TYPES = ("pulumi:providers:", "pulumi:pulumi:Stack")
DYNAMIC_PREFIX = "pulumi-python:dynamic/"
#: Lines of a failed preview's error shown (a program's traceback can be long).
_ERROR_LINES = 12


@dataclass(frozen=True)
class Removal:
    """A tenant object the plan removes."""

    op: str
    """``delete``, or ``replace`` (deleted and created again under a new id)."""
    type: str
    name: str
    id: str
    retained: bool
    """``retain_on_delete``: the stack lets go of it, the tenant keeps it; not counted."""


@dataclass(frozen=True)
class Verdict:
    """What the check decided, and the lines that say why."""

    passed: bool
    lines: list[str]


def add_parser(sub: Any) -> None:
    """Register ``guard`` on the ``ampeco-iac`` subcommands."""
    guard = sub.add_parser(
        "guard",
        help="fail when a preview's plan deletes more tenant objects than allowed",
        description="Read the plan of pulumi preview --json or ampeco-iac offline preview "
        "--json and fail when it deletes more tenant objects than --max-deletes (a "
        "replacement counts: its object is deleted). Objects with retain_on_delete, which "
        "the tenant keeps, are listed but not counted. Run it between the preview and up. "
        "Exit status: 0 within the limit or confirmed, 1 refused, 2 no plan to check (the "
        "file cannot be read, is not a preview's JSON, or holds the errors of a failed "
        "preview).",
    )
    guard.add_argument(
        "plan",
        metavar="PLAN",
        help="the file the preview's JSON was written to (- reads standard input)",
    )
    guard.add_argument(
        "--max-deletes",
        type=_count,
        default=0,
        metavar="N",
        help="the most objects a plan may delete without confirmation (default 0: every "
        "delete needs one)",
    )
    guard.add_argument(
        "--confirm-deletes",
        type=_count,
        default=None,
        metavar="N",
        help="accept a plan that deletes exactly N objects, more than --max-deletes: the "
        "count the reviewed plan shows. A plan that deletes any other number is still "
        f"refused. Default: the environment variable {CONFIRM_ENV}, if set",
    )
    guard.set_defaults(handler=run)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    """``ampeco-iac guard``: read, decide, report; returns the exit status."""
    try:
        confirmed = args.confirm_deletes
        if confirmed is None:
            confirmed = _confirmation_from(os.environ)
        plan = read_plan(args.plan, sys.stdin)
        removals = removed_objects(plan)
    except UsageError as exc:
        print(f"ampeco-iac guard: error: {exc}", file=sys.stderr)
        return 2
    verdict = judge(removals, args.max_deletes, confirmed)
    stream = sys.stdout if verdict.passed else sys.stderr
    for line in verdict.lines:
        print(line, file=stream)
    return 0 if verdict.passed else 1


def _confirmation_from(env: Mapping[str, str]) -> int | None:
    text = env.get(CONFIRM_ENV, "").strip()
    if not text:
        return None
    try:
        return _count(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{CONFIRM_ENV}: {exc}") from None


def read_plan(source: str, stdin: IO[str]) -> Mapping[str, Any]:
    """The JSON of a preview from a file (``-``: ``stdin``); raises :class:`UsageError` when
    there is none to check, naming why."""
    where = "standard input" if source == "-" else source
    try:
        text = stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the plan {where}: {exc}") from None
    if not text.strip():
        raise UsageError(
            f"the plan {where} is empty: the preview wrote no JSON (did it fail, or run"
            " without --json?)"
        )
    try:
        plan = json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"the plan {where} is not JSON ({exc}): write it with pulumi preview --json or"
            " ampeco-iac offline preview --json"
        ) from None
    if not isinstance(plan, dict) or not isinstance(plan.get("steps"), list):
        raise UsageError(
            f"the plan {where} is not a preview's JSON (no list of steps): write it with"
            " pulumi preview --json or ampeco-iac offline preview --json"
        )
    errors = [
        d
        for d in plan.get("diagnostics") or []
        if isinstance(d, dict) and d.get("severity") == "error"
    ]
    if errors:
        message = str(errors[0].get("message") or "(no message)").strip().splitlines()
        shown = "\n".join(line.rstrip() for line in message[:_ERROR_LINES])
        raise UsageError(
            f"the plan {where} is the output of a failed preview, which plans nothing: {shown}"
        )
    return plan


def removed_objects(plan: Mapping[str, Any]) -> list[Removal]:
    """The tenant objects the plan removes, each once, in the plan's order. A step whose
    entries are not as a preview writes them raises :class:`UsageError`: a plan the check
    cannot read must not pass."""
    found: dict[str, Removal] = {}
    for index, step in enumerate(plan["steps"]):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str):
            raise UsageError(f"steps[{index}] of the plan has no op")
        op = _REMOVING.get(step["op"])
        if op is None:
            continue
        urn = step.get("urn")
        if not isinstance(urn, str) or "::" not in urn:
            raise UsageError(f"steps[{index}] of the plan ({step['op']}) has no URN")
        old = _mapping(step.get("oldState"))
        new = _mapping(step.get("newState"))
        known = old or new
        type_ = str(known.get("type") or _urn_type(urn))
        if known.get("custom") is False or type_.startswith(_ENGINE_TYPES):
            continue  # a component groups objects; its own removal deletes nothing
        id_ = str(old.get("id") or "")
        earlier = found.get(urn)
        if earlier is not None:  # a replacement's steps (replace, delete-replaced): one removal
            found[urn] = Removal(
                op="replace" if "replace" in (op, earlier.op) else op,
                type=earlier.type,
                name=earlier.name,
                id=earlier.id or id_,
                retained=earlier.retained or old.get("retainOnDelete") is True,
            )
            continue
        found[urn] = Removal(
            op=op,
            type=type_.removeprefix(DYNAMIC_PREFIX),
            name=urn.rsplit("::", 1)[1],
            id=id_,
            retained=old.get("retainOnDelete") is True,
        )
    return list(found.values())


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _urn_type(urn: str) -> str:
    """The type of ``urn:pulumi:stack::project::parent$type::name``."""
    return urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else ""


def judge(removals: Sequence[Removal], max_deletes: int, confirmed: int | None) -> Verdict:
    """Whether a plan removing ``removals`` may be applied, with the report to print."""
    counted = [r for r in removals if not r.retained]
    kept = [r for r in removals if r.retained]
    count = len(counted)
    lines = [f"The plan deletes {_objects(count)} from the tenant{_how(counted)}."]
    lines += [f"    {_line(r)}" for r in counted]
    if kept:
        lines.append(
            f"It lets go of {_objects(len(kept))} that the tenant keeps (retain_on_delete):"
        )
        lines += [f"    {_line(r)}" for r in kept]
    limit = f"--max-deletes {max_deletes}"
    if count <= max_deletes:
        lines.append(
            f"guard: passed: at most {max_deletes} may be deleted without confirmation ({limit})."
        )
        return Verdict(True, lines)
    if confirmed == count:
        lines.append(
            f"guard: passed: {_objects(count)} to delete, more than {limit}, confirmed"
            f" (--confirm-deletes {confirmed})."
        )
        return Verdict(True, lines)
    if confirmed is not None:
        lines.append(
            f"guard: refused: the plan deletes {_objects(count)}, more than {limit}, and"
            f" the confirmation is for {confirmed}. Review this plan; if it is meant, confirm"
            f" {count} (--confirm-deletes {count}, or {CONFIRM_ENV}={count})."
        )
        return Verdict(False, lines)
    lines.append(
        f"guard: refused: the plan deletes {_objects(count)}, more than {limit}. Check that"
        " the program, its config and the stack are the ones meant; if the deletes are,"
        f" confirm them: --confirm-deletes {count} (or {CONFIRM_ENV}={count})."
    )
    return Verdict(False, lines)


def _objects(count: int) -> str:
    return f"{count} object{'' if count == 1 else 's'}"


def _how(removals: Iterable[Removal]) -> str:
    replaced = sum(1 for r in removals if r.op == "replace")
    if not replaced:
        return ""
    return f" ({replaced} of them replaced: deleted, then created again with a new id)"


def _line(removal: Removal) -> str:
    id_ = f"  (id {removal.id})" if removal.id else ""
    return f"- {removal.op:<8} {removal.type}  {removal.name}{id_}"
