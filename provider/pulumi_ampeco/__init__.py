"""pulumi-ampeco: infrastructure as code for AMPECO.CHARGE tenants.

The public names load on first use: the errors and ``ampeco-iac validate`` need neither the
Pulumi SDK nor the resource classes. The resource classes and their ``…Args`` are generated
from the kinds' declarations (:mod:`pulumi_ampeco.resources`, ``docs/reference/``).
"""

from __future__ import annotations

import sys
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
    else:
        raise AttributeError(f"module 'pulumi_ampeco' has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


if TYPE_CHECKING:
    from .errors import *  # noqa: F403
    from .resources import *  # noqa: F403
    from .tenant import Tenant as Tenant
    from .tenant import TenantDocumentError as TenantDocumentError
