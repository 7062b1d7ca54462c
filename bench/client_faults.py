"""Request counts and wall time of AmpecoClient's fault scenarios against the simulator.

Each scenario runs on a fresh in-process simulator over real sockets and prints what the client
sent (by method), what the tenant answered, and how long it took. Waits the client was told to
make (Retry-After, back-off) are real here, so the times include them.

Run: python bench/client_faults.py
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from ampeco_sim import RunningSimulator, Simulator, SimulatorConfig
from pulumi_ampeco.client import AmpecoClient
from pulumi_ampeco.config import ClientSettings

TOKEN = "bench-token"
SETTINGS = ClientSettings(backoff_base=0.2, backoff_max=2.0)


def location(n: int) -> dict[str, Any]:
    return {
        "externalId": f"site-{n}",
        "name": [{"locale": "en", "translation": f"Site {n}"}],
        "geoposition": {"latitude": 59.9, "longitude": 10.7},
        "address": [{"locale": "en", "translation": f"Street {n}"}],
        "country": "NO",
    }


@dataclass
class Scenario:
    name: str
    faults: list[dict[str, Any]]
    run: Callable[[AmpecoClient], object]
    rate_limit: tuple[int, float] | None = None
    settings: ClientSettings = SETTINGS


def seed_locations(sim: Simulator, count: int) -> None:
    with sim.store.transaction() as tx:
        for n in range(count):
            tx.insert("location", location(n))


SCENARIOS = [
    Scenario(
        "429 storm, Retry-After 1 s x3",
        [{"method": "GET", "status": 429, "retry_after": 1, "count": 3}],
        lambda c: c.get("/taxes/v2.0/40"),
    ),
    Scenario(
        "503 burst x3",
        [{"method": "GET", "status": 503, "count": 3}],
        lambda c: c.get("/taxes/v2.0/40"),
    ),
    Scenario(
        "ghost create",
        [{"method": "POST", "ghost": True, "count": 1}],
        lambda c: c.create("/locations/v2.0", location(1)),
    ),
    Scenario(
        "two ghost creates in a row",
        [{"method": "POST", "ghost": True, "count": 2}],
        lambda c: [c.create("/locations/v2.0", location(n)) for n in (1, 2)],
    ),
    Scenario(
        "create dropped before it ran",
        [{"method": "POST", "drop": True, "count": 1}],
        lambda c: c.create("/locations/v2.0", location(1)),
    ),
    Scenario(
        "create answered 503",
        [{"method": "POST", "status": 503, "count": 1}],
        lambda c: c.create("/locations/v2.0", location(1)),
    ),
    Scenario(
        "create timed out, finished late",
        [{"method": "POST", "latency_ms": 300, "count": 1}],
        lambda c: c.create("/locations/v2.0", location(1)),
        settings=ClientSettings(read_timeout=0.1, backoff_base=0.5, backoff_max=0.5),
    ),
    Scenario("list 1,000 locations (cursor)", [], lambda c: list(c.list("/locations/v2.0"))),
    Scenario(
        "4 threads x 10 GETs, tenant limit 20/s, client 20/s",
        [],
        lambda c: _threads(c, 4, 10),
        rate_limit=(20, 1.0),
        settings=ClientSettings(requests_per_minute=20, rate_limit_window=1.0),
    ),
]


def _threads(client: AmpecoClient, threads: int, each: int) -> None:
    import threading

    workers = [
        threading.Thread(target=lambda: [client.get("/taxes/v2.0/40") for _ in range(each)])
        for _ in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def main() -> None:
    rows = []
    for scenario in SCENARIOS:
        limit, window = scenario.rate_limit or (0, 60.0)
        sim = Simulator(SimulatorConfig(tokens=(TOKEN,), rate_limit=limit, rate_window=window))
        if scenario.name.startswith("list"):
            seed_locations(sim, 1000)
        with RunningSimulator(sim) as running:
            for rule in scenario.faults:
                httpx.post(running.base_url + "/_sim/faults", json=rule).raise_for_status()
            client = AmpecoClient(running.base_url, TOKEN, scenario.settings)
            started = time.perf_counter()
            scenario.run(client)
            elapsed = time.perf_counter() - started
            sent = client.stats.by_method()
            answers = Counter(
                str(e["status"]) if e["outcome"] == "answered" else e["outcome"]
                for e in sim.requests()
            )
            client.close()
        rows.append((scenario.name, sent, dict(answers), elapsed))
    width = max(len(r[0]) for r in rows)
    print(f"{'scenario':<{width}}  {'client sent':<22} {'tenant saw':<34} wall s")
    for name, sent, answers, elapsed in rows:
        sent_text = " ".join(f"{k}={v}" for k, v in sorted(sent.items()))
        seen_text = " ".join(f"{k}:{v}" for k, v in sorted(answers.items()))
        print(f"{name:<{width}}  {sent_text:<22} {seen_text:<34} {elapsed:6.2f}")


if __name__ == "__main__":
    main()
