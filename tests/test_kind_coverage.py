"""Every declared kind is present everywhere a kind must be: a kind declared but missing from
the export, the simulator or the per-kind test tables fails here instead of going silently
unexported, unserved or untested.

The export's reading order and the fuzz's collections are derived from ``KINDS``; every
kind's sample (``tests/kind_samples.py``, which the rhythm, adoption and export tests read) is
written by hand, as are the simulator's catalogue and the conformance tables (from the API
reference): this test holds them in step.
"""

from __future__ import annotations

import re

from ampeco_sim.catalog import PATHS as CATALOGUED_PATHS
from ampeco_sim.contract import SERVED_PATHS
from pulumi_ampeco.export.snapshot import LISTED_KINDS, SITE_KINDS
from pulumi_ampeco.kinds import KINDS

from . import test_conformance, test_rhythm_all_kinds, test_sim_fuzz
from .kind_samples import NEEDS, SAMPLES

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


def test_every_kind_has_one_sample_and_so_a_rhythm_case() -> None:
    sampled = [sample.kind for sample in SAMPLES]
    assert len(sampled) == len(set(sampled)), "a kind with two samples"
    assert set(KINDS) - set(sampled) == set(), "declared kinds without a sample"
    assert set(sampled) - set(KINDS) == set(), "samples of no declared kind"
    assert test_rhythm_all_kinds.SAMPLES is SAMPLES
    for sample in SAMPLES:
        assert set(sample.needs) <= {"site", *NEEDS}, sample.kind


def test_the_fuzz_covers_every_collection_without_a_parent() -> None:
    top = {kind.collection for kind in KINDS.values() if not _PARAMETER.search(kind.collection)}
    assert set(test_sim_fuzz.COLLECTIONS) == top


def test_conformance_knows_every_path_parameter_it_fuzzes() -> None:
    fuzzed = [
        p for p in SERVED_PATHS if test_conformance.PREFIX + p not in test_conformance.NOT_FUZZED
    ]
    parameters = {name for path in fuzzed for name in _PARAMETER.findall(path)}
    assert parameters == set(test_conformance.PATH_KINDS)
    # What is left out is exactly the catalogued collections (their own test covers them).
    assert {p for p in SERVED_PATHS if p not in fuzzed} == set(CATALOGUED_PATHS)
