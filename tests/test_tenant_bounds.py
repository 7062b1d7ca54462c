"""What a tenant document may not be: too large, not UTF-8, numbers that are no numbers, text
longer than the API takes. Each is a problem with its file, line and path, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pulumi
import pydantic
import pytest

from pulumi_ampeco.cli import main
from pulumi_ampeco.kinds import KINDS
from pulumi_ampeco.kinds.declaration import nested_models
from pulumi_ampeco.models.base import FREE_TEXT_LIMIT, HOLDER_LIMITED, text_limit
from pulumi_ampeco.models.billing import Tax
from pulumi_ampeco.models.charging import ChargePoint
from pulumi_ampeco.models.locations import Location
from pulumi_ampeco.models.tariffs import Display, Tariff
from pulumi_ampeco.tenant import document_schema, load, loading
from pulumi_ampeco.testing import OfflineEngineError, OfflineStack

from .conftest import Sim

TAX = "taxes:\n  vat:\n    name: VAT\n    percentage: 25\n"
LOCATION = {
    "name": "Depot",
    "address": "Street 1",
    "country": "NO",
    "geoposition": {"latitude": 59.9, "longitude": 10.7},
}


def problems_in(path: Path) -> list[tuple[str, int | None, str]]:
    return [(p.where, p.line, p.message) for p in load(path).problems]


def test_an_integer_beyond_pythons_conversion_limit_is_a_problem_at_its_path(
    tmp_path: Path,
) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_text(TAX.replace("25", "7" * 5000))
    assert problems_in(document) == [
        (
            "taxes.vat.percentage",
            4,
            "a number with 5,000 digits is too large: the API's numbers have at most 19"
            " digits, and a document's at most 100",
        )
    ]
    # A hexadecimal one would become a number, but one no message could print.
    document.write_text(TAX.replace("25", "0x" + "f" * 5000))
    assert [p[:2] for p in problems_in(document)] == [("taxes.vat.percentage", 4)]


def test_tags_on_values_that_are_not_what_they_say_are_problems(tmp_path: Path) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_text(
        "taxes:\n  vat:\n    name: VAT\n    percentage: !!int lots\n"
        "    display_name: !!bool maybe\n  other: {name: X, percentage: !!float x}\n"
    )
    assert problems_in(document) == [
        (
            "taxes.vat.percentage",
            4,
            "`!!int` says an integer, but the value is 'lots': remove the tag",
        ),
        (
            "taxes.vat.display_name",
            5,
            "`!!bool` says true or false, but the value is 'maybe': remove the tag",
        ),
        (
            "taxes.other.percentage",
            6,
            "`!!float` says a decimal number, but the value is 'x': remove the tag",
        ),
    ]


def test_latin_1_is_not_utf_8_and_the_line_of_the_first_odd_byte_is_named(
    tmp_path: Path,
) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_bytes("# Café\n".encode() + TAX.replace("VAT", "Taxe é").encode("latin-1"))
    assert problems_in(document) == [
        ("(document)", 4, "not UTF-8 text: byte 0xe9 (save the file as UTF-8)")
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf_16_and_utf_32_with_a_byte_order_mark_are_named(tmp_path: Path, encoding: str) -> None:
    document = tmp_path / "tenant.yaml"
    raw = TAX.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    document.write_bytes(raw)
    family = "UTF-32" if "32" in encoding else "UTF-16"
    assert problems_in(document) == [
        (
            "(document)",
            1,
            f"not UTF-8 text: it is {family} (it starts with a {family} byte order mark);"
            " save the file as UTF-8",
        )
    ]


def test_a_utf_8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_bytes(b"\xef\xbb\xbf" + TAX.encode())
    assert problems_in(document) == []


def test_a_nul_byte_is_refused_at_its_line(tmp_path: Path) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_bytes(TAX.replace("VAT", "V\x00AT").encode())
    assert problems_in(document) == [
        (
            "(document)",
            3,
            "the character U+0000 is not allowed in a YAML document (a control character, or"
            " not text at all): remove it, or check that the file is UTF-8 text",
        )
    ]


def test_a_document_over_16_mib_is_refused_without_being_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = tmp_path / "tenant.yaml"
    with document.open("w") as out:
        out.write(TAX)
        line = "# " + "x" * 1021 + "\n"
        for _ in range(16 * 1024):
            out.write(line)
    size = document.stat().st_size
    assert size == loading.MAX_DOCUMENT_BYTES + len(TAX)

    def not_parsed(*_args: Any) -> None:
        raise AssertionError("the document was parsed")

    monkeypatch.setattr(loading, "_Loader", not_parsed)
    monkeypatch.setattr(loading, "_decoded", not_parsed)
    assert problems_in(document) == [
        (
            "(document)",
            None,
            f"the document is {size:,} bytes; a tenant document may be at most 16 MiB"
            " (16,777,216 bytes), so it was not read",
        )
    ]
    text = document.read_text()
    assert [p.message for p in loading.parse(text).problems] == [
        f"the document is {size:,} bytes; a tenant document may be at most 16 MiB"
        " (16,777,216 bytes), so it was not read"
    ]


def test_a_document_of_exactly_16_mib_is_read(tmp_path: Path) -> None:
    document = tmp_path / "tenant.yaml"
    padding = loading.MAX_DOCUMENT_BYTES - len(TAX)
    document.write_text(TAX + "#" * (padding - 1) + "\n")
    assert document.stat().st_size == loading.MAX_DOCUMENT_BYTES
    assert problems_in(document) == []


def test_validate_lists_each_problem_with_exit_status_1_and_no_traceback(
    tmp_path: Path,
) -> None:
    cases = {
        "number.yaml": TAX.replace("25", "9" * 5000).encode(),
        "latin.yaml": TAX.replace("VAT", "Taxe é").encode("latin-1"),
        "utf16.yaml": TAX.encode("utf-16"),
        "nul.yaml": TAX.replace("VAT", "V\x00AT").encode(),
        "tag.yaml": TAX.replace("25", "!!int lots").encode(),
        "long.yaml": TAX.replace("VAT", "V" * 300).encode(),
    }
    for name, raw in cases.items():
        (tmp_path / name).write_bytes(raw)
        run = subprocess.run(
            [sys.executable, "-m", "pulumi_ampeco.cli", "validate", str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 1, (name, run.stderr)
        assert "Traceback" not in run.stderr + run.stdout, name
        assert (
            f"{tmp_path / name}: 1 problem; Pulumi would refuse it before any API call."
            in run.stderr
        )


def test_validate_refuses_a_huge_document_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "tenant.yaml"
    with document.open("wb") as out:
        out.truncate(loading.MAX_DOCUMENT_BYTES + 1)  # sparse: its size, no data to parse
    assert main(["validate", str(document)]) == 1
    err = capsys.readouterr().err
    assert "a tenant document may be at most 16 MiB (16,777,216 bytes)" in err
    assert "Traceback" not in err


def test_the_tenant_component_reports_an_undecodable_document_as_a_problem(
    sim: Sim, tmp_path: Path
) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_bytes(TAX.replace("VAT", "Taxe é").encode("latin-1"))

    def program() -> None:
        from pulumi_ampeco import Tenant

        pulumi.export("ids", Tenant("tenant", document=document).ids)

    config = {"ampeco:tenantUrl": sim.base_url, "ampeco:apiToken": sim.token}
    stack = OfflineStack(program, tmp_path / "state.json", config)
    with pytest.raises(OfflineEngineError) as caught:
        stack.preview()
    message = str(caught.value)
    assert "line 3: (document): not UTF-8 text: byte 0xe9 (save the file as UTF-8)" in message
    assert "Traceback" not in message and "UnicodeDecodeError" not in message
    assert sim.requests() == []


def test_a_long_tax_name_is_refused_at_its_path_in_a_document(tmp_path: Path) -> None:
    document = tmp_path / "tenant.yaml"
    document.write_text(TAX.replace("VAT", "V" * 2**20))
    assert problems_in(document) == [
        (
            "taxes.vat.name",
            3,
            "`name` is 1,048,576 characters long; the API accepts at most 255",
        )
    ]


def test_a_long_name_is_refused_by_the_model_itself() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        Tax(name="V" * 2**20, percentage=25)
    [error] = caught.value.errors()
    assert error["loc"] == ("name",)
    assert "`name` is 1,048,576 characters long; the API accepts at most 255" in error["msg"]
    assert Tax(name="V" * 255, percentage=25).name == "V" * 255


@pytest.mark.parametrize(
    ("model", "fields", "message"),
    [
        # The OpenAPI document's own maxLength.
        (
            ChargePoint,
            {"name": "C" * 256, "type": "personal", "status": "enabled", "pin": "1234"},
            "`name` is 256 characters long; the API accepts at most 255",
        ),
        (
            Display,
            {"default_price_information": "p" * 151},
            "`default_price_information` is 151 characters long; the API accepts at most 150",
        ),
        # A translation is as long as what it translates may be, in each of its forms.
        (
            Location,
            {**LOCATION, "name": {"en": "Depot", "nb": "N" * 256}},
            "`name` (nb) is 256 characters long; the API accepts at most 255",
        ),
        (
            Location,
            {**LOCATION, "description": [{"locale": "en", "translation": "d" * 2001}]},
            "`description` (en) is 2,001 characters long; the API accepts at most 2,000",
        ),
        (
            Tariff,
            {"name": "T", "type": "free", "learn_more_url": {"en": "https://" + "u" * 1993}},
            "`learn_more_url` (en) is 2,001 characters long; the API accepts at most 2,000",
        ),
        (
            Location,
            {**LOCATION, "tags": ["ok", "t" * 256]},
            "`tags[1]` is 256 characters long; the API accepts at most 255",
        ),
    ],
)
def test_text_longer_than_the_api_takes_is_refused(
    model: type[pydantic.BaseModel], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        model.model_validate(fields)
    assert [message in e["msg"] for e in caught.value.errors()] == [True]


def test_free_text_up_to_its_limit_is_accepted() -> None:
    location = Location.model_validate(
        {**LOCATION, "description": "d" * 2000, "name": {"en": "n" * 255}}
    )
    assert location.description is not None and len(location.description[0].translation) == 2000


def test_every_text_field_of_every_model_has_a_limit() -> None:
    """Each text field of the models is bounded (by the API's maxLength or ours), and the JSON
    Schema of tenant documents says so."""
    for model in _all_models():
        for name, field in model.model_fields.items():
            if _holds_text(field.annotation) and name not in HOLDER_LIMITED:
                limit = text_limit(name)
                assert limit is not None and limit <= FREE_TEXT_LIMIT, (model, name)
    defs = document_schema()["$defs"]
    assert defs["Tax"]["properties"]["name"]["maxLength"] == 255
    assert defs["ChargePoint"]["properties"]["name"]["maxLength"] == 255
    description = defs["Location"]["properties"]["description"]["anyOf"]
    assert {"type": ["string", "number"], "maxLength": 2000} in description


def test_a_long_text_is_never_quoted_whole_in_a_problem() -> None:
    document = {"taxes": {"vat": {"name": "VAT", "percentage": "9" * 5000}}}
    [problem] = load(document).problems
    assert len(problem.message) < 200, problem.message
    document = {"taxes": {"vat": {"name": "VAT", "percentage": 10**5000}}}
    [problem] = load(document).problems
    assert len(problem.message) < 200, problem.message


def _all_models() -> list[type[pydantic.BaseModel]]:
    found: list[type[pydantic.BaseModel]] = []
    todo: list[type[pydantic.BaseModel]] = [kind.model for kind in KINDS.values()]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.append(model)
        for field in model.model_fields.values():
            todo += list(nested_models(field.annotation))
    return found


def _holds_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    return any(_holds_text(arg) for arg in typing.get_args(annotation))


def test_a_repeated_key_keeps_the_lines_of_its_later_value_only() -> None:
    """Only the later value of a repeated key is indexed (no scan of every line per repeat): a
    field the later value lacks is reported at the later object, not at the earlier field."""
    text = (
        "taxes:\n  vat:\n    name: A\n    percentage: 1\n"
        "  vat:\n    name: B\n    display_name: {en: !!int x}\n"
    )
    assert [(p.where, p.line) for p in loading.parse(text).problems] == [
        ("taxes.vat", 5),
        ("taxes.vat.display_name.en", 7),
    ]
    plan = load(loading.parse(text.replace("!!int x", "B")))
    assert [(p.where, p.line, p.message) for p in plan.problems] == [
        ("taxes.vat", 5, "`vat` appears twice in this mapping (first on line 2); keep one"),
        ("taxes.vat.percentage", 5, "required: set `percentage`"),
    ]
    # The earlier value is still made into a value by YAML, so it is still checked.
    earlier = "taxes:\n  vat:\n    percentage: !!int x\n  vat:\n    name: B\n"
    assert [(p.where, p.line) for p in loading.parse(earlier).problems] == [
        ("taxes.vat", 4),
        ("taxes.vat.percentage", 3),
    ]
