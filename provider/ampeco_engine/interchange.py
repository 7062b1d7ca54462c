"""Moving a stack between the offline engine and the Pulumi CLI, with no call to the tenant.

:func:`to_deployment` turns an offline state into the deployment ``pulumi stack import``
takes (version 3, as ``pulumi stack export`` writes it); :func:`from_deployment` turns what
``pulumi stack export --show-secrets`` writes into an offline state. Both carry every
resource with its URN, id, inputs and outputs, so the other engine's next preview finds each
object as it left it: nothing to create, nothing to delete.

- **Secrets** cross as Pulumi's plaintext secret values (``{sig, "plaintext": json}``), which
  ``pulumi stack import`` encrypts with the stack's secrets provider; the file in between holds
  them in the clear, like the offline state file itself: keep it private, delete it after.
- **Providers.** Pulumi records the default provider of the dynamic resources
  (``pulumi:providers:pulumi-python``) with the stack's config as its inputs, and each resource
  names it; the offline engine records neither. A deployment made here holds that provider
  with the config given (the stack's, as the CLI will see it), so the CLI's next preview finds
  it unchanged; the way back drops it.
- **Only a settled state moves**: one with replaced objects not yet deleted, or creates an
  interrupted run may have sent, is refused; finish it first with the engine that made it.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Mapping
from typing import Any

from .aliases import create_urn
from .protocol import STACK_TYPE
from .results import EngineStartError
from .state import ResourceState, StackState
from .values import (
    SECRET_SIG,
    SECRET_SIG_KEY,
    each,
    encode_for_state,
    is_secret,
    make_secret,
    to_plain,
)

PROVIDER_TYPE = "pulumi:providers:pulumi-python"
DEPLOYMENT_VERSION = 3
_PLAINTEXT = "plaintext"


class InterchangeError(EngineStartError):
    """A state or deployment that cannot move as it is; nothing was changed anywhere."""


def _to_pulumi(value: Any) -> Any:
    """An engine value as Pulumi's deployment JSON holds it: a secret as its plaintext form
    (inside a secret, everything is secret: nested markers are dropped)."""
    if is_secret(value):
        plain = json.dumps(to_plain(value), sort_keys=True)
        return {SECRET_SIG_KEY: SECRET_SIG, _PLAINTEXT: plain}
    return each(value, _to_pulumi)


def _from_pulumi(value: Any, where: str) -> Any:
    """A deployment JSON value as an engine value (secrets wrapped)."""
    if isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG:
        if _PLAINTEXT not in value:
            raise InterchangeError(
                f"{where}: a secret is encrypted; export the stack with"
                " `pulumi stack export --show-secrets` so that it can move"
            )
        try:
            plain = json.loads(value[_PLAINTEXT])
        except (TypeError, ValueError):
            raise InterchangeError(f"{where}: a secret's plaintext is not JSON") from None
        return make_secret(_from_pulumi(plain, where))
    return each(value, lambda item: _from_pulumi(item, where))


def _settled(state: StackState) -> None:
    unfinished = []
    if state.pending_deletes:
        unfinished.append(f"{len(state.pending_deletes)} replaced object(s) not deleted yet")
    if state.pending_creates:
        unfinished.append(
            f"{len(state.pending_creates)} create(s) an interrupted run may have sent"
        )
    if unfinished:
        raise InterchangeError(
            f"the state is not settled: {', '.join(unfinished)}. Run `ampeco-iac offline up`"
            " (or `refresh`) until it finishes, then move it"
        )


def to_deployment(state: StackState, provider_config: Mapping[str, Any]) -> dict[str, Any]:
    """The Pulumi deployment of ``state``; ``provider_config`` is the stack's config as the
    CLI will give it (``namespace:key`` → value; secrets as the engine's secret values)."""
    _settled(state)
    project, stack = state.project, state.stack
    root = create_urn(f"{project}-{stack}", STACK_TYPE, "", project, stack)
    provider_urn = create_urn("default", PROVIDER_TYPE, "", project, stack)
    provider_id = str(uuid.uuid4())
    config = {key: _to_pulumi(value) for key, value in provider_config.items()}
    resources: list[dict[str, Any]] = [
        {
            "urn": root,
            "custom": False,
            "type": STACK_TYPE,
            "outputs": _to_pulumi(state.outputs),
        },
        {
            "urn": provider_urn,
            "custom": True,
            "id": provider_id,
            "type": PROVIDER_TYPE,
            "inputs": config,
            "outputs": config,
        },
    ]
    for resource in state.resources.values():
        item: dict[str, Any] = {
            "urn": resource.urn,
            "custom": resource.custom,
            "type": resource.type,
            "inputs": _to_pulumi(resource.inputs),
            "outputs": _to_pulumi(resource.outputs),
            "parent": resource.parent or root,
        }
        if resource.custom:
            item["id"] = resource.id
            item["provider"] = f"{provider_urn}::{provider_id}"
        if resource.external:
            item["external"] = True
        for key, value in (
            ("dependencies", resource.dependencies),
            ("propertyDependencies", resource.property_dependencies),
            ("protect", resource.protect),
            ("retainOnDelete", resource.retain_on_delete),
            ("deletedWith", resource.deleted_with),
            ("additionalSecretOutputs", resource.additional_secret_outputs),
        ):
            if value:
                item[key] = value
        resources.append(item)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    return {
        "version": DEPLOYMENT_VERSION,
        "deployment": {
            "manifest": {"time": now, "magic": "", "version": ""},
            "resources": resources,
        },
    }


def from_deployment(data: Any, project: str, stack: str) -> StackState:
    """The offline state of a deployment ``pulumi stack export --show-secrets`` wrote."""
    if not isinstance(data, dict) or data.get("version") != DEPLOYMENT_VERSION:
        raise InterchangeError(
            "not a Pulumi deployment of version 3 (what `pulumi stack export` writes)"
        )
    deployment = data.get("deployment") or {}
    if deployment.get("pending_operations"):
        raise InterchangeError(
            "the deployment has pending operations (an interrupted `pulumi up`): run"
            " `pulumi refresh` or `pulumi cancel` with the Pulumi CLI first, then move it"
        )
    resources: dict[str, ResourceState] = {}
    outputs: dict[str, Any] = {}
    pending_deletes: list[ResourceState] = []
    for number, item in enumerate(deployment.get("resources") or []):
        where = f"resources[{number}]"
        type_ = item.get("type", "")
        if type_ == STACK_TYPE and not item.get("parent"):
            outputs = _from_pulumi(item.get("outputs") or {}, where)
            continue
        if type_.startswith("pulumi:providers:"):
            continue
        record = {
            "type": type_,
            "name": str(item.get("urn", "")).split("::", 3)[-1],
            "custom": bool(item.get("custom")),
            "id": str(item.get("id") or ""),
            "parent": item.get("parent") or "",
            "inputs": encode_for_state(_from_pulumi(item.get("inputs") or {}, where)),
            "outputs": encode_for_state(_from_pulumi(item.get("outputs") or {}, where)),
            "dependencies": list(item.get("dependencies") or []),
            "property_dependencies": dict(item.get("propertyDependencies") or {}),
            "protect": bool(item.get("protect")),
            "retain_on_delete": bool(item.get("retainOnDelete")),
            "deleted_with": item.get("deletedWith") or "",
            "external": bool(item.get("external")),
            "additional_secret_outputs": list(item.get("additionalSecretOutputs") or []),
        }
        state = ResourceState.from_json(str(item["urn"]), record, where)
        if item.get("delete"):
            pending_deletes.append(state)
        else:
            resources[state.urn] = state
    return StackState(
        project=project,
        stack=stack,
        resources=resources,
        pending_deletes=pending_deletes,
        outputs=outputs,
    )
