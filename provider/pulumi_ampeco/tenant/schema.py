"""The tenant document's JSON Schema, generated from the kinds' declarations (models and
sections), so editors complete and check exactly what validation accepts."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from ..kinds import KINDS, SECTIONS, TOP_LEVEL, Section
from .loading import ADOPT, EMPTY, IDS_FROM, KEY_PATTERN, RENAMED_FROM, RETAIN

#: A whole value taken from the stack's config.
CONFIG_REFERENCE = r"^\$\{config:[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?\}$"


def document_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of the tenant document."""
    models = [(KINDS[s.kind].model, "validation") for s in SECTIONS.values()]
    refs, top = models_json_schema(models, by_alias=False, ref_template="#/$defs/{model}")  # type: ignore[arg-type]
    defs: dict[str, Any] = top["$defs"]
    entry_names: dict[str, str] = {}
    for section in SECTIONS.values():
        model_ref = refs[(KINDS[section.kind].model, "validation")]["$ref"]
        entry_names[section.name] = model_ref.rsplit("/", 1)[1]
    for definition in defs.values():
        for name, prop in list(definition.get("properties", {}).items()):
            definition["properties"][name] = _or_config_reference(prop)
    defs["ConfigReference"] = {
        "type": "string",
        "pattern": CONFIG_REFERENCE,
        "description": "a value from the stack's config: ${config:namespace:key}",
    }
    for section in SECTIONS.values():
        _entry(defs, section, entry_names)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "AMPECO tenant document (pulumi-ampeco)",
        "description": (
            "A whole tenant's configuration. Objects are keyed within their section and refer"
            " to each other by key; `${config:namespace:key}` takes a value from the stack's"
            " config."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{name: _section_schema(SECTIONS[name], entry_names) for name in TOP_LEVEL},
            EMPTY: {
                "type": "boolean",
                "description": "the document declares no object on purpose: applying it deletes"
                " every object the stack manages",
            },
            IDS_FROM: {
                "type": "string",
                "description": "the tenant whose ids `adopt: <id>` names (written by `ampeco-iac"
                " export`); on another tenant the ids are not used and each object is found by"
                " its key or created",
            },
        },
        "$defs": defs,
    }


def _or_config_reference(prop: dict[str, Any]) -> dict[str, Any]:
    """A value that is not free text may still be a ``${config:…}`` reference; free text may
    be written as a number (``network_id: 1``), as validation accepts."""
    if _free_text(prop):
        _numbers_as_text(prop)
        return prop
    annotations: dict[str, Any] = {
        k: prop[k] for k in ("title", "description", "default") if k in prop
    }
    rest = {k: v for k, v in prop.items() if k not in annotations}
    return {**annotations, "anyOf": [rest, {"$ref": "#/$defs/ConfigReference"}]}


def _free_text(prop: dict[str, Any]) -> bool:
    if prop.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(prop):
        return True
    return any(_free_text(option) for option in prop.get("anyOf", []))


def _numbers_as_text(prop: dict[str, Any]) -> None:
    if prop.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(prop):
        prop["type"] = ["string", "number"]
    for option in prop.get("anyOf", []):
        _numbers_as_text(option)


def _section_schema(section: Section, entry_names: dict[str, str]) -> dict[str, Any]:
    entry = {"$ref": f"#/$defs/{entry_names[section.name]}"}
    if section.single:
        return {"anyOf": [entry, {"type": "null"}], "description": section.a_singular}
    if section.keyed:
        return {
            "type": ["object", "null"],
            "description": f"{section.singular}s by key",
            "propertyNames": {"pattern": KEY_PATTERN},
            "additionalProperties": entry,
        }
    return {"type": ["array", "null"], "description": f"{section.singular}s", "items": entry}


def _entry(defs: dict[str, Any], section: Section, entry_names: dict[str, str]) -> None:
    schema = defs[entry_names[section.name]]
    props: dict[str, Any] = schema["properties"]
    for name in section.parent_fields:
        props.pop(name, None)
    if "required" in schema:
        schema["required"] = [r for r in schema["required"] if r not in section.parent_fields]
    for parent in KINDS[section.kind].given_parents:  # no object of the document: by id
        props[parent.field] = _or_config_reference(
            {"type": "integer", "minimum": 1, "description": f"id of the {parent.kind}"}
        )
        schema["required"] = [parent.field, *schema.get("required", [])]
    for ref in section.refs:
        target = SECTIONS[ref.target]
        key = {
            "anyOf": [
                {"type": "string", "pattern": KEY_PATTERN},
                {"$ref": "#/$defs/ConfigReference"},
            ]
        }
        value: dict[str, Any] = {"type": "array", "items": key} if ref.many else key
        value["description"] = (
            f"key of {'the ' if not ref.many else ''}{target.singular}"
            f"{'s' if ref.many else ''} in `{target.name}` (instead of `{ref.id_field}`)"
        )
        *head, last = ref.field.split(".")
        owner = schema
        for part in head:
            owner = _nested_def(defs, owner["properties"][part])
        owner["properties"][last] = value
    if any(key.identifying for key in KINDS[section.kind].keys):
        props[ADOPT] = {
            "anyOf": [{"type": "boolean"}, {"type": "integer", "minimum": 1}],
            "description": f"take over an existing {section.singular}: true (the one with the"
            " same key) or its id",
        }
    else:  # no key to find it by
        props[ADOPT] = {
            "anyOf": [{"const": False}, {"type": "integer", "minimum": 1}],
            "description": f"take over an existing {section.singular} by its id",
        }
    if section.keyed:
        props[RENAMED_FROM] = {
            "anyOf": [
                {"type": "string", "pattern": KEY_PATTERN},
                {
                    "type": "array",
                    "items": {"type": "string", "pattern": KEY_PATTERN},
                    "minItems": 1,
                },
            ],
            "description": f"the key (or keys) the {section.singular} had before: the stack keeps"
            " its object, with its id and everything under it",
        }
    props[RETAIN] = {
        "type": "boolean",
        "description": f"leave the {section.singular} on the tenant when it leaves the stack",
    }
    for child in section.children:
        props[child] = _section_schema(SECTIONS[child], entry_names)
    if section.external_id_from_key and "external_id" in props:
        props["external_id"]["description"] = "defaults to the object's key"


def _nested_def(defs: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """The definition a property points at (through ``anyOf`` with ``null``)."""
    if "$ref" in prop and not prop["$ref"].endswith("/ConfigReference"):
        found: dict[str, Any] = defs[prop["$ref"].rsplit("/", 1)[1]]
        return found
    for option in prop.get("anyOf", []):
        try:
            return _nested_def(defs, option)
        except KeyError:
            continue
    raise KeyError(f"no nested object in {prop}")
