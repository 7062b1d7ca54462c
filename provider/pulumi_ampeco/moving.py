"""``ampeco-iac offline to-pulumi`` / ``from-pulumi``: move a stack between the engines.

A team that started without a Pulumi backend, or a laptop without the CLI, keeps one stack
whichever engine runs it. Moving copies the state (every resource with its URN, id, inputs
and outputs: :mod:`ampeco_engine.interchange`) and sends nothing to the tenant, so the other
engine's next preview expects no changes.

- ``to-pulumi`` takes the offline state of the stack into the Pulumi stack of the same name,
  which must exist and be empty (``pulumi stack init``, then its config: ``ampeco:tenantUrl``
  and the token as a secret, as the CLI will run it). It reads the stack's secrets provider
  (``pulumi stack export``) and config (``pulumi config --show-secrets``) and imports
  (``pulumi stack import``, the deployment on its standard input: no file holds the secrets).
- ``from-pulumi`` writes the Pulumi stack's state (``pulumi stack export --show-secrets``) as
  the offline state of the stack, which must not hold resources yet.

The state the move leaves behind is kept: remove it once the other engine runs the stack
(two engines applying one stack would each miss the other's changes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import AmpecoError, UsageError

HELPS = {
    "to-pulumi": "move the stack's offline state into the Pulumi stack of the same name",
    "from-pulumi": "move the Pulumi stack's state into the stack's offline state",
}


class MoveError(AmpecoError):
    """The move cannot happen as asked; nothing was changed."""


def add_parsers(operations: Any, common: argparse.ArgumentParser) -> None:
    for name, text in HELPS.items():
        parser = operations.add_parser(
            name, parents=[common], help=text, description=text.capitalize() + "."
        )
        parser.set_defaults(handler=run)


def _pulumi(args: Sequence[str], cwd: Path, stdin: str | None = None) -> str:
    """``pulumi *args`` in the project directory (``stdin`` as its input); its stdout. A
    failure is a :class:`MoveError` with the CLI's own message."""
    executable = shutil.which("pulumi")
    if executable is None:
        raise MoveError(
            "the Pulumi CLI is not on PATH (where Pulumi's installer cannot be used, "
            '`export PATH="$(bash scripts/pulumi-cli):$PATH"` builds it)'
        )
    completed = subprocess.run(
        [executable, *args, "--non-interactive"],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        said = (completed.stderr or completed.stdout).strip().splitlines()
        raise MoveError(f"`pulumi {args[0]} {args[1]}` failed: {said[-1] if said else '?'}")
    return completed.stdout


def _resources(deployment: Any) -> list[Any]:
    inner = deployment.get("deployment") if isinstance(deployment, dict) else None
    return list((inner or {}).get("resources") or [])


def run(args: argparse.Namespace) -> int:
    from ampeco_engine.interchange import from_deployment, to_deployment
    from ampeco_engine.lock import state_lock
    from ampeco_engine.results import EngineStartError
    from ampeco_engine.state import commit, load_state

    from .offline import locate

    try:
        root, project, state_path = locate(args)
    except UsageError as exc:
        print(f"ampeco-iac offline: error: {exc}", file=sys.stderr)
        return 2
    stack = args.stack
    try:
        with state_lock(state_path, args.operation, force=args.force_unlock):
            state = load_state(state_path, project, stack)
            if args.operation == "to-pulumi":
                if not state.resources:
                    raise MoveError(f"the offline state of stack {stack!r} holds no resources")
                target = json.loads(_pulumi(["stack", "export", "--stack", stack], root))
                if _resources(target):
                    raise MoveError(
                        f"the Pulumi stack {stack!r} already holds {len(_resources(target))}"
                        " resources; move into a new, empty stack (`pulumi stack init`)"
                    )
                config = json.loads(
                    _pulumi(["config", "--json", "--show-secrets", "--stack", stack], root)
                )
                deployment = to_deployment(state, _provider_config(config))
                inner = target.get("deployment") or {}
                if inner.get("secrets_providers"):
                    deployment["deployment"]["secrets_providers"] = inner["secrets_providers"]
                _import(deployment, stack, root)
                print(
                    f"moved {len(state.resources)} resources of stack {stack!r} into the Pulumi"
                    f" stack; nothing was sent to the tenant. Check with `pulumi preview"
                    f" --expect-no-changes --stack {stack}`, then remove {state_path}"
                    " (the offline engine must not run this stack any more)"
                )
            else:
                if state.resources or state.pending_deletes or state.pending_creates:
                    raise MoveError(
                        f"the offline state {state_path} already holds resources (or work an"
                        " interrupted run left); move it aside first"
                    )
                exported = json.loads(
                    _pulumi(["stack", "export", "--show-secrets", "--stack", stack], root)
                )
                moved = from_deployment(exported, project, stack)
                moved.serial = state.serial
                commit(state_path, moved)
                print(
                    f"moved {len(moved.resources)} resources of the Pulumi stack {stack!r} into"
                    f" {state_path}; nothing was sent to the tenant. It holds secret"
                    " values base64-encoded, not encrypted: keep it private. Check with"
                    f" `ampeco-iac offline preview --expect-no-changes --stack {stack}`"
                )
    except (MoveError, EngineStartError) as exc:
        print(f"ampeco-iac offline: error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    return 0


def _provider_config(config: Any) -> dict[str, Any]:
    """The stack's config as Pulumi records it on the default provider: every value as text,
    secrets as secrets."""
    from ampeco_engine.values import make_secret

    out: dict[str, Any] = {}
    for key, entry in (config or {}).items():
        value = entry.get("value") if isinstance(entry, dict) else entry
        if value is None and isinstance(entry, dict) and "objectValue" in entry:
            value = json.dumps(entry["objectValue"])
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        out[key] = make_secret(text) if isinstance(entry, dict) and entry.get("secret") else text
    return out


def _import(deployment: dict[str, Any], stack: str, root: Path) -> None:
    """``pulumi stack import`` of ``deployment``, given on its standard input: the secrets in
    it (in the clear until Pulumi encrypts them) never reach a file."""
    _pulumi(["stack", "import", "--stack", stack], root, stdin=json.dumps(deployment))
