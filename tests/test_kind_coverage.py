"""Every declared kind is present everywhere a kind must be: a kind declared but missing from
the export, the simulator or the per-kind test tables fails here instead of going silently
unexported, unserved or untested.

The export's reading order, the fuzz's collections and the conformance's operations are
derived from ``KINDS`` and the catalogue; every kind's sample (``tests/kind_samples.py``: the
kind's declared example, which the rhythm, adoption and export tests make) is written by hand,
as are the simulator's catalogue and the conformance tables (from the API reference): this test
holds them in step.
"""

from __future__ import annotations

import re

import pytest

from ampeco_sim.contract import SERVED_PATHS, default_contract
from pulumi_ampeco.export.snapshot import LISTED_KINDS, NESTED_KINDS, SITE_KINDS
from pulumi_ampeco.kinds import KINDS

from . import (
    test_conformance,
    test_rate_prices,
    test_rhythm_all_kinds,
    test_sim_fuzz,
    test_stations,
    test_template_variables,
)
from .kind_samples import NEEDS, SAMPLES, SEEDED, SITE

pytestmark = pytest.mark.quick

_PARAMETER = re.compile(r"\{(\w+)\}")


def _shape(path: str) -> str:
    """A path template with every parameter alike: ``/locations/v2.0/{}/charging-zones``."""
    return _PARAMETER.sub("{}", path)


def test_every_kind_is_exported() -> None:
    exported = [*LISTED_KINDS, *NESTED_KINDS, *SITE_KINDS]
    assert len(exported) == len(set(exported))
    wanted = {name for name, kind in KINDS.items() if kind.exported}
    assert set(exported) == wanted, "kinds the export does not read (or reads unknown)"
    # A kind left out says so, and why, on its reference page.
    for kind in KINDS.values():
        assert kind.exported or any("export" in quirk for quirk in kind.quirks), kind.name


def test_the_simulator_serves_every_kind_and_its_items() -> None:
    served = {_shape(path) for path in SERVED_PATHS}
    missing = [
        f"{kind.name}: {path}"
        for kind in KINDS.values()
        if kind.channel is None  # a channel's collection is the provider's own name
        for path in (kind.collection, kind.collection + "/{id}")
        if _shape(path) not in served
    ]
    assert missing == []


def test_every_kind_has_one_sample_or_a_rhythm_of_its_own() -> None:
    sampled = [sample.kind for sample in SAMPLES]
    assert len(sampled) == len(set(sampled)), "a kind with two samples"
    assert set(sampled) - set(KINDS) == set(), "samples of no declared kind"
    assert test_rhythm_all_kinds.SAMPLES is SAMPLES
    for sample in SAMPLES:
        assert set(sample.needs) <= {*SITE, *NEEDS, *SEEDED}, sample.kind
    # The kinds written through channels, or read only in listings, have a rhythm of their
    # own (the generic one reads and writes the object's own path), and no sample.
    own = [
        *test_stations.CHANNEL_KINDS,
        *test_rate_prices.CHANNEL_KINDS,
        *test_template_variables.OWN_RHYTHM,
    ]
    assert sorted([*sampled, *own]) == sorted(KINDS), "declared kinds without a rhythm"
    apart = {k.name for k in KINDS.values() if k.channel is not None or not k.item_reads}
    assert set(own) == apart


def test_the_fuzz_covers_every_collection_without_a_parent() -> None:
    top = {kind.collection for kind in KINDS.values() if not _PARAMETER.search(kind.collection)}
    assert set(test_sim_fuzz.COLLECTIONS) == top


def test_conformance_fuzzes_every_served_operation() -> None:
    served = {f"{op.method} {op.template}" for op in default_contract().operations}
    assert set(test_conformance.LABELS) == served
    # ... and knows what each path parameter names (to seed, steer and explain): the kind of
    # object an id names, or the values a name takes (an OCPP key, a week day, a date).
    parameters = {name for label in served for name in _PARAMETER.findall(label)}
    assert parameters == set(test_conformance.PATH_KINDS) | set(test_conformance.NAMED)
    assert not set(test_conformance.PATH_KINDS) & set(test_conformance.NAMED)
