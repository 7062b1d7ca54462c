"""Test a Pulumi program without the Pulumi CLI: preview, update, refresh and destroy it
through the real dynamic providers and assert on the steps and the recorded state.

    from pulumi_ampeco.testing import OfflineStack

    with OfflineStack(program, tmp_path / "state.json",
                      config={"ampeco:tenantUrl": url, "ampeco:apiToken": token},
                      secrets=("ampeco:apiToken",)) as stack:
        assert stack.up().counts() == {"create": 3}
        assert stack.preview().counts() == {"same": 3}

The names are those of :mod:`ampeco_engine`, the offline engine, which documents what it
emulates and how it differs from the real engine; :mod:`ampeco_engine.project` runs a project
directory with its stack config.
"""

from __future__ import annotations

from ampeco_engine import UNKNOWN, OfflineEngineError, OfflineStack, Program, RunResult, Step

__all__ = ["UNKNOWN", "OfflineEngineError", "OfflineStack", "Program", "RunResult", "Step"]
