"""Every declared kind is present everywhere a kind must be: a kind declared but missing from
the export, the simulator or the per-kind test tables fails here instead of going silently
unexported, unserved or untested.

The export's reading order, the fuzz's collections and the rhythm cases of generated kinds are
derived from ``KINDS``; the simulator's catalogue and the conformance tables are the
simulator's own (written from the API reference, the catalogued collections' tables derived
from the catalogue), and this test holds them in step.
"""

from __future__ import annotations

import re

from ampeco_sim.contract import SERVED_PATHS, default_contract
from pulumi_ampeco.export.snapshot import LISTED_KINDS, SITE_KINDS
from pulumi_ampeco.kinds import KINDS

from . import test_conformance, test_rhythm_all_kinds, test_sim_fuzz

_PARAMETER = re.compile(r"\{(\w+)\}")


def _shape(path: str) -> str:
    """A path template with every parameter alike: ``/locations/v2.0/{}/charging-zones``."""
    return _PARAMETER.sub("{}", path)


def test_every_kind_is_exported() -> None:
    exported = [*LISTED_KINDS, *SITE_KINDS]
    assert len(exported) == len(set(exported))
    assert set(exported) == set(KINDS), "kinds the export does not read (or reads unknown)"


def test_the_simulator_serves_every_kind_and_its_items() -> None:
    served = {_shape(path) for path in SERVED_PATHS}
    missing = [
        f"{kind.name}: {path}"
        for kind in KINDS.values()
        for path in (kind.collection, kind.collection + "/{id}")
        if _shape(path) not in served
    ]
    assert missing == []


def test_every_kind_has_a_rhythm_case() -> None:
    cases = [case.kind for case in test_rhythm_all_kinds.CASES]
    assert sorted(cases) == sorted(KINDS)


def test_the_fuzz_covers_every_collection_without_a_parent() -> None:
    top = {kind.collection for kind in KINDS.values() if not _PARAMETER.search(kind.collection)}
    assert set(test_sim_fuzz.COLLECTIONS) == top


def test_conformance_fuzzes_every_served_operation() -> None:
    served = {f"{op.method} {op.template}" for op in default_contract().operations}
    assert set(test_conformance.LABELS) == served
    # ... and knows the kind of object each path parameter names (to seed, steer and explain).
    parameters = {name for label in served for name in _PARAMETER.findall(label)}
    assert parameters == set(test_conformance.PATH_KINDS)
