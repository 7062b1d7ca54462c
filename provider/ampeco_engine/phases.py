"""What an operation does after the program: the deletes of what it no longer declares,
and the refresh and destroy operations, which run no program (:class:`Phases`)."""

from __future__ import annotations

from collections.abc import Callable

from pulumi.runtime.proto import provider_pb2

from .calls import ProviderCalls
from .protocol import short
from .records import _remove_identical, _StepFailed, dependents_first
from .state import ResourceState
from .values import (
    annotate_secrets,
    changed_keys,
    from_struct,
)


class Phases(ProviderCalls):
    """Deletes in dependency order, refresh and destroy."""

    # --- after the program: deletes, refresh, destroy ------------------------------------

    def finish_update(self) -> None:
        """Delete what the program no longer declares (dependents first), then the objects
        that replacements superseded. Runs only after a successful program."""
        condemned = [
            r
            for urn, r in self._old.items()
            if urn not in self._registered and urn not in self._aliases.claimed
        ]
        for resource in condemned:
            if resource.external:  # read (`get`) resources are forgotten, never deleted
                self._forget(resource.urn)
        self._unresolved_creates(
            "which the program no longer declares", lambda urn: urn not in self._registered
        )
        # Still pending though declared: an interrupted replacement whose object this run
        # kept (an update, or nothing to do), so the new one it began may be left over.
        self._unresolved_creates("whose earlier object this stack kept", lambda urn: True)
        condemned = [r for r in condemned if not r.external]
        # Every delete has its provider before the first one (and before the up's apply pass).
        for resource in [*condemned, *self.pending_deletes, *self._replaced]:
            if resource.custom and not self.provided(resource):
                try:
                    self._unprovided(resource)
                except _StepFailed:
                    return
        deleting = {r.urn for r in condemned}
        deleting.update(r.urn for r in self._replaced)
        deleting.update(r.urn for r in self.pending_deletes)
        for resource in dependents_first(condemned):
            self._delete(resource, deleting, replacing=False)
        for resource in [*self.pending_deletes, *reversed(self._replaced)]:
            self._delete(resource, deleting, replacing=True)

    def _unresolved_creates(self, why: str, which: Callable[[str], bool]) -> None:
        """Warn of each create an interrupted run began that this run will not resolve: its
        object may exist on the tenant, outside the stack. Forgotten after a real run."""
        for urn, pending in list(self.pending_creates.items()):
            if not which(urn):
                continue
            self.warnings.append(
                f"an interrupted run was creating {short(pending['type'])} {pending['name']!r},"
                f" {why}: an object it may have made on the tenant is not in this stack; look"
                " for it and delete it if it is there"
            )
            if not self.dry_run:
                self._settled(urn)

    def destroy(self) -> None:
        self._unresolved_creates("and the stack is being destroyed", lambda urn: True)
        everything = list(self.current.values())
        for resource in everything:
            if resource.external:
                self._forget(resource.urn)
        condemned = [r for r in everything if not r.external]
        deleting = {r.urn for r in condemned} | {r.urn for r in self.pending_deletes}
        for resource in dependents_first(condemned):
            self._delete(resource, deleting, replacing=False)
        for resource in list(self.pending_deletes):
            self._delete(resource, deleting, replacing=True)
        self.stack_outputs = {}

    def _delete(self, resource: ResourceState, deleting: set[str], *, replacing: bool) -> None:
        if self.failure is not None:
            return
        if resource.protect and not replacing:
            try:
                self._fail(
                    resource,
                    f"unable to delete resource {resource.urn!r} as it is currently marked for "
                    "protection. To unprotect the resource, remove the `protect` flag from the "
                    "resource in your Pulumi program and run `pulumi up`",
                )
            except _StepFailed:
                return
        skip_call = (
            self.dry_run
            or not resource.custom
            or resource.retain_on_delete
            or (bool(resource.deleted_with) and resource.deleted_with in deleting)
        )
        if not skip_call:
            self._started(resource)
            try:
                self._delete_call(resource)
            except _StepFailed:
                return
        if self._journal is not None and not self.dry_run:
            if replacing:
                self._journal.deleted_pending(resource)
            else:
                self._journal.drop(resource.urn)
        with self._lock:
            if replacing:
                if _remove_identical(self._replaced, resource):
                    return  # shown as part of its "replace" step
                _remove_identical(self.pending_deletes, resource)
            else:
                self.current.pop(resource.urn, None)
            step = self._step(resource, "delete", old=resource.inputs, id_=resource.id)
            self.steps.append(step)
        self._finished(step)

    def refresh(self) -> None:
        for urn, resource in list(self.current.items()):
            if self.failure is not None:
                return
            if not resource.custom:
                continue
            self._started(resource)
            try:
                self._ready(resource)
            except _StepFailed:
                return
            request = provider_pb2.ReadRequest(
                id=resource.id,
                urn=urn,
                properties=self._wire(resource.outputs),
                inputs=self._wire(resource.inputs),
                name=resource.name,
                type=resource.type,
            )
            try:
                response = self._call(resource, "Read", request)
            except _StepFailed:
                return
            if not response.id:
                self._forget(urn)
                step = self._step(resource, "delete", old=resource.inputs, id_=resource.id)
                with self._lock:
                    self.steps.append(step)
                self._finished(step)
                continue
            refreshed = resource.copy()
            refreshed.id = response.id
            refreshed.outputs = annotate_secrets(
                from_struct(response.properties),
                resource.outputs,
                resource.additional_secret_outputs,
            )
            if response.HasField("inputs"):
                refreshed.inputs = annotate_secrets(
                    from_struct(response.inputs), resource.inputs, []
                )
            changes = sorted(
                set(changed_keys(resource.outputs, refreshed.outputs))
                | set(changed_keys(resource.inputs, refreshed.inputs))
            )
            step = self._step(
                resource,
                "read",
                changes,
                old=resource.inputs,
                new=refreshed.inputs,
                id_=refreshed.id,
            )
            with self._lock:
                self.current[urn] = refreshed
                self.steps.append(step)
            if self._journal is not None and changes:
                self._journal.put(refreshed)
            self._finished(step)
