"""The tenant document on its own (no I/O): parsing, whole-document validation with paths and
lines, references, config substitution, and the JSON Schema published for editors."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulumi_ampeco.tenant import document_schema, load
from pulumi_ampeco.tenant.loading import parse

pytestmark = pytest.mark.quick

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tenant-yaml" / "tenant.yaml"
EXAMPLE_CONFIG = {"tenant:env": "dev", "tenant:pricePerKwh": "0.10"}


def config_of(values: dict[str, str], secret: tuple[str, ...] = ()) -> Any:
    return lambda key: (values.get(key), key in secret)


def problems_of(text: str, **options: Any) -> list[tuple[str, int | None, str]]:
    plan = load(parse(textwrap.dedent(text)), **options)
    return [(p.where, p.line, p.message) for p in plan.problems]


SITE = """\
locations:
  depot:
    name: Depot
    address: Street 1
    country: NO
    geoposition: {latitude: 59.9, longitude: 10.7}
"""


def test_the_example_document_is_valid_and_declares_its_graph_in_order() -> None:
    plan = load(EXAMPLE, config=config_of(EXAMPLE_CONFIG), project="ampeco-tenant-yaml")
    assert plan.problems == []
    names = [n.name for n in plan.nodes]
    assert names.index("tax_identification_numbers/vat-no") < names.index("taxes/vat-25")
    assert names.index("taxes/vat-25") < names.index("tariffs/standard")
    assert names.index("tariff_groups/public") < names.index(
        "locations/depot-north/charge_points/cp-1/evses/1"
    )
    by_name = {n.name: n for n in plan.nodes}
    evse = by_name["locations/depot-north/charge_points/cp-2/evses/1"]
    assert evse.refs == {"tariff_group_id": "tariff_groups/public"}
    assert evse.parents == {"charge_point_id": "locations/depot-north/charge_points/cp-2"}
    connector = by_name["locations/depot-north/charge_points/cp-2/evses/1/connectors/1"]
    assert connector.args == {"type": "chademo", "format": "cable"}
    assert connector.parents == {
        "charge_point_id": "locations/depot-north/charge_points/cp-2",
        "evse_id": "locations/depot-north/charge_points/cp-2/evses/1",
    }
    tariff = by_name["tariffs/standard"]
    assert tariff.refs == {"pricing.tax_id": "taxes/vat-25"}
    assert "tax" not in tariff.args["pricing"]
    assert tariff.args["pricing"]["price_per_kwh"] == "0.10"


def test_every_problem_is_reported_at_once_with_its_path_and_line() -> None:
    found = problems_of(
        SITE
        + """\
    colour: red
    charge_points:
      cp-1:
        name: CP
        type: public
        status: enabled
        evses:
          - physical_reference: A
            network_id: 1
            current_type: ac
            status: enabled
            power_options: {max_power: lots}
            tariff_group: nope
taxes:
  vat:
    name: VAT
    percentage: 250
"""
    )
    assert found == [
        ("locations.depot.colour", 7, found[0][2]),
        ("locations.depot.charge_points.cp-1.evses[0].power_options.max_power", 18, found[1][2]),
        (
            "locations.depot.charge_points.cp-1.evses[0].tariff_group",
            19,
            "no tariff group `nope` in `tariff_groups` (its keys: none)",
        ),
        ("taxes.vat.percentage", 23, "Input should be less than or equal to 100 (got 250)"),
    ]
    assert "did you mean `country`?" in found[0][2]
    assert "valid integer" in found[1][2]


def test_norway_stays_a_country_and_yes_no_stay_text() -> None:
    plan = load(parse(SITE + "    city: yes\n"))
    assert plan.problems == []
    assert plan.nodes[0].args["country"] == "NO"
    assert plan.nodes[0].args["city"] == "yes"


def test_a_repeated_key_is_an_error_and_the_rest_is_still_checked() -> None:
    found = problems_of(
        """\
        taxes:
          vat:
            name: VAT
            percentage: 25
          vat:
            name: VAT 2
            percentage: 2500
        """
    )
    assert found == [
        ("taxes.vat", 5, "`vat` appears twice in this mapping (first on line 2); keep one"),
        ("taxes.vat.percentage", 7, "Input should be less than or equal to 100 (got 2500)"),
    ]


def test_objects_the_tenant_could_not_tell_apart_are_refused() -> None:
    found = problems_of(
        """\
        taxes:
          a: {name: VAT, percentage: 25}
          b: {name: VAT, percentage: 15}
        locations:
          one:
            external_id: same
            name: One
            address: A
            country: NO
            geoposition: {latitude: 1, longitude: 1}
            charge_points:
              cp:
                name: CP
                type: public
                status: enabled
                evses:
                  - {physical_reference: A, network_id: 1, current_type: ac, status: enabled}
                  - {physical_reference: B, network_id: 1, current_type: ac, status: enabled}
          two:
            external_id: same
            name: Two
            address: B
            country: NO
            geoposition: {latitude: 1, longitude: 1}
        """
    )
    assert [
        (where, message.split(":")[0].split(" the EVSE")[0]) for where, _, message in found
    ] == [
        ("taxes.b", "same name 'VAT' as `taxes.a`"),
        (
            "locations.one.charge_points.cp.evses[1].network_id",
            "`network_id` '1' is also used by `locations.one.charge_points.cp.evses[0]`; it names",
        ),
        ("locations.two", "same external_id 'same' as `locations.one`"),
    ]


def test_the_same_evse_number_on_two_stations_is_fine() -> None:
    station = """\
          {key}:
            name: {key}
            type: public
            status: enabled
            evses:
              - {{physical_reference: A, network_id: 1, current_type: ac, status: enabled}}
"""
    text = SITE + "    charge_points:\n"
    for key in ("cp-1", "cp-2"):
        text += textwrap.indent(textwrap.dedent(station.format(key=key)), "      ")
    plan = load(parse(text))
    assert plan.problems == []
    assert [n.name for n in plan.nodes][-2:] == [
        "locations/depot/charge_points/cp-2",
        "locations/depot/charge_points/cp-2/evses/1",
    ]


def test_references_are_scoped_to_the_enclosing_location() -> None:
    found = problems_of(
        """\
        locations:
          a:
            name: A
            address: A
            country: NO
            geoposition: {latitude: 1, longitude: 1}
            charging_zones:
              z: {name: Z, status: enabled}
          b:
            name: B
            address: B
            country: NO
            geoposition: {latitude: 1, longitude: 1}
            charge_points:
              cp: {name: CP, type: public, status: enabled, charging_zone: z}
        """
    )
    assert found == [
        (
            "locations.b.charge_points.cp.charging_zone",
            15,
            "no charging zone `z` in `locations.b.charging_zones` (its keys: none)",
        )
    ]


def test_a_charge_point_names_its_utility_by_key() -> None:
    stations = """\
    charge_points:
      cp-1: {name: CP 1, type: public, status: enabled, utility: grid}
      cp-2: {name: CP 2, type: public, status: enabled, utility_id: 7}
"""
    # Written after the locations, the utility is still declared before the stations.
    plan = load(parse(SITE + stations + "utilities:\n  grid: {name: Grid Co}\n"))
    assert plan.problems == []
    assert plan.nodes[0].name == "utilities/grid"
    by_name = {node.name: node for node in plan.nodes}
    named = by_name["locations/depot/charge_points/cp-1"]
    assert named.refs == {"utility_id": "utilities/grid"}
    assert "utility" not in named.args
    assert by_name["locations/depot/charge_points/cp-2"].args["utility_id"] == 7

    wrong = stations.replace("utility_id: 7", "utility: grid, utility_id: 7")
    found = problems_of(SITE + wrong + "utilities:\n  elvia: {name: Elvia}\n")
    assert [(where, message[:40]) for where, _, message in found] == [
        (
            "locations.depot.charge_points.cp-1.utility",
            "no utility `grid` in `utilities` (its ke",
        ),
        (
            "locations.depot.charge_points.cp-2.utility",
            "set `utility` (a key in `utilities`) or ",
        ),
    ]


def test_a_reference_and_an_id_together_or_a_parent_id_are_refused() -> None:
    found = problems_of(
        SITE
        + """\
    charge_points:
      cp:
        name: CP
        type: public
        status: enabled
        location_id: 5
taxes:
  vat: {name: VAT, percentage: 25, tax_identification_number: tin, tax_identification_number_id: 7}
tax_identification_numbers:
  tin: {name: TIN}
"""
    )
    messages = {where: message for where, _, message in found}
    assert messages["locations.depot.charge_points.cp.location_id"].startswith(
        "`location_id` comes from where the charge point is written (inside `locations.depot`)"
    )
    assert "not both" in messages["taxes.vat.tax_identification_number"]


def test_ids_of_objects_outside_the_document_are_still_accepted() -> None:
    plan = load(
        parse(
            "tariffs:\n  t:\n    name: T\n    type: flat rate\n    pricing: {price_per_kwh: 1, tax_id: 40}\n"
        )
    )
    assert plan.problems == []
    assert plan.nodes[0].args["pricing"]["tax_id"] == 40
    assert plan.nodes[0].refs == {}
    assert plan.nodes[0].args["external_id"] == "t", "external_id defaults to the key"


def test_config_values_fill_in_and_secrets_are_marked() -> None:
    text = """\
    tax_identification_numbers:
      tin: {name: "TIN ${config:tenant:env}"}
    locations:
      depot:
        name: Depot ${config:env}
        address: "$${config:literal}"
        country: NO
        geoposition: "${config:tenant:position}"
        charge_points:
          cp:
            name: CP
            type: public
            status: enabled
            network: {id: X, password: "${config:tenant:ocpp}"}
    """
    values = {
        "tenant:env": "prod",
        "tenant:position": '{"latitude": 1, "longitude": 2}',
        "tenant:ocpp": "s3cret",
    }
    plan = load(
        parse(textwrap.dedent(text)),
        config=config_of(values, secret=("tenant:ocpp",)),
        project="tenant",
    )
    assert plan.problems == []
    by_name = {n.name: n for n in plan.nodes}
    assert by_name["tax_identification_numbers/tin"].args["name"] == "TIN prod"
    depot = by_name["locations/depot"]
    assert depot.args["name"] == "Depot prod", "no namespace: the project's"
    assert depot.args["address"] == "${config:literal}"
    assert depot.args["geoposition"] == {"latitude": 1, "longitude": 2}
    assert depot.secret_args == set()
    assert by_name["locations/depot/charge_points/cp"].secret_args == {"network"}


def test_a_missing_config_value_names_the_command_that_sets_it() -> None:
    found = problems_of(
        "tax_identification_numbers:\n  tin: {name: 'TIN ${config:tenant:env}'}\n",
        config=config_of({}),
        project="p",
    )
    assert found == [
        (
            "tax_identification_numbers.tin.name",
            2,
            "`${config:tenant:env}` is not set for this stack: `pulumi config set tenant:env"
            " <value>`, with `--secret` for a secret (ampeco-iac offline:"
            " `-c tenant:env=<value>`, or `--secret-env tenant:env=VARIABLE` for a secret)",
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "the document must be a mapping of sections"),
        ("tarifs: {}\n", "did you mean `tariffs`?"),
        ("taxes: [a]\n", "`taxes` is a mapping of key → tax"),
        ("taxes:\n  'a b': {name: x, percentage: 1}\n", "cannot be a key"),
        ("locations:\n  x:\n    charge_points: {cp: {evses: {a: 1}}}\n", "is a list of EVSEs"),
        ("taxes:\n  a: {name: x, percentage: 1, adopt: maybe}\n", "must be true, false or the id"),
        ("taxes:\n  a:\n", "a tax is a mapping of its fields"),
        ("taxes: {a: [\n", "not valid YAML"),
        ("a: &x [*x]\n", "an alias refers to the object that holds it"),
        ('taxes:\n  "a\\n": {name: x, percentage: 1}\n', "cannot be a key"),
    ],
)
def test_shape_errors(text: str, expected: str) -> None:
    assert any(expected in message for _, _, message in problems_of(text))


def test_an_object_left_empty_is_one_problem_not_a_cascade() -> None:
    found = problems_of(
        "taxes:\n  vat:\ntariffs:\n  t: {name: T, type: free, pricing: {tax: vat}}\n"
    )
    assert found == [("taxes.vat", 2, "a tax is a mapping of its fields")]


def test_a_document_given_as_a_dict_is_checked_the_same_way() -> None:
    document = {"taxes": {"vat": {"name": "VAT", "percentage": 250}}}
    plan = load(document)
    assert [(p.where, p.line) for p in plan.problems] == [("taxes.vat.percentage", None)]


def test_sections_in_any_order_are_declared_references_first() -> None:
    plan = load(
        parse(
            "tariffs:\n  t: {name: T, type: flat rate, pricing: {price_per_kwh: 1, tax: vat}}\n"
            "taxes:\n  vat: {name: VAT, percentage: 25}\n"
        )
    )
    assert plan.problems == []
    assert [n.name for n in plan.nodes] == ["taxes/vat", "tariffs/t"]


def test_text_that_yaml_1_1_would_turn_into_numbers_stays_text() -> None:
    plan = load(
        parse(
            SITE
            + "    post_code: 0150\n"
            + "tariffs:\n  t: {name: T, type: standard, day_tariff_start: 07:00}\n"
        )
    )
    assert plan.problems == []
    by_name = {n.name: n for n in plan.nodes}
    assert by_name["locations/depot"].args["post_code"] == "0150"
    assert by_name["tariffs/t"].args["day_tariff_start"] == "07:00"


def test_two_evses_with_one_number_on_a_station_are_refused_whatever_their_external_ids() -> None:
    found = problems_of(
        SITE
        + """\
    charge_points:
      cp:
        name: CP
        type: public
        status: enabled
        evses:
          - {physical_reference: A, network_id: 1, current_type: ac, status: enabled, external_id: a}
          - {physical_reference: B, network_id: 1, current_type: ac, status: enabled, external_id: b}
"""
    )
    assert [(where, line) for where, line, _ in found] == [
        ("locations.depot.charge_points.cp.evses[1].network_id", 14)
    ]


def test_secret_config_values_never_appear_in_a_message() -> None:
    text = (
        SITE
        + """\
    charge_points:
      cp:
        name: CP
        type: personal
        status: enabled
        pin: "${config:tenant:pin}"
        evses:
          - {physical_reference: A, network_id: "${config:tenant:evse}", current_type: ac, status: enabled}
taxes:
  vat: {name: VAT, percentage: "${config:tenant:rate}"}
"""
    )
    values = {"tenant:pin": "98765", "tenant:evse": "SECRETNET", "tenant:rate": "high-rate"}
    plan = load(parse(text), config=config_of(values, secret=tuple(values)), project="tenant")
    messages = "\n".join(f"{p.where}: {p.message}" for p in plan.problems)
    assert "98765" not in messages and "SECRETNET" not in messages
    assert "pin: String should match pattern '^[0-9]{1,4}$'" in messages
    assert "network_id: `network_id` names the resource" in messages
    assert "high-rate" not in messages
    assert "taxes.vat.percentage: Input should be a valid number" in messages
    assert "(got '[secret]')" in messages


def test_misspelt_config_references_are_reported_and_missing_ones_only_once() -> None:
    found = problems_of(
        """\
        taxes:
          a: {name: "VAT ${conifg:env}", percentage: 25}
          b: {name: "VAT $${config:env}", percentage: "${config:tenant:vat}"}
        """,
        config=config_of({}),
        project="tenant",
    )
    assert [(where, message.split(":")[0]) for where, _, message in found] == [
        ("taxes.a.name", "`${conifg"),
        ("taxes.b.percentage", "`${config"),
    ]


# --- the JSON Schema ------------------------------------------------------------------------


def test_the_schema_accepts_the_example_and_rejects_what_validation_rejects() -> None:
    import yaml

    schema = document_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    example = yaml.safe_load(EXAMPLE.read_text())
    example["locations"]["depot-north"]["country"] = "NO"  # PyYAML's YAML 1.1 reads NO as false
    assert list(validator.iter_errors(example)) == []

    for change, where in (
        (lambda d: d.update(tarifs={}), "tarifs"),
        (lambda d: d["taxes"]["vat-25"].update(colour="red"), "colour"),
        (
            lambda d: d["locations"]["depot-north"]["charge_points"]["cp-1"].update(location_id=5),
            "location_id",
        ),
        (lambda d: d["taxes"]["vat-25"].update(percentage=250), "250"),
        (lambda d: d["tariffs"]["standard"].update(type="cheap"), "cheap"),
    ):
        broken = copy.deepcopy(example)
        change(broken)
        errors = list(validator.iter_errors(broken))
        assert errors, where
        assert any(where in str(e.message) or where in str(list(e.path)) for e in errors), where


def test_the_schema_accepts_what_people_write() -> None:
    validator = jsonschema.Draft202012Validator(document_schema())
    document = {
        "taxes": None,
        "tariff_groups": {"g": {"name": "G", "tariffs": ["${config:tenant:tariff}"]}},
        "locations": {
            "x": {
                "name": "X",
                "address": "A",
                "country": "NO",
                "geoposition": "${config:tenant:position}",
                "charge_points": {
                    "cp": {
                        "name": "CP",
                        "type": "public",
                        "status": "enabled",
                        "evses": [
                            {
                                "physical_reference": "A",
                                "network_id": 1,
                                "current_type": "ac",
                                "status": "enabled",
                            }
                        ],
                    }
                },
            }
        },
    }
    assert list(validator.iter_errors(document)) == []


def test_the_schema_offers_references_and_nesting_for_editors() -> None:
    schema = document_schema()
    defs = schema["$defs"]
    tariff_group = defs["TariffGroup"]["properties"]
    assert tariff_group["tariffs"]["items"]["anyOf"][0]["pattern"]
    assert "tax" in defs["Pricing"]["properties"]
    charge_point = defs["ChargePoint"]["properties"]
    assert "location_id" not in charge_point
    assert charge_point["evses"]["type"] == ["array", "null"]
    assert "charge_point_id" not in defs["Evse"].get("required", [])
    name = defs["Location"]["properties"]["name"]
    plain = {"type": ["string", "number"], "maxLength": 255}
    assert plain in name["anyOf"], "a translated text may be plain"


def test_the_guide_example_document_is_valid() -> None:
    guide = Path(__file__).resolve().parent.parent / "docs" / "tenant-documents.md"
    section = guide.read_text(encoding="utf-8").split("# Tenant documents", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    plan = load(parse(example), config=config_of({"tenant:pricePerKwh": "0.35"}), project="tenant")
    assert plan.problems == []
    assert [n.name for n in plan.nodes][-1] == "locations/depot-north/charge_points/cp-1"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "{}\n", "taxes: {}\nlocations:\n"])
def test_a_document_that_declares_no_object_is_refused(text: str) -> None:
    """Applied, it would delete everything the stack manages: that must be said explicitly."""
    plan = load(parse(text))
    assert plan.nodes == []
    assert [p.message.split(":")[0] for p in plan.problems] == ["the document declares no object"]
    assert "delete_everything: true" in plan.problems[0].message


def test_an_empty_document_that_says_so_is_valid() -> None:
    assert load(parse("delete_everything: true\n")).problems == []
    problems = load(parse("delete_everything: 1\n")).problems
    assert any("must be true or false" in p.message for p in problems)


# --- hostile YAML ----------------------------------------------------------------------------

#: A few hundred bytes that expand to 9**6 values (a "billion laughs").
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['x'] * 9)}]\n"
    for prev, name in zip(["", "a", "b", "c", "d", "e"], "abcdef", strict=True)
)


def test_an_alias_bomb_is_refused_before_it_is_expanded() -> None:
    assert len(ALIAS_BOMB) < 300
    source = parse(ALIAS_BOMB)
    assert source.data is None
    [problem] = source.problems
    assert problem.message.startswith("its aliases (`*name`) would expand it from 22 values to")
    assert "write the repeated parts out" in problem.message


def test_a_shared_block_of_defaults_is_fine() -> None:
    text = "defaults: &d {type: type2, status: enabled}\nlist:\n" + "  - {<<: *d, n: 1}\n" * 2000
    source = parse(text)
    assert source.problems == []
    assert source.data["list"][1999] == {"type": "type2", "status": "enabled", "n": 1}


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (
            "taxes:\n  vat: !!python/object:os.system [echo]\n",
            "the tag `!!python/object:os.system` is not allowed: a tenant document is plain YAML"
            " (text, numbers, true/false, null, lists and mappings)",
            2,
        ),
        ("a: !!binary aGk=\n", "the tag `!!binary` is not allowed", 1),
        ("a: !!set {x}\n", "the tag `!!set` is not allowed", 1),
        ("a: !mine 1\n", "the tag `!mine` is not allowed", 1),
        ("a: &x\n  b: *x\n", "an alias refers to the object that holds it", 1),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels deep", 1),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 64 levels deep", None),
    ],
)
def test_yaml_beyond_plain_values_is_refused_with_its_line(
    text: str, message: str, line: int | None
) -> None:
    source = parse(text)
    assert source.data is None
    [problem] = source.problems
    assert problem.message.startswith(message)
    assert problem.line == line


def test_an_unquoted_date_stays_text() -> None:
    assert parse("start_date: 2025-01-31\n").data == {"start_date": "2025-01-31"}


def test_numbers_json_or_the_api_cannot_hold_are_refused_with_their_paths() -> None:
    found = problems_of(
        """\
        taxes:
          vat: {name: VAT, percentage: .inf}
        tariffs:
          t:
            name: T
            type: flat rate
            pricing: {price_per_session: 1e400, tax: vat}
          u:
            name: U
            type: flat rate
            pricing: {price_per_session: 1, tax_id: 99999999999999999999999}
          w:
            name: W
            type: flat rate
            pricing: {price_per_session: 1e300, tax: vat}
        """
    )
    assert found == [
        ("taxes.vat.percentage", 2, "Input should be a finite number (got inf)"),
        ("tariffs.t.pricing.price_per_session", 7, "Input should be a finite number (got inf)"),
        (
            "tariffs.u.pricing.tax_id",
            11,
            "99999999999999999999999 is too large for the API: integers go up to"
            " 9,223,372,036,854,775,807 (got 99999999999999999999999)",
        ),
        (
            "tariffs.w.pricing.price_per_session",
            15,
            "1e+300 is too large for the API: decimal numbers stay below 10,000,000,000 (ten"
            " digits before the point) (got 1e+300)",
        ),
    ]


def test_blank_names_and_keys_and_control_characters_are_refused_with_their_paths() -> None:
    found = problems_of(
        """\
        taxes:
          vat: {name: "   ", percentage: 25}
        tariffs:
          t: {name: "Night\\u0000", type: flat rate, external_id: ""}
          v: {name: "Two\\nlines\\tare fine", type: flat rate}
        locations:
          depot:
            name: {en: " ", nb-NO: Depot}
            address: Street 1
            country: NO
            geoposition: {latitude: 59.9, longitude: 10.7}
        """
    )
    assert found == [
        ("taxes.vat.name", 2, "must not be empty or only spaces (got '   ')"),
        ("tariffs.t.external_id", 4, "must not be empty or only spaces (got '')"),
        (
            "tariffs.t.name",
            4,
            "holds the control character U+0000; only text, tabs and line breaks are allowed"
            " (got 'Night\\x00')",
        ),
        ("locations.depot.name.en", 8, "must not be empty or only spaces (got ' ')"),
    ]


def test_aliases_cannot_nest_a_document_past_the_limit_and_odd_merges_are_problems() -> None:
    chained = "a0: &a0 " + "[" * 60 + "x" + "]" * 60 + "\n"
    chained += "".join(
        f"a{i}: &a{i} " + "[" * 60 + f"*a{i - 1}" + "]" * 60 + "\n" for i in range(1, 40)
    )
    [problem] = parse(chained).problems
    assert problem.message == "nested more than 64 levels deep"
    [problem] = parse("<<: 5\n").problems
    assert problem.message.startswith("not valid YAML: expected a mapping")
    assert parse("x: =\n").data == {"x": "="}


def test_two_evse_numbers_that_are_the_same_number_are_refused() -> None:
    found = problems_of(
        SITE
        + """\
    charge_points:
      cp:
        name: CP
        type: public
        status: enabled
        evses:
          - {physical_reference: A, network_id: "1", current_type: ac, status: enabled}
          - {physical_reference: B, network_id: "01", current_type: ac, status: enabled}
          - {physical_reference: C, network_id: "10", current_type: ac, status: enabled}
      other:
        name: Other
        type: public
        status: enabled
        evses:
          - {physical_reference: D, network_id: "001", current_type: ac, status: enabled}
"""
    )
    assert found == [
        (
            "locations.depot.charge_points.cp.evses[1].network_id",
            14,
            "`network_id` '01' is the same number as '1' of"
            " `locations.depot.charge_points.cp.evses[0]`; it names the EVSE and must be"
            " unique here",
        )
    ]


ROAMING = """\
partners:
  fleet: {name: Fleet AS}
roaming_providers:
  emp:
    platform_id: 1
    country_code: NO
    party_id: EMP
    partner: fleet
custom_tariff_filters:
  fast-dc: {roaming_operator_id: 3700, name: Fast DC, status: enabled, order: 10}
payment_terminals:
  kiosk:
    name: Kiosk
    terminal_type: Crane
    integration_id: 1
    operator_id: 1
    serial_number: C-1
    charge_point_id: 90000
"""


def test_roaming_providers_filters_and_terminals_in_a_document() -> None:
    plan = load(parse(ROAMING))
    assert plan.problems == []
    by_name = {n.name: n for n in plan.nodes}
    assert by_name["roaming_providers/emp"].refs == {"partner_id": "partners/fleet"}
    # A roaming operator is no object of the document: the filter gives its id (D45).
    assert by_name["custom_tariff_filters/fast-dc"].args["roaming_operator_id"] == 3700
    assert by_name["custom_tariff_filters/fast-dc"].parents == {}
    jsonschema.validate(parse(ROAMING).data, document_schema())


def test_a_filter_needs_its_operator_and_a_terminal_its_variant() -> None:
    text = ROAMING.replace("roaming_operator_id: 3700, ", "").replace(
        "charge_point_id: 90000", "charge_point_id: 90000\n    merchant_account: m"
    )
    assert [(w, m) for w, _, m in problems_of(text)] == [
        (
            "custom_tariff_filters.fast-dc.roaming_operator_id",
            "required: set `roaming_operator_id`, the id of the roaming operator it belongs to",
        ),
        (
            "payment_terminals.kiosk.merchant_account",
            "`merchant_account` is not a field of a Crane payment terminal (an AdyenCastles one"
            " has it)",
        ),
    ]
    wrong = ROAMING.replace("roaming_operator_id: 3700", "roaming_operator_id: first")
    assert [m for _, _, m in problems_of(wrong)] == [
        "must be the id of the roaming operator it belongs to (a whole number)"
    ]
    schema_errors = jsonschema.Draft202012Validator(document_schema()).iter_errors(
        parse(ROAMING.replace("roaming_operator_id: 3700, ", "")).data
    )
    assert any("roaming_operator_id" in e.message for e in schema_errors)
