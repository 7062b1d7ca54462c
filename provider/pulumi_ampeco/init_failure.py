"""A failed step that keeps its object, told to the engine the way Pulumi understands it.

Pulumi records a resource whose create (or update) failed after the object came to exist when
the provider's error carries an ``ErrorResourceInitFailed`` detail (the object's id, outputs
and the reasons): the run fails, the state keeps the object, and the next ``up`` updates it
again. The SDK's dynamic provider server reports every exception as a bare traceback, so the
provider adds that detail itself (:func:`report`) to the call being served, as gRPC trailing
metadata that the server's own abort then sends. The offline engine reads the same detail
(``ampeco_engine.transport.kept_object``).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from google.protobuf import any_pb2  # type: ignore[import-untyped]
from google.rpc import status_pb2  # type: ignore[import-untyped]
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from .errors import KeptObjectError

#: The gRPC trailer that carries a status's details.
DETAILS_KEY = "grpc-status-details-bin"
#: gRPC's UNKNOWN: the code the server answers a failed call with, which the details repeat.
UNKNOWN = 2
#: The server's handlers, by name, and where each finds the resource's inputs.
_INPUTS = {"Create": "properties", "Update": "news"}


def report(error: KeptObjectError) -> bool:
    """Attach ``error``'s object to the gRPC call this thread serves, if any: the server's
    ``Create`` or ``Update`` frame (real server or the offline engine's in-process copy alike)
    holds its ``request`` and ``context``. ``False`` outside a server (a direct call, a test),
    where the error simply fails the step."""
    frame = sys._getframe(1)
    while frame is not None:
        field = _INPUTS.get(frame.f_code.co_name)
        context: Any = frame.f_locals.get("context")
        request = frame.f_locals.get("request")
        if field and request is not None and hasattr(context, "set_trailing_metadata"):
            details = _details(error, getattr(request, field))
            context.set_trailing_metadata(((DETAILS_KEY, details),))
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _details(error: KeptObjectError, inputs: Any) -> bytes:
    """``google.rpc.Status`` holding ``ErrorResourceInitFailed``: id, outputs (with the
    provider, as the server adds it to every result), the inputs, the reasons."""
    given = rpc.deserialize_properties(inputs)
    outputs = {**error.outputs, "__provider": given.get("__provider")}
    loop = asyncio.new_event_loop()
    try:
        properties = loop.run_until_complete(rpc.serialize_properties(outputs, {}))
    finally:
        loop.close()
    failed = provider_pb2.ErrorResourceInitFailed(
        id=error.id, properties=properties, inputs=inputs, reasons=error.reasons
    )
    packed = any_pb2.Any()
    packed.Pack(failed)
    status = status_pb2.Status(code=UNKNOWN, message=str(error), details=[packed])
    encoded: bytes = status.SerializeToString()
    return encoded
