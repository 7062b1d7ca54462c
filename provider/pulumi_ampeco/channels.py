"""Objects the API keeps behind calls of their own, seen by the rest of the provider as a plain
collection.

A kind whose objects have no REST collection of their own (a charge point on a circuit is
attached and detached by actions; a station's OCPP keys are set one PATCH at a time) declares a
:class:`Channel`. Its ``collection`` is a path the API does not have; the client
(:class:`~pulumi_ampeco.client.AmpecoClient`) hands every list, read, create, update and delete
under it to the channel, which makes the API's own calls. The cache, the lookups, adoption and
export then work on these kinds as on any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .errors import AdoptionRequiredError, ApiError, NotFoundError

if TYPE_CHECKING:
    from .client import AmpecoClient

Parents = Mapping[str, int]


class Channel:
    """How one kind's objects are listed, read, created, updated and deleted."""

    #: The kind's collection: a path under ``/public-api/resources`` that the API does not
    #: have, with the parents as ``{name}`` placeholders.
    collection: str = ""

    def list(self, client: AmpecoClient, parents: Parents) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def get(self, client: AmpecoClient, parents: Parents, id_: int) -> dict[str, Any]:
        for obj in self.list(client, parents):
            if obj.get("id") == id_:
                return obj
        raise NotFoundError("GET", self.path(parents, id_), 404, "not found")

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        raise NotImplementedError

    def empty(self, obj: Mapping[str, Any]) -> bool:
        """Whether the object holds nothing anyone set (a new rate's zero energy mix): the
        export leaves such objects out."""
        return False

    def path(self, parents: Parents, id_: int | None = None) -> str:
        """The channel's own path of a collection or an object, for messages."""
        base = self.collection.format(**parents)
        return base if id_ is None else f"{base}/{id_}"


@dataclass(frozen=True)
class Routed:
    """A path under a channel: the channel, the parents' ids, and the object's id if any."""

    channel: Channel
    parents: dict[str, int]
    id: int | None


def router(channels: list[Channel]) -> Any:
    """A function from a path to its :class:`Routed`, ``None`` for a path of the API."""
    patterns = []
    for channel in channels:
        body = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[0-9]+)", re.escape(channel.collection))
        patterns.append((re.compile(body + r"(?:/(?P<_id>[0-9]+))?"), channel))

    def route(path: str) -> Routed | None:
        for pattern, channel in patterns:
            m = pattern.fullmatch(path.split("?", 1)[0])
            if m is not None:
                found = {k: int(v) for k, v in m.groupdict().items() if v is not None}
                id_ = found.pop("_id", None)
                return Routed(channel, found, id_)
        return None

    return route


# --- load management ---------------------------------------------------------------------------


class CircuitMembers(Channel):
    """The charge points on a circuit, with their priority (decision D40).

    Listed as the circuit's charge point priorities (the charge point's id is the object's);
    created by the ``attach-charge-point`` action, updated by ``set-charge-point-priority`` and
    deleted by ``detach-charge-point``. The actions answer 202 and the tenant applies them at
    once (D40), so each write reads the circuit's listing back.
    """

    collection = "/circuits/v2.0/{circuit_id}/charge-points"

    def _actions(self, parents: Parents) -> str:
        return f"/public-api/actions/circuit/v2.0/{parents['circuit_id']}"

    def list(self, client: AmpecoClient, parents: Parents) -> Iterator[dict[str, Any]]:
        listing = f"/circuits/v2.0/{parents['circuit_id']}/charge-point-priorities"
        for item in client.list(listing):
            yield {"id": item["id"], "chargePointId": item["id"], "priority": item.get("priority")}

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        sent = {k: v for k, v in body.items() if v is not None}
        client.request("POST", f"{self._actions(parents)}/attach-charge-point", json=sent)
        return self._written(client, parents, int(body["chargePointId"]), sent)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        if body.get("priority") is not None:
            where = f"{self._actions(parents)}/set-charge-point-priority/{id_}"
            client.request("POST", where, json={"priority": body["priority"]})
        return self._written(client, parents, id_, body)

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        try:
            client.request("POST", f"{self._actions(parents)}/detach-charge-point/{id_}")
        except NotFoundError:
            return False
        return True

    def _written(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The membership as the circuit lists it now; as written, while the tenant has not
        applied the accepted action yet."""
        try:
            return self.get(client, parents, id_)
        except NotFoundError:
            return {"id": id_, "chargePointId": id_, **body}


# --- electricity rates ----------------------------------------------------------------------


def _taken(what: str, rate: int) -> AdoptionRequiredError:
    return AdoptionRequiredError(
        f"the electricity rate {rate} has {what} already, set outside this program: to manage"
        f" them, set `adopt={rate}` (`adopt: {rate}` in a tenant document; what the program"
        " states then replaces them); nothing was changed"
    )


class RatePricePeriods(Channel):
    """An electricity rate's price periods, by week day and by date (decision D42).

    One object per rate, with the rate's id. Read from the rate's listing of periods; each
    day the program states differently is PUT whole, each day it no longer states is deleted
    (first, so that ``any`` can replace specific days). A delete removes every period: the
    rate's default price applies again.
    """

    collection = "/electricity-rates/v2.0/{electricity_rate_id}/prices"
    #: body field → (path segment, the field naming the day)
    DAYS: ClassVar[dict[str, tuple[str, str]]] = {
        "weekDays": ("week-day", "weekDay"),
        "dates": ("date", "date"),
    }

    def _base(self, parents: Parents) -> str:
        return f"/electricity-rates/v2.0/{parents['electricity_rate_id']}/price-periods"

    def empty(self, obj: Mapping[str, Any]) -> bool:
        return not obj.get("weekDays") and not obj.get("dates")

    def list(self, client: AmpecoClient, parents: Parents) -> Iterator[dict[str, Any]]:
        found: dict[str, Any] = {"weekDays": [], "dates": []}
        for item in client.list(self._base(parents)):
            for field, (_segment, day) in self.DAYS.items():
                if day in item:
                    found[field].append({day: item[day], "periods": item.get("periods") or []})
        yield {"id": parents["electricity_rate_id"], **found}

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        rate = parents["electricity_rate_id"]
        live = self.get(client, parents, rate)
        if live["weekDays"] or live["dates"]:
            raise _taken("price periods", rate)
        return self.update(client, parents, rate, body)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        live = self.get(client, parents, id_)
        puts: list[tuple[str, Any]] = []
        for field, (segment, day) in self.DAYS.items():
            if field not in body:
                continue  # not the program's
            have = {item[day]: item["periods"] for item in live[field]}
            want = {item[day]: item["periods"] for item in body[field] or []}
            for gone in sorted(have.keys() - want.keys()):
                client.delete(f"{self._base(parents)}/{segment}/{gone}")
            puts += [
                (f"{self._base(parents)}/{segment}/{name}", periods)
                for name, periods in want.items()
                if have.get(name) != periods
            ]
        for path, periods in puts:
            client.update(path, {"periods": periods}, "PUT")
        return self.get(client, parents, id_)

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        self.update(client, parents, id_, {"weekDays": [], "dates": []})
        return True


class RateEnergyMix(Channel):
    """An electricity rate's energy mix (decision D42): one object per rate, with the rate's id,
    set by a PUT of the whole mix. A delete sets every source back to 0, as a new rate has it.
    """

    collection = "/electricity-rates/v2.0/{electricity_rate_id}/energy-sources"

    def _mix(self, parents: Parents) -> str:
        return f"/electricity-rates/v2.0/{parents['electricity_rate_id']}/energy-mix"

    def empty(self, obj: Mapping[str, Any]) -> bool:
        return not any(v for k, v in obj.items() if k != "id")

    def list(self, client: AmpecoClient, parents: Parents) -> Iterator[dict[str, Any]]:
        mix = client.get(self._mix(parents))
        yield {**(mix if isinstance(mix, dict) else {}), "id": parents["electricity_rate_id"]}

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        rate = parents["electricity_rate_id"]
        live = self.get(client, parents, rate)
        if any(v for k, v in live.items() if k != "id"):
            raise _taken("an energy mix", rate)
        return self.update(client, parents, rate, body)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        sent = {k: v for k, v in body.items() if v is not None}
        mix = client.update(self._mix(parents), sent, "PUT")
        return {**(mix if isinstance(mix, dict) else {}), "id": id_}

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        client.update(self._mix(parents), {}, "PUT")  # every source back to 0
        return True


# --- OCPP ----------------------------------------------------------------------------------------


class StationKeys(Channel):
    """The OCPP configuration keys a program sets on a charge point (decision D41).

    One object per charge point, with the charge point's id: ``keys`` maps each key the tenant
    caches for the station to its value. A create or an update sends one PATCH per key whose
    value differs (the tenant hands it to the station as a ChangeConfiguration); a delete sends
    nothing: the station keeps its values.
    """

    collection = "/charge-points/v2.0/{charge_point_id}/ocpp-configuration"

    def _keys(self, parents: Parents) -> str:
        return f"/charge-points/v2.0/{parents['charge_point_id']}/configurations"

    def list(self, client: AmpecoClient, parents: Parents) -> Iterator[dict[str, Any]]:
        keys: dict[str, Any] = {}
        read_only: list[str] = []
        for item in client.list(self._keys(parents)):
            key = item.get("key") if isinstance(item, dict) else None
            if isinstance(key, dict) and isinstance(key.get("name"), str):
                keys[key["name"]] = key.get("value")
                if item.get("readonly"):
                    read_only.append(key["name"])
        charge_point = parents["charge_point_id"]
        yield {"id": charge_point, "keys": keys, "readOnlyKeys": read_only}

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self.update(client, parents, parents["charge_point_id"], body)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        live = self.get(client, parents, id_)
        wanted = body.get("keys") or {}
        done: list[str] = []
        for name, value in wanted.items():
            if value is None or live["keys"].get(name) == value:
                continue  # a key the program stopped setting keeps the station's value
            where = f"{self._keys(parents)}/{name}"
            try:
                client.update(where, {"value": value}, "PATCH")
            except ApiError as refused:
                if refused.status != 406:
                    raise
                raise ApiError(
                    "PATCH",
                    refused.path,
                    406,
                    f"the charge point did not take {name}={value!r}: the station rejected"
                    " the value or the key, or is not connected right now"
                    + (f"; already set: {', '.join(done)}" if done else "")
                    + "; run again once the station is online, or correct the value",
                ) from None
            done.append(name)
            live["keys"][name] = value
        return live

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        return True  # the station keeps its configuration (D41)


_route: Any = None


def route(path: str) -> Routed | None:
    """The channel of a path, from the kinds that declare one (built on first use: the
    declarations import this module)."""
    global _route
    if _route is None:
        from .kinds import KINDS

        _route = router([k.channel for k in KINDS.values() if k.channel is not None])
    found: Routed | None = _route(path)
    return found
