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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from .errors import AdoptionRequiredError, AmbiguousCreateError, ApiError, NotFoundError

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


Router = Callable[[str], "Routed | None"]


def router(channels: list[Channel]) -> Router:
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


def _repeatable(client: AmpecoClient, path: str, body: Any, done: Callable[[], bool]) -> None:
    """POST an action that is safe to repeat (D40). When its answer is lost, the tenant is
    asked whether it took effect (``done``), and it is sent once more if not."""
    for attempt in (1, 2):
        try:
            client.request("POST", path, json=body)
            return
        except AmbiguousCreateError as lost:
            if done():
                return
            if attempt == 2:
                raise ApiError(
                    "POST",
                    lost.path,
                    lost.status,
                    f"{lost.message}, twice, and the tenant does not show the action done; it"
                    " is safe to repeat: run again",
                ) from None


class CircuitMembers(Channel):
    """The charge points on a circuit, with their priority (decision D40).

    Listed as the circuit's charge point priorities (the charge point's id is the object's);
    created by the ``attach-charge-point`` action, updated by ``set-charge-point-priority`` and
    deleted by ``detach-charge-point``. The actions answer 202 and the tenant applies them at
    once (D40), so each write reads the circuit's listing back. Each action is safe to repeat,
    so one whose answer is lost is checked and, if it did not happen, sent again.
    """

    collection = "/circuits/v2.0/{circuit_id}/charge-points"

    def _actions(self, parents: Parents) -> str:
        return f"/public-api/actions/circuit/v2.0/{parents['circuit_id']}"

    def list(self, client: AmpecoClient, parents: Parents) -> Iterator[dict[str, Any]]:
        listing = f"/circuits/v2.0/{parents['circuit_id']}/charge-point-priorities"
        for item in client.list(listing):
            yield {"id": item["id"], "chargePointId": item["id"], "priority": item.get("priority")}

    def _member(self, client: AmpecoClient, parents: Parents, id_: int) -> dict[str, Any] | None:
        try:
            return self.get(client, parents, id_)
        except NotFoundError:
            return None

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        sent = {k: v for k, v in body.items() if v is not None}
        point = int(body["chargePointId"])
        where = f"{self._actions(parents)}/attach-charge-point"
        _repeatable(client, where, sent, lambda: self._member(client, parents, point) is not None)
        return self._written(client, parents, point, sent)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        priority = body.get("priority")
        if priority is not None:
            where = f"{self._actions(parents)}/set-charge-point-priority/{id_}"

            def done() -> bool:
                member = self._member(client, parents, id_)
                return member is not None and member.get("priority") == priority

            _repeatable(client, where, {"priority": priority}, done)
        return self._written(client, parents, id_, body)

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        where = f"{self._actions(parents)}/detach-charge-point/{id_}"
        try:
            _repeatable(client, where, None, lambda: self._member(client, parents, id_) is None)
        except NotFoundError:
            return False  # not on the circuit (or the circuit is gone): nothing to detach
        return True

    def _written(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The membership as the circuit lists it now; as written, while the tenant has not
        applied the accepted action yet."""
        member = self._member(client, parents, id_)
        return member if member is not None else {"id": id_, "chargePointId": id_, **body}


# --- electricity rates ----------------------------------------------------------------------


def _taken(what: str, rate: int, differing: list[str]) -> AdoptionRequiredError:
    return AdoptionRequiredError(
        f"the electricity rate {rate} has {what} set outside this program"
        f" ({', '.join(differing)}): to manage them, set `adopt={rate}` (`adopt: {rate}` in a"
        " tenant document; what the program states then replaces them); nothing was changed"
    )


class RatePricePeriods(Channel):
    """An electricity rate's price periods, by week day and by date (decision D42).

    One object per rate, with the rate's id. Read from the rate's listing of periods. Within a
    field the program sets (``weekDays``, ``dates``), each day it states differently is PUT
    whole and each day it no longer states is deleted: after the PUTs, except where a day must
    go first (``any`` replacing specific week days, or the other way round), so a failure half
    way leaves no day without its prices. A delete removes every period: the rate's default
    price applies again.
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

    def _days(self, obj: Mapping[str, Any], field: str) -> dict[str, Any]:
        day = self.DAYS[field][1]
        return {item[day]: item["periods"] for item in obj.get(field) or []}

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        rate = parents["electricity_rate_id"]
        live = self.get(client, parents, rate)
        # Days someone else set, that the program would change or delete. Days already as
        # the program states them (a create that failed half way) are taken as they are.
        differing = [
            name
            for field in self.DAYS
            if field in body
            for name, periods in self._days(live, field).items()
            if self._days(body, field).get(name) != periods
        ]
        if differing:
            raise _taken("price periods", rate, differing)
        return self.update(client, parents, rate, body)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        live = self.get(client, parents, id_)
        first: list[str] = []
        puts: list[tuple[str, Any]] = []
        last: list[str] = []
        for field, (segment, _day) in self.DAYS.items():
            if field not in body:
                continue  # not the program's
            have, want = self._days(live, field), self._days(body, field)
            changed = [name for name, periods in want.items() if have.get(name) != periods]
            puts += [(f"{self._base(parents)}/{segment}/{n}", want[n]) for n in changed]
            for gone in sorted(have.keys() - want.keys()):
                # `any` and specific week days exclude each other: the old kind goes first.
                blocks = any((gone == "any") != (name == "any") for name in changed)
                (first if blocks else last).append(f"{self._base(parents)}/{segment}/{gone}")
        for path in first:
            client.delete(path)
        for path, periods in puts:
            client.update(path, {"periods": periods}, "PUT")
        for path in last:
            client.delete(path)
        return self.get(client, parents, id_)

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        try:
            self.update(client, parents, id_, {"weekDays": [], "dates": []})
        except NotFoundError:
            return False  # the rate is gone, and its periods with it
        return True


class RateEnergyMix(Channel):
    """An electricity rate's energy mix (decision D42): one object per rate, with the rate's id.

    The API sets the mix with a PUT of the whole mix; the program manages the sources it sets,
    like the fields of any other object: the PUT carries the tenant's share for every other
    source, and a source the program stops setting goes back to 0. A delete sets every source
    back to 0, as a new rate has it.
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
        differing = [k for k, v in body.items() if live.get(k) and live.get(k) != v]
        if differing:
            raise _taken("an energy mix", rate, differing)
        return self.update(client, parents, rate, body)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        live = self.get(client, parents, id_)
        have = {k: v for k, v in live.items() if k != "id"}
        mix = {**have, **{k: 0 if v is None else v for k, v in body.items()}}
        if mix == have:
            return live  # already so: no write
        written = client.update(self._mix(parents), mix, "PUT")
        return {**(written if isinstance(written, dict) else {}), "id": id_}

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        try:
            client.update(self._mix(parents), {}, "PUT")  # every source back to 0
        except NotFoundError:
            return False  # the rate is gone, and its mix with it
        return True


# --- OCPP ----------------------------------------------------------------------------------------


class StationKeys(Channel):
    """The OCPP 1.6 configuration keys a program sets on a charge point (decision D41).

    One object per charge point, with the charge point's id: ``keys`` maps each key the tenant
    caches for the station to its value. A create or an update sends one PATCH per key whose
    value differs (the tenant hands it to the station as a ChangeConfiguration); a delete sends
    nothing: the station keeps its values. An OCPP 2.0.1 station names its variables by
    component as well, which ``keys`` cannot say: it is refused.
    """

    collection = "/charge-points/v2.0/{charge_point_id}/ocpp-configuration"

    def _keys(self, parents: Parents) -> str:
        return f"/charge-points/v2.0/{parents['charge_point_id']}/configurations"

    def list(self, client: AmpecoClient, parents: Parents) -> Iterator[dict[str, Any]]:
        keys: dict[str, Any] = {}
        components = False
        for item in client.list(self._keys(parents)):
            key = item.get("key") if isinstance(item, dict) else None
            if isinstance(key, dict) and isinstance(key.get("name"), str):
                keys[key["name"]] = key.get("value")
                components = components or key.get("componentName") is not None
        charge_point = parents["charge_point_id"]
        yield {"id": charge_point, "keys": keys, "ocpp201": components}

    def create(
        self, client: AmpecoClient, parents: Parents, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self.update(client, parents, parents["charge_point_id"], body)

    def update(
        self, client: AmpecoClient, parents: Parents, id_: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        live = self.get(client, parents, id_)
        if live.get("ocpp201"):
            raise ApiError(
                "GET",
                self._keys(parents),
                None,
                f"charge point {id_} speaks OCPP 2.0.1, whose variables are named by"
                " component too: ChargePointConfiguration sets OCPP 1.6 keys only; set a 2.0.1"
                " station's variables with a configuration template; nothing was changed",
            )
        wanted = body.get("keys") or {}
        done: list[str] = []
        for name, value in wanted.items():
            if value is None or live["keys"].get(name) == value:
                continue  # a key the program stopped setting keeps the station's value
            where = f"{self._keys(parents)}/{quote(name, safe='')}"
            try:
                client.update(where, {"value": value}, "PATCH")
            except ApiError as refused:
                if refused.status != 406:
                    raise
                # The value is not quoted: it may be a secret the program marked as one.
                raise ApiError(
                    "PATCH",
                    refused.path,
                    406,
                    f"the charge point did not take the value of {name}: the station rejected"
                    " the value or the key, or is not connected right now"
                    + (f"; already set: {', '.join(done)}" if done else "")
                    + "; run again once the station is online, or correct the value",
                ) from None
            done.append(name)
            live["keys"][name] = value
        return live

    def delete(self, client: AmpecoClient, parents: Parents, id_: int) -> bool:
        return True  # the station keeps its configuration (D41)


_route: Router | None = None


def route(path: str) -> Routed | None:
    """The channel of a path, from the kinds that declare one (built on first use: the
    declarations import this module)."""
    global _route
    if _route is None:
        from .kinds import KINDS

        _route = router([k.channel for k in KINDS.values() if k.channel is not None])
    return _route(path)
