"""A program's ``OfflineStack`` against the simulator, with the API calls of each operation.

The rhythm tests subclass it with their own ``program`` and desired state. Its providers run in
this process (transport ``inprocess``): a provider process per operation would cost more than
the operation, and the offline engine's tests hold the in-process transport to gRPC's results.
A test about the process boundary passes ``transport="grpc"``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from ampeco_engine.stack import TransportName
from pulumi_ampeco.testing import OfflineStack, RunResult

from .conftest import API, Sim, http_client


class StackHarness:
    """``run`` an operation; the simulator's log of its API calls is kept in ``last``."""

    def __init__(
        self,
        sim: Sim,
        state: Path,
        token: str,
        transport: TransportName = "inprocess",
        **stack_options: Any,
    ) -> None:
        assert sim.simulator is not None
        sim.simulator.config.tokens = (token,)
        self.sim = sim
        self.token = token
        self.last: list[dict[str, Any]] = []
        #: API calls by method of each labelled run (figures for a report).
        self.counted: dict[str, dict[str, int]] = {}
        self.stack = OfflineStack(
            self.program,
            state,
            {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": token},
            transport=transport,
            **stack_options,
        )

    def program(self) -> None:
        raise NotImplementedError

    def run(self, operation: str, label: str | None = None) -> Any:
        with self.sim.admin() as admin:
            admin.delete("/requests")
        try:
            result: RunResult = getattr(self.stack, operation)()
        finally:
            self.last = self.sim.requests()
            if label is not None:
                self.counted[label] = dict(Counter(e["method"] for e in self.last))
        return result

    def api(self) -> httpx.Client:
        return http_client(
            base_url=self.sim.base_url + API, headers={"Authorization": f"Bearer {self.token}"}
        )

    def live(self, path: str) -> httpx.Response:
        with self.api() as api:
            return api.get(path)


def writes(calls: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """The writes among some API calls, with their bodies."""
    return [(e["method"], e["body"]) for e in calls if e["method"] != "GET"]
