"""The kinds' declarations and what is derived from them cannot drift apart: the generated
resource classes and reference pages are current, every declared name is a real argument, and
the lookups, adoption messages and document sections come from the declarations."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import pulumi_ampeco as ampeco
from pulumi_ampeco import codegen, modelgen, types
from pulumi_ampeco.errors import AdoptionRequiredError
from pulumi_ampeco.kinds import KINDS, SECTIONS, TOP_LEVEL, Key, Kind
from pulumi_ampeco.lookup import lookup_for
from pulumi_ampeco.models import billing
from pulumi_ampeco.provider import AmpecoProvider

pytestmark = pytest.mark.quick


def test_generated_files_are_current() -> None:
    stale = [str(p.relative_to(codegen.ROOT)) for p in codegen.stale()]
    assert stale == [], f"run `python -m pulumi_ampeco.codegen`: stale {stale}"


def test_generated_models_are_current() -> None:
    stale = [str(path) for path, text in modelgen.generated() if path.read_text("utf-8") != text]
    assert stale == [], f"run `python -m pulumi_ampeco.modelgen`: stale {stale}"


def test_the_reference_index_lists_every_kind_with_its_page() -> None:
    readme = (codegen.ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/reference/README.md)" in readme
    index = (codegen.REFERENCE / "README.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        page = f"{codegen.slug(kind.name)}.md"
        assert f"| [{kind.name}]({page}) | {kind.doc} |" in index
        assert (codegen.REFERENCE / page).exists()


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_the_class_declares_every_argument_and_output(kind: Kind) -> None:
    args = getattr(ampeco, f"{kind.name}Args")
    assert {f.name for f in dataclasses.fields(args)} == set(kind.argument_names)
    cls = getattr(ampeco, kind.name)
    declared = set(cls.__annotations__) - {"_kind", "_args_class"}
    assert declared == set(kind.output_names)


def test_nested_types_are_in_the_types_module_and_the_top_level_keeps_the_resources() -> None:
    nested = {f"{model.__name__}Args" for kind in KINDS.values() for model in codegen.nested(kind)}
    assert nested and nested <= set(types.__all__)
    assert ampeco.types is types
    top = set(ampeco.__all__)
    assert not nested & top
    for kind in KINDS.values():
        assert {kind.name, f"{kind.name}Args"} <= top
    assert {"Tenant", "TenantDocumentError", "AmpecoError", "TranslatedText"} <= top
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # what stays at the top warns about nothing
        for name in top:
            getattr(ampeco, name)


def test_an_old_top_level_name_of_a_nested_type_still_works_with_a_warning() -> None:
    with pytest.warns(
        DeprecationWarning, match=r"from pulumi_ampeco\.types import NetworkArgs"
    ) as got:
        from pulumi_ampeco import NetworkArgs
    assert NetworkArgs is types.NetworkArgs
    assert {w.filename for w in got} == {__file__}  # the line to change is the program's
    with pytest.warns(DeprecationWarning, match="DisplayArgs"):
        assert ampeco.DisplayArgs is types.DisplayArgs
    with pytest.raises(AttributeError):
        ampeco.NoSuchArgs  # noqa: B018


@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_every_argument_has_a_one_line_doc(kind: Kind) -> None:
    args = codegen.arguments(kind)
    for model in codegen.nested(kind):
        args += [codegen._field(n, i, set()) for n, i in model.model_fields.items()]
    missing = [a.name for a in args if not a.doc]
    assert missing == []
    assert all("\n" not in a.doc for a in args)


def test_a_declared_name_that_is_no_argument_is_refused() -> None:
    bad = Kind(
        name="Tax",
        model=billing.Tax,
        doc="x",
        collection="/taxes/v2.0",
        kept_when_removed=frozenset({"percent"}),
    )
    with pytest.raises(ValueError, match=r"kept_when_removed.*percent"):
        bad.check()
    with pytest.raises(ValueError, match="not a field"):
        dataclasses.replace(bad, kept_when_removed=frozenset(), keys=(Key(("nme",)),)).check()


def test_document_sections_come_from_the_declarations() -> None:
    assert TOP_LEVEL[:9] == (
        "currencies",
        "tax_identification_numbers",
        "taxes",
        "tariffs",
        "tariff_groups",
        "utilities",  # before the locations: their charge points name utilities
        "electricity_rates",
        "circuits",
        "locations",
    )
    nested = {child for section in SECTIONS.values() for child in section.children}
    assert set(TOP_LEVEL) == set(SECTIONS) - nested
    for section in SECTIONS.values():
        assert KINDS[section.kind].section is not None
        for child in section.children:
            assert child in SECTIONS
        for ref in section.refs:
            assert ref.target in SECTIONS
            # A reference points at a section declared earlier (creates run in that order).
            assert list(SECTIONS).index(ref.target) < list(SECTIONS).index(section.name)


@pytest.mark.parametrize(
    ("path", "body", "fields", "params", "new_only"),
    [
        (
            "/locations/v2.0",
            {"externalId": "x", "name": []},
            {"externalId": "x"},
            {"filter": {"externalId": "x"}},
            False,
        ),
        ("/locations/v2.0", {"name": []}, None, None, None),
        ("/locations/v2.0/7/charging-zones", {"name": "L-2"}, {"name": "L-2"}, {}, True),
        (
            "/charge-points/v2.0",
            {"network": {"id": "CP-1"}},
            {"network.id": "CP-1"},
            {"filter": {"networkId": "CP-1"}},
            True,
        ),
        (
            "/evses/v2.1",
            {"networkId": "1", "chargePointId": 9},
            {"networkId": "1", "chargePointId": 9},
            {"filter": {"chargePointId": 9}},
            True,
        ),
        (
            "/evses/v2.1",
            {"externalId": "e", "networkId": "1", "chargePointId": 9},
            {"externalId": "e"},
            {"filter": {"externalId": "e", "chargePointId": 9}},
            False,
        ),
        # Under the charge point's path the station is implied.
        (
            "/charge-points/v2.0/3/evses",
            {"networkId": "1"},
            {"networkId": "1"},
            {},
            True,
        ),
        ("/tariffs/v1.0", {"externalId": "t", "name": "T"}, {"externalId": "t"}, {}, False),
        ("/tariffs/v1.0", {"name": "T"}, {"name": "T"}, {}, True),
        ("/currencies/v2.0", {"alphabeticCode": "EUR"}, {"alphabeticCode": "EUR"}, {}, True),
        ("/taxes/v2.0", {"name": "VAT", "percentage": 25}, {"name": "VAT"}, {}, True),
    ],
)
def test_lookups_follow_the_declared_keys(
    path: str,
    body: dict[str, object],
    fields: dict[str, object] | None,
    params: dict[str, object] | None,
    new_only: bool | None,
) -> None:
    found = lookup_for(path, body)
    if fields is None:
        assert found is None
        return
    assert found is not None
    assert (dict(found.fields), dict(found.params), found.new_only) == (fields, params, new_only)
    assert found.identifying


def test_a_connector_key_recognises_but_cannot_adopt() -> None:
    found = lookup_for("/charge-points/v2.0/1/evses/2/connectors", {"type": "type2"})
    assert found is not None
    assert (dict(found.fields), found.new_only, found.identifying) == (
        {"type": "type2"},
        True,
        False,
    )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("Location", "set `external_id`, or adopt it by its id"),
        ("ChargePoint", "set `external_id` or `network.id`"),
        ("Connector", "a Connector has no key to find it by in this API version"),
    ],
)
def test_adopt_without_a_key_names_the_declared_keys(kind: str, expected: str) -> None:
    provider = AmpecoProvider(kind)
    with pytest.raises(AdoptionRequiredError, match=re.escape(expected)):
        provider.create({**_minimal(kind), "adopt": True})


def _minimal(kind: str) -> dict[str, object]:
    """Arguments that validate but give no key (the create stops before any call)."""
    return {
        "Location": {
            "name": "Site",
            "geoposition": {"latitude": 1, "longitude": 1},
            "address": "Street 1",
            "country": "NO",
        },
        "ChargePoint": {"name": "CP", "type": "private", "status": "enabled", "location_id": 1},
        "Connector": {"charge_point_id": 1, "evse_id": 2, "type": "type2"},
    }[kind]


def test_type_checkers_see_every_argument(tmp_path: Path) -> None:
    """The generated constructors are typed: a misspelt argument or a wrong value is an error
    in the user's editor, not only at ``pulumi preview``."""
    program = tmp_path / "program.py"
    program.write_text(
        "import pulumi_ampeco as ampeco\n"
        "site = ampeco.Location('a', name='N', geoposition={'latitude': 1, 'longitude': 2},\n"
        "                       address='A', country='NO')\n"
        "ampeco.ChargingZone('z', location_id=site.id, name='L', status='enabled')\n"
        "ampeco.ChargingZone('y', location_id=site.id, nme='L', status='enabled')\n"
        "ampeco.ChargingZone('x', location_id=site.id, name='L', status='on')\n"
        "reveal_type(site.last_updated_at)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
            str(program),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert sorted({line.split(":")[1] for line in errors}) == ["5", "6"], done.stdout
    assert 'Unexpected keyword argument "nme"' in done.stdout
    assert 'Revealed type is "pulumi.output.Output[str]"' in done.stdout


def test_the_reference_lists_every_reference_of_a_tenant_document() -> None:
    index = (codegen.REFERENCE / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (?:a|an) [^|]+ \| `([^`]+)` \| `([^`]+)` \|", index, re.M)
    declared = {
        (ref.field + (": [keys]" if ref.many else ""), ref.id_field)
        for section in SECTIONS.values()
        for ref in section.refs
    }
    assert set(rows) == declared
