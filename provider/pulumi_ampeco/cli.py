"""``ampeco-iac``: the project's command line."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

from . import guard, offline, scaffold
from .export import commands as export_commands
from .tenant import commands as tenant_commands

TOKENS_ENV = "AMPECO_SIM_TOKENS"

DESCRIPTION = """\
Infrastructure as code for an AMPECO tenant. Start a project with init (or export --project
from a tenant that has objects already), check it with validate, and apply it with
pulumi up or, without the Pulumi CLI, with offline up. Each command has its own --help."""


def _rate_limit(text: str) -> tuple[int, float]:
    """``N`` (requests per 60 s) or ``N/SECONDS``; ``0`` switches throttling off."""
    count, _, window = text.partition("/")
    try:
        limit, seconds = int(count), float(window or 60)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or N/SECONDS, got {text!r}") from None
    if limit < 0 or seconds <= 0:
        raise argparse.ArgumentTypeError("the limit must be >= 0 and the window > 0 seconds")
    return limit, seconds


def _parser() -> argparse.ArgumentParser:
    """``ampeco-iac`` and its subcommands; each one sets ``handler`` (argparse.Namespace -> exit
    status), so adding a subcommand is one more ``_add_...`` call here."""
    parser = argparse.ArgumentParser(prog="ampeco-iac", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scaffold.add_parser(sub)
    _add_sim(sub)
    offline.add_parser(sub)
    tenant_commands.add_parsers(sub)
    export_commands.add_parser(sub)
    guard.add_parser(sub)
    return parser


def _add_sim(sub: Any) -> None:
    sim = sub.add_parser(
        "sim",
        help="run the AMPECO tenant simulator",
        description="Serve a simulated AMPECO tenant over HTTP until SIGINT or SIGTERM.",
    )
    sim.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks one)")
    sim.add_argument(
        "--token",
        action="append",
        default=[],
        help=f"an accepted API token (repeatable; also ${TOKENS_ENV}, comma-separated). "
        "Without any, a random token is generated and printed.",
    )
    sim.add_argument(
        "--db", default=":memory:", help="SQLite file to keep the tenant in (default :memory:)"
    )
    sim.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=(600, 60.0),
        metavar="N[/SECONDS]",
        help="requests per token per window (default 600/60; 0 turns it off)",
    )
    sim.add_argument("--base-currency", default="EUR", help="code of the seeded base currency")
    sim.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="RULE",
        help="inject a fault, e.g. 'method=POST path=/taxes status=503 count=2' "
        "(keys: method, path, status, ghost, drop, latency_ms, count, fraction, retry_after)",
    )
    sim.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the OpenAPI document and keep violations "
        "(GET /_sim/violations)",
    )
    sim.add_argument("-v", "--verbose", action="store_true", help="log every request")
    sim.set_defaults(handler=run_sim)


def _tokens(given: Sequence[str]) -> tuple[list[str], bool]:
    tokens = [t for t in given if t]
    tokens += [t.strip() for t in os.environ.get(TOKENS_ENV, "").split(",") if t.strip()]
    if tokens:
        return tokens, False
    return [f"sim-{secrets.token_urlsafe(18)}"], True


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def run_sim(args: argparse.Namespace) -> int:
    from ampeco_sim import Simulator, SimulatorConfig
    from ampeco_sim.faults import Fault, FaultError
    from ampeco_sim.server import SimulatorHTTPServer

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        faults = [Fault.parse(rule) for rule in args.fault]
    except FaultError as exc:
        print(f"ampeco-iac sim: --fault: {exc}", file=sys.stderr)
        return 2
    tokens, generated = _tokens(args.token)
    limit, window = args.rate_limit
    simulator = Simulator(
        SimulatorConfig(
            tokens=tuple(tokens),
            db=args.db,
            rate_limit=limit,
            rate_window=window,
            base_currency=args.base_currency,
            validate_responses=args.validate_responses,
        )
    )
    for fault in faults:
        simulator.faults.add(fault)
    try:
        server = SimulatorHTTPServer(simulator, args.host, args.port)
    except OSError as exc:
        print(f"ampeco-iac sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        simulator.close()
        return 1

    # The handler takes no lock: it runs in the main thread between any two bytecodes, maybe
    # while that thread holds one (threading's own, starting a request's thread), and waiting
    # for it there would hang the process for good. The main thread polls the flag instead.
    stop_requested = [False]

    def stop(signum: int, _frame: FrameType | None) -> None:
        stop_requested[0] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"AMPECO tenant simulator listening on {server.base_url}", flush=True)
    print(f"  API base:  {server.base_url}/public-api/resources", flush=True)
    if generated:
        print(f"  API token: {tokens[0]}  (generated; pass --token to choose one)", flush=True)
    else:
        print(f"  API tokens accepted: {len(tokens)}", flush=True)
    print(f"  database:  {args.db}", flush=True)
    if not _is_loopback(args.host):
        print(
            "  warning: the admin API (/_sim/...) needs no token; bind to a loopback address"
            " unless this network is yours alone",
            flush=True,
        )
    print(
        f"  try: curl -H 'Authorization: Bearer <token>' {server.base_url}"
        "/public-api/resources/locations/v2.0",
        flush=True,
    )
    print("Press Ctrl+C to stop.", flush=True)
    serving = threading.Thread(target=server.serve_forever, name="sim-server", daemon=True)
    serving.start()
    try:
        while not stop_requested[0] and serving.is_alive():
            time.sleep(0.1)
        server.shutdown()
        serving.join()
    finally:
        server.server_close()
        simulator.close()
        print("simulator stopped", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except BrokenPipeError:
        # The reader went away (``| head``): end quietly, as a command killed by SIGPIPE
        # would, and keep the interpreter's last flush of standard output from failing too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 128 + signal.SIGPIPE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
