"""An offline engine: run a Pulumi program through the real SDK and the real dynamic providers,
with the Pulumi engine emulated in this process instead of the Pulumi CLI.

It previews, updates, refreshes and destroys a program and records the state in a local JSON
file, for machines without the CLI and for tests that inspect what a run did. It emulates the
engine's behaviour for dynamic providers only (see below), so where the CLI is available, deploy
with ``pulumi up``.

    from ampeco_engine import OfflineStack

    with OfflineStack(program, "state.json", config={"app:token": token},
                      secrets=("app:token",)) as stack:
        print(stack.preview().counts())
        stack.up()

:mod:`ampeco_engine.project` reads a project directory (``Pulumi.yaml``, the stack file, the
program) without loading the SDK; the package's other names load it on first use.

What is real: the program, the resource classes, ``Output`` plumbing and stack exports (run via
the SDK's ``run_in_stack``); the provider server (``python -m pulumi.dynamic`` over gRPC, or the
same servicer class in-process); every value's protobuf round trip (ints arrive as floats,
``None`` keys vanish); secret stripping towards the provider and re-marking afterwards.

What is emulated, following the engine's step generator: Check (olds = stored inputs) after
``ignore_changes``; Create, or a planned create in preview (outputs = inputs, so
server-computed outputs are :data:`UNKNOWN`); Diff (olds = stored outputs) with the engine's own
input comparison when the provider returns no verdict; update, replace (create-before-delete, or
delete-before-replace from the diff or the option), ``replace_on_changes``, ``protect``,
``retain_on_delete``, ``deleted_with``, ``additional_secret_outputs``; deletion of undeclared
resources dependents first; ``get`` reads; import (which fails for dynamic providers, as with
the real engine); refresh; destroy.

Known differences from the real engine:

* The root ``pulumi:pulumi:Stack`` resource is not a step and not stored as a resource; its
  outputs are the state's ``outputs`` (kept from the previous run when the program fails).
* Registrations are handled as they arrive, concurrently, but deletes, refresh reads and the
  final deletion of replaced objects run one at a time in dependency order (the engine runs
  independent ones in parallel). After the first failure no new step starts, as with the engine
  without ``--continue-on-error``; steps already running finish and are recorded.
* ``get`` (``ResourceOptions(id=...)``) reads run in previews too, as with the engine; such
  resources are forgotten without a step or a Delete when the program drops them or on destroy.
* Replaced objects whose delete failed are kept under ``pending_deletes`` and deleted by the
  next ``up``/``destroy`` (shown as a ``delete`` step); refresh does not read them.
* Not emulated: aliases, transforms, invokes, explicit provider resources, non-dynamic custom
  resources, ``--target``, plans, policy packs, custom timeouts, dependent replacements for
  delete-before-replace, and a ``get`` that takes over a managed resource's URN.
* ``replace_on_changes`` applies to the keys the engine knows changed: when a provider's
  ``diff`` returns no verdict (``changes=None``) the engine compares the inputs itself and knows
  them; a dynamic provider that returns a verdict reports no keys, so the option has no effect
  there — as with the CLI.
* Config values are always known strings; the state file holds no config. Secret values in the
  state file are *encoded* (base64 under the secret signature, so grepping the file for a
  secret fails as it would on ``pulumi stack export``), not encrypted:
  ``stack.state(show_secrets=True)`` decodes them.
* ``Step.changes`` lists top-level input names whose values differ from the stored inputs, plus
  the provider's replacement keys (for refresh: the names whose stored values changed); an
  update that a provider reports from drift alone may list none. ``Step.old_inputs``,
  ``Step.inputs`` and ``Step.id`` carry the values a plan printer shows (secrets still marked).
* Call the operations from synchronous code (they run their own event loop).

What it adds, for a deploy path to trust: each operation holds a lock on its state
(:mod:`ampeco_engine.lock`); steps are journaled as they happen and a create is recorded
pending before it is sent, so a run killed at any moment is replayed by the next, which sends
a pending create again with a hint (``__pendingCreate``) for the provider to find the object
first (:mod:`ampeco_engine.state`); ``up`` first runs the program with Check only and applies
nothing if any resource fails (all are reported); the provider server ends with the engine,
also on SIGKILL (:mod:`ampeco_engine.provider_host`); a state whose resources name a provider
other than the installed one is refused before anything is sent, so an altered state file
never gets its pickle unpickled (:mod:`ampeco_engine.providers`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .results import OfflineEngineError, RunResult, Step
    from .stack import OfflineStack, Program
    from .values import UNKNOWN

#: Public name -> submodule defining it. Resolved on first access (PEP 562), so that importing
#: the package, or :mod:`ampeco_engine.project`, does not load the Pulumi SDK and grpc.
_EXPORTS: dict[str, str] = {
    "UNKNOWN": "values",
    "OfflineEngineError": "results",
    "OfflineStack": "stack",
    "Program": "stack",
    "RunResult": "results",
    "Step": "results",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = ["UNKNOWN", "OfflineEngineError", "OfflineStack", "Program", "RunResult", "Step"]
