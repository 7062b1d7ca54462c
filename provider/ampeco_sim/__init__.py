"""A simulated AMPECO.CHARGE tenant: a real HTTP service with an embedded database.

It serves the parts of the AMPECO Public API that pulumi-ampeco manages, validates every
request against AMPECO's published OpenAPI document, and adds fault injection and a request
log for tests. It shares no code with the provider's models.
"""

from .app import Simulator, SimulatorConfig
from .server import RunningSimulator, SimulatorHTTPServer

__all__ = ["RunningSimulator", "Simulator", "SimulatorConfig", "SimulatorHTTPServer"]
