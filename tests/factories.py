"""Valid request bodies for every served resource, written from the API reference."""

from __future__ import annotations

from typing import Any


def translation(text: str, locale: str = "en") -> list[dict[str, str]]:
    return [{"locale": locale, "translation": text}]


def location(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "externalId": f"site-{n}",
        "name": translation(f"Site {n}"),
        "geoposition": {"latitude": 59.9 + n / 1000, "longitude": 10.7},
        "address": translation(f"Street {n}, Oslo"),
        "country": "NO",
        **extra,
    }


def charging_zone(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"name": f"Level -{n}", "status": "enabled", **extra}


def charge_point(location_id: int, n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"CP {n}",
        "type": "public",
        "status": "enabled",
        "locationId": location_id,
        "externalId": f"cp-{n}",
        "network": {"id": f"NET-{n}", "protocol": "ocpp 1.6"},
        **extra,
    }


def evse(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "physicalReference": f"NO*AMP*E{n}",
        "currentType": "ac",
        "networkId": str(n),
        "status": "enabled",
        **extra,
    }


def connector(**extra: Any) -> dict[str, Any]:
    return {"type": "type2", "format": "socket", **extra}


def tariff(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"Tariff {n}",
        "type": "flat rate",
        "pricing": {"pricePerSession": 2.5},
        **extra,
    }


def tariff_group(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"name": f"Group {n}", **extra}


def tax(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"name": f"VAT {n}", "percentage": 25, **extra}


def tin(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"name": f"NO 987 654 {n:03d} MVA", **extra}


def currency(code: str = "NOK", **extra: Any) -> dict[str, Any]:
    return {"alphabeticCode": code, "suffix": " kr", "decimal": 2, **extra}
