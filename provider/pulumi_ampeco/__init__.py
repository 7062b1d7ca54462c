"""pulumi-ampeco: infrastructure as code for AMPECO.CHARGE tenants."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pulumi-ampeco")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
