"""pulumi-ampeco: infrastructure as code for AMPECO.CHARGE tenants.

The public names load on first use: the errors and ``ampeco-iac validate`` need neither the
Pulumi SDK nor the resource classes. The resource classes and their ``…Args`` are generated
from the kinds' declarations (:mod:`pulumi_ampeco.resources`, ``docs/reference/``); the types
of nested objects are in :mod:`pulumi_ampeco.types`. Their old names here (``NetworkArgs``)
still work for now, with a ``DeprecationWarning``: a program written before the move keeps
running (a failed import would stop every ``up``, ``refresh`` and ``destroy`` of its stack)
while it is changed.
"""

from __future__ import annotations

import sys
import warnings
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from . import errors

try:
    __version__ = version("pulumi-ampeco")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

_TENANT = ("Tenant", "TenantDocumentError")

if "pulumi" in sys.modules:
    # A Pulumi program (its runtime loaded the SDK already): the SDK's corrections go in now,
    # before the program declares any dynamic resource of its own (see sdk_patch).
    import_module(".sdk_patch", __name__).apply()


def _resources() -> list[str]:
    return list(import_module(".resources", __name__).__all__)


def _moved(name: str) -> Any:
    """A nested object's type under its old name here, with a warning that says where it is."""
    warnings.warn(
        f"`pulumi_ampeco.{name}` is deprecated and will be removed: import it from"
        f" `pulumi_ampeco.types` (`from pulumi_ampeco.types import {name}`)",
        DeprecationWarning,
        stacklevel=3,
    )
    return getattr(import_module(".types", __name__), name)


def __getattr__(name: str) -> Any:
    value: Any
    if name == "__all__":
        value = sorted([*errors.__all__, *_TENANT, *_resources(), "__version__"])
    elif name in errors.__all__:
        value = getattr(errors, name)
    elif name in _TENANT:
        value = getattr(import_module(".tenant", __name__), name)
    elif name[:1].isupper() and name in _resources():  # submodules never load the SDK here
        value = getattr(import_module(".resources", __name__), name)
    elif name == "types":
        value = import_module(".types", __name__)
    elif name[:1].isupper() and name in import_module(".types", __name__).__all__:
        return _moved(name)  # not kept: every use warns
    else:
        raise AttributeError(f"module 'pulumi_ampeco' has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


if TYPE_CHECKING:
    from . import types as types
    from .errors import *  # noqa: F403
    from .resources import *  # noqa: F403
    from .tenant import Tenant as Tenant
    from .tenant import TenantDocumentError as TenantDocumentError
