"""What the engine and the providers it runs agree on: the reserved property names, the
marker of a provider the engine will not load, and the errors after which a create may have
happened; plus the short form of a type token for messages."""

from __future__ import annotations

PROVIDER_KEY = "__provider"
UNSERVED = "not-served-by-an-installed-provider"
"""Put in place of a stored ``__provider`` no installed provider serves (one of a program's own
dynamic providers). Not a pickle: a provider server given it fails to load it and runs
nothing. The engine replaces it with the value the program itself sends for that type, or
refuses the step (:meth:`ampeco_engine.records.Records.provided`)."""
UNCERTAIN_CREATE_ERRORS = frozenset({"AmbiguousCreateError", "DuplicateObjectsError"})
"""Class names of the provider exceptions after which a create may have happened all the same:
the create stays pending. After any other error the provider gave, nothing was created. They
are pulumi-ampeco's (``pulumi_ampeco.errors``; a test holds the two in step), named here
because the engine imports no provider package."""
RESUME_KEY = "__pendingCreate"
"""Added to the properties of a create that an earlier, interrupted run may already have made:
``{"taken": [ids of this type the state holds]}``. A provider that knows how to find its
objects takes that one over instead of making a second; others ignore it."""
STACK_TYPE = "pulumi:pulumi:Stack"


def short(type_: str) -> str:
    """A type token as users write it: ``pulumi-python:dynamic/ampeco:Tax`` → ``ampeco:Tax``."""
    return type_.removeprefix("pulumi-python:dynamic/")
