"""The generic provider, called the way the engine calls it, against the simulator."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from deepdiff import DeepDiff
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from ampeco_engine.values import to_struct
from pulumi_ampeco import runtime
from pulumi_ampeco.errors import AdoptionRequiredError
from pulumi_ampeco.provider import AmpecoProvider, _identical

from .conftest import API, Sim

pytestmark = pytest.mark.quick

TOKEN = "prov-SECRET-4b1d"
LOCATION: dict[str, Any] = {
    "external_id": "site-1",
    "name": "Depot North",
    "geoposition": {"latitude": 59.91, "longitude": 10.75},
    "address": {"en": "Dronning Eufemias gate 16", "nb-NO": "Dronning Eufemias gate 16"},
    "country": "NO",
    "tags": ["north", "depot"],
}


#: The stack config the engine would hand to ``configure``.
CONFIG: dict[str, str] = {}


@pytest.fixture
def tenant(sim: Sim) -> Iterator[Sim]:
    assert sim.simulator is not None
    sim.simulator.config.tokens = (TOKEN,)
    CONFIG.clear()
    CONFIG.update({"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": TOKEN})
    yield sim
    runtime.reset()


def provider(kind: str) -> AmpecoProvider:
    p = AmpecoProvider(kind)
    p.configure(ConfigureRequest(Config(dict(CONFIG), "test")))
    return p


def wire_round_trip(props: dict[str, Any]) -> dict[str, Any]:
    """Values as the provider server hands them over: through the engine's protobuf struct
    (ints become floats, ``None`` keys vanish, unknowns become ``Unknown`` objects)."""
    return dict(rpc.deserialize_properties(to_struct(props), True))


def checked(kind: str, props: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    """``check`` as the engine calls it within an operation (no new ``configure``)."""
    runtime.configure(CONFIG)
    news = {**wire_round_trip(props), "__provider": "p"}
    result = AmpecoProvider(kind).check(olds or {}, news)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def live(sim: Sim, path: str) -> dict[str, Any]:
    with sim.client(TOKEN) as api:
        return api.get(path).json()["data"]  # type: ignore[no-any-return]


def writes(sim: Sim) -> list[tuple[str, str]]:
    return [(e["method"], e["path"]) for e in sim.requests() if e["method"] != "GET"]


def test_payload_is_small_by_reference_and_secret_free(tenant: Sim) -> None:
    p = provider("Location")
    payload = serialize_provider(p)
    raw = base64.b64decode(payload)
    assert len(payload) < 200
    assert b"pulumi_ampeco.provider" in raw and b"AmpecoProvider" in raw
    assert b"co_code" not in raw and b"def check" not in raw  # no bytecode: by reference
    assert TOKEN.encode() not in raw and b"tenantUrl" not in raw
    assert vars(p) == {"kind": "Location"}


def test_check_normalises(tenant: Sim) -> None:
    inputs = checked("Location", LOCATION)
    assert inputs["name"] == [{"locale": "en", "translation": "Depot North"}]
    assert [t["locale"] for t in inputs["address"]] == ["en", "nb-NO"]
    assert inputs["geoposition"] == {"latitude": 59.91, "longitude": 10.75}
    zone = checked("ChargingZone", {"location_id": 4000, "name": "L1", "status": "enabled"})
    assert zone["location_id"] == 4000 and isinstance(zone["location_id"], int)
    CONFIG["ampeco:defaultLocale"] = "nb-NO"
    assert checked("Location", LOCATION)["name"][0]["locale"] == "nb-NO"


def test_check_normalises_what_is_known_while_a_parent_id_is_unknown(tenant: Sim) -> None:
    """In a preview the parent's id is unknown; the outputs are typed from the checked
    inputs, so a translated text must already be the API's list."""
    inputs = checked(
        "Tax",
        {
            "name": "VAT",
            "percentage": 25,
            "display_name": {"nb-NO": "MVA", "en": "VAT"},
            "tax_identification_number_id": rpc.UNKNOWN,
        },
    )
    assert inputs["display_name"] == [
        {"locale": "en", "translation": "VAT"},
        {"locale": "nb-NO", "translation": "MVA"},
    ]
    assert inputs["percentage"] == 25 and isinstance(inputs["percentage"], int | float)
    assert isinstance(inputs["tax_identification_number_id"], Unknown)


INVALID = [
    ({"name": None}, "name", "required"),
    ({"geoposition": {"latitude": 91, "longitude": 0}}, "geoposition.latitude", "less than"),
    ({"geoposition": {"latitude": 0, "longitude": -181}}, "geoposition.longitude", "greater"),
    ({"country": "Norway"}, "country", "ISO 3166-1"),
    ({"parking_type": "ROOFTOP"}, "parking_type", "UNDERGROUND_GARAGE"),
    ({"access_methods": ["OPEN", "TELEPATHY"]}, "access_methods.1", "PARKING_TICKET"),
    ({"geoposition": "59.9,10.7"}, "geoposition", "dictionary"),
    ({"tags": "north"}, "tags", "list"),
    ({"state": "CA"}, "state", "use `region`"),
    ({"geoposition": {"lat": 1, "longitude": 1}}, "geoposition.lat", "of `geoposition`"),
    ({"name": {"en": "", "de": "x"}}, "name.en", "at least 1 character"),
    ({"colour": "red"}, "colour", "not an argument"),
    ({"external_id": "  "}, "external_id", "must not be empty or only spaces"),
    ({"name": {"en": " \t "}}, "name.en", "must not be empty or only spaces"),
    ({"address": "Street\x001"}, "address.0.translation", "control character U+0000"),
    ({"tags": ["north", "\x1b[31mred"]}, "tags", "control character U+001B"),
    (
        {"working_hours": {"hours": {"monday": [{"start": "6:00", "end": "23:00"}]}}},
        "working_hours.hours.monday.0.start",
        "pattern",
    ),
    (
        {"name": [{"locale": "en", "translation": "A"}, {"locale": "en", "translation": "B"}]},
        "name",
        "more than once",
    ),
    ({"name": ""}, "name.0.translation", "at least 1 character"),
]


@pytest.mark.parametrize(("change", "field", "words"), INVALID)
def test_invalid_programs_fail_in_check_without_api_calls(
    tenant: Sim, change: dict[str, Any], field: str, words: str
) -> None:
    props = {k: v for k, v in {**LOCATION, **change}.items() if v is not None}
    result = provider("Location").check({}, {**props, "__provider": "p"})
    assert result.failures, "the program should have been rejected"
    by_field = {f.property: f.reason for f in result.failures}
    assert field in by_field, by_field
    assert words in by_field[field], by_field
    assert tenant.requests() == []


@pytest.mark.parametrize(
    ("kind", "props", "field", "words"),
    [
        ("Tax", {"name": "VAT", "percentage": float("inf")}, "percentage", "finite number"),
        ("Tax", {"name": "VAT", "percentage": float("nan")}, "percentage", "finite number"),
        (
            "TariffGroup",
            {"name": "G", "tariff_ids": [1, 10**19]},
            "tariff_ids.1",
            "10000000000000000000 is too large for the API: integers go up to"
            " 9,223,372,036,854,775,807",
        ),
        (
            "Tariff",
            {
                "name": "T",
                "type": "flat rate",
                "pricing": {"price_per_session": 1, "tax_id": 99999999999999999999999},
            },
            "pricing.tax_id",
            "99999999999999991611392 is too large for the API",
        ),
        (
            "Evse",
            {"charge_point_id": 1, "network_id": "1", "power_options": {"max_amperage": 1e300}},
            "power_options.max_amperage",
            "1e+300 is too large for the API: decimal numbers stay below 10,000,000,000",
        ),
    ],
)
def test_numbers_json_or_the_api_cannot_hold_fail_in_check_after_the_wire(
    tenant: Sim, kind: str, props: dict[str, Any], field: str, words: str
) -> None:
    # As the engine hands them over: through protobuf, where every number is a double.
    news = {**wire_round_trip(props), "__provider": "p"}
    result = provider(kind).check({}, news)
    by_field = {f.property: f.reason for f in result.failures}
    assert field in by_field and words in by_field[field], by_field
    assert tenant.requests() == []


def test_a_secret_argument_is_never_quoted_in_a_check_failure(tenant: Sim) -> None:
    props = {
        "name": "CP",
        "type": "personal",
        "status": "enabled",
        "pin": "98765",
        "network": {"id": "CP-1", "password": "pw-SECRET", "port": 99999},
    }
    result = provider("ChargePoint").check({}, {**props, "__provider": "p"})
    by_field = {f.property: f.reason for f in result.failures}
    assert set(by_field) == {"pin", "network.port"}
    assert "98765" not in by_field["pin"] and "pattern" in by_field["pin"]
    assert "99999" not in by_field["network.port"]


def test_unknown_values_are_tolerated_in_preview(tenant: Sim) -> None:
    news = wire_round_trip(
        {"location_id": rpc.UNKNOWN, "name": "L1", "status": "enabled", "__provider": "p"}
    )
    result = provider("ChargingZone").check({}, news)
    assert result.failures == [] and result.inputs == news
    bad = provider("ChargingZone").check({}, {**news, "status": "gone"})
    assert [f.property for f in bad.failures] == ["status"]
    location = wire_round_trip({**LOCATION, "description": rpc.UNKNOWN, "__provider": "p"})
    assert provider("Location").check({}, location).failures == []
    inputs = checked("Location", LOCATION)
    created = provider("Location").create(inputs)
    before = len(tenant.requests())
    diff = provider("Location").diff(created.id, created.outs, {**inputs, **location})
    assert diff.changes is True
    assert len(tenant.requests()) == before  # the diff of an unknown made no call


def test_create_diff_update_read_delete(tenant: Sim) -> None:
    p = provider("Location")
    inputs = checked("Location", LOCATION)
    created = p.create(inputs)
    outs = {**created.outs, "__provider": "p"}
    assert outs["last_updated_at"]
    assert live(tenant, f"/locations/v2.0/{created.id}")["externalId"] == "site-1"

    same = p.diff(created.id, wire_round_trip(outs), checked("Location", LOCATION))
    assert same.changes is False

    changed_inputs = checked("Location", {**LOCATION, "city": "Oslo", "tags": ["depot", "north"]})
    diff = p.diff(created.id, wire_round_trip(outs), changed_inputs)
    assert diff.changes is True and diff.replaces == []
    before = len(tenant.requests())
    updated = p.update(created.id, wire_round_trip(outs), changed_inputs)
    patches = [e for e in tenant.requests()[before:] if e["method"] == "PATCH"]
    assert len(patches) == 1
    assert tenant.simulator is not None
    assert updated.outs["city"] == "Oslo"

    read = p.read(created.id, {**updated.outs, "__provider": "p"})
    assert read.id == created.id
    assert read.inputs == {k: v for k, v in changed_inputs.items() if k != "__provider"}

    p.delete(created.id, updated.outs)
    p.delete(created.id, updated.outs)  # already gone: fine
    assert p.read(created.id, updated.outs).id == ""


def test_patch_carries_only_the_changed_field(tenant: Sim) -> None:
    p = provider("Location")
    created = p.create(checked("Location", LOCATION))
    bodies: list[dict[str, Any]] = []
    original = runtime.client().update

    def spy(path: str, body: Any, method: str = "PATCH") -> Any:
        bodies.append(dict(body))
        return original(path, body, method)

    runtime.client().update = spy  # type: ignore[method-assign]
    try:
        p.update(created.id, created.outs, checked("Location", {**LOCATION, "post_code": "0191"}))
    finally:
        del runtime.client().update
    assert bodies == [{"postCode": "0191"}]


def test_drift_shows_and_a_removed_field_is_cleared(tenant: Sim) -> None:
    p = provider("Location")
    inputs = checked("Location", {**LOCATION, "city": "Oslo"})
    created = p.create(inputs)
    httpx.patch(
        tenant.base_url + API + f"/locations/v2.0/{created.id}",
        json={"name": [{"locale": "en", "translation": "Renamed by hand"}]},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    p = provider("Location")  # the next operation: a new provider process reads afresh
    assert p.diff(created.id, created.outs, inputs).changes is True
    without_city = checked("Location", LOCATION)
    p.update(created.id, created.outs, without_city)
    now = live(tenant, f"/locations/v2.0/{created.id}")
    assert now["city"] is None
    assert now["name"] == [{"locale": "en", "translation": "Depot North"}]


def test_a_live_field_the_models_refuse_is_the_only_change_shown(tenant: Sim) -> None:
    """Text with a control character typed into the tenant by other means: that field is
    read as it is; the others keep the program's shape (nested names in snake_case)."""
    p = provider("ChargePoint")
    station = {
        "name": "Home",
        "type": "personal",
        "status": "enabled",
        "pin": "1234",
        "security": {"desired_profile": 2},
    }
    inputs = checked("ChargePoint", station)
    created = p.create(inputs)
    httpx.patch(
        tenant.base_url + API + f"/charge-points/v2.0/{created.id}",
        json={"name": "Ho\u0007me"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    p = provider("ChargePoint")
    read = p.read(created.id, {**created.outs, "__provider": "p"})
    assert read.inputs["name"] == "Ho\u0007me"
    assert read.inputs["security"] == {"desired_profile": 2}
    assert {k: v for k, v in read.inputs.items() if k != "name"} == {
        k: v for k, v in inputs.items() if k not in ("name", "__provider")
    }


def test_deleted_out_of_band_is_a_replacement(tenant: Sim) -> None:
    p = provider("Location")
    inputs = checked("Location", LOCATION)
    created = p.create(inputs)
    httpx.delete(
        tenant.base_url + API + f"/locations/v2.0/{created.id}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    diff = provider("Location").diff(created.id, created.outs, inputs)
    assert diff.changes is True and diff.replaces and diff.delete_before_replace is True


def test_zone_moves_are_replacements(tenant: Sim) -> None:
    loc = provider("Location").create(checked("Location", LOCATION))
    other = provider("Location").create(checked("Location", {**LOCATION, "external_id": "b"}))
    zp = provider("ChargingZone")
    zone_inputs = checked(
        "ChargingZone", {"location_id": int(loc.id), "name": "L1", "status": "enabled"}
    )
    zone = zp.create(zone_inputs)
    moved = checked("ChargingZone", {**zone_inputs, "location_id": int(other.id)})
    diff = zp.diff(zone.id, wire_round_trip(zone.outs), moved)
    assert diff.replaces == ["location_id"]


def test_existing_external_id_needs_adopt(tenant: Sim) -> None:
    p = provider("Location")
    first = p.create(checked("Location", LOCATION))
    with pytest.raises(AdoptionRequiredError) as caught:
        p.create(checked("Location", LOCATION))
    assert "adopt=True" in str(caught.value) and "external_id='site-1'" in str(caught.value)
    # In the same operation, the object is the first resource's: no second one may take it.
    with pytest.raises(AdoptionRequiredError, match="already made or taken over by another"):
        p.create(checked("Location", {**LOCATION, "adopt": True}))
    creates_before = sum(1 for m, _ in writes(tenant) if m == "POST")
    p = provider("Location")  # a later operation: the object is not in this stack's hands
    adopted = p.create(checked("Location", {**LOCATION, "adopt": True, "city": "Oslo"}))
    assert adopted.id == first.id
    assert sum(1 for m, _ in writes(tenant) if m == "POST") == creates_before
    assert live(tenant, f"/locations/v2.0/{first.id}")["city"] == "Oslo"


def test_reads_within_an_operation_cost_pages_not_objects(tenant: Sim) -> None:
    p = provider("Location")
    created = [
        p.create(checked("Location", {**LOCATION, "external_id": f"site-{n}"})) for n in range(250)
    ]
    p = provider("Location")  # a new operation, e.g. a preview
    tenant_log_start = len(tenant.requests())
    for c in created:
        assert (
            p.diff(
                c.id,
                c.outs,
                checked("Location", {**LOCATION, "external_id": c.outs["external_id"]}),
            ).changes
            is False
        )
    gets = [e for e in tenant.requests()[tenant_log_start:] if e["method"] == "GET"]
    assert len(gets) == 3  # ceil(250 / 100) pages, nothing per object
    CONFIG["ampeco:readCache"] = "false"
    p = provider("Location")
    tenant_log_start = len(tenant.requests())
    for c in created[:20]:
        p.diff(
            c.id, c.outs, checked("Location", {**LOCATION, "external_id": c.outs["external_id"]})
        )
    assert len(tenant.requests()) - tenant_log_start == 20  # without the cache: one GET each


# --- the fast path of the diff ------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-3, 3).map(lambda f: round(f, 1)),
    st.just(float("nan")),
    st.sampled_from(["", "a", "1"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(_values, _values)
@settings(max_examples=400, deadline=None)
def test_values_the_fast_path_calls_identical_are_the_same_for_deepdiff(a: Any, b: Any) -> None:
    if _identical(a, b):  # what it lets pass, DeepDiff would have found nothing in
        assert not DeepDiff(a, b, ignore_numeric_type_changes=True)
    assert _identical(a, copy.deepcopy(a)) or "nan" in repr(a)  # NaN is never the same


def test_the_fast_path_tells_numbers_from_flags_and_keeps_order() -> None:
    assert _identical({"power": 22, "tags": ["a", "b"]}, {"power": 22.0, "tags": ["a", "b"]})
    assert not _identical(1, True)
    assert not _identical(["a", "b"], ["b", "a"])
    assert not _identical({"a": None}, {})
    assert not _identical(float("nan"), float("nan"))


def test_a_drift_note_names_fields_and_shows_no_value() -> None:
    from pulumi_ampeco.provider import drift_note

    fields = [f"f{i}" for i in range(10)]
    note = drift_note("ChargePoint", "7", fields)
    assert note.startswith("ChargePoint 7 was changed outside Pulumi: `f0`, `f1`,")
    assert "`f7` and 2 more differ from the program" in note and "`f8`" not in note
    assert drift_note("Location", "1", ["city"]).startswith(
        "Location 1 was changed outside Pulumi: `city` differs from the program."
    )
