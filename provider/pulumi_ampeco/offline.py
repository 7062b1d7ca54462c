"""``ampeco-iac offline``: run a Pulumi project through the offline engine, without the CLI.

For machines that have Python but no Pulumi CLI (a first try, a locked-down CI runner). The
program, the resource classes and the providers are the real ones
(:mod:`ampeco_engine`); the engine is emulated and the state is a local JSON file in
which secrets are only encoded, not encrypted. Like ``pulumi``, a run holds a lock on its
state, journals each step so that a crash loses nothing, checks the whole program before its
first write and stops an ``up`` that would delete most of the stack. With the CLI available,
``pulumi`` adds encrypted state, history and every engine feature.

Config is the stack file's plain values plus ``--config`` overrides. Encrypted values of the
stack file need the CLI's secrets provider, so they come from the environment instead: an
``ampeco:`` setting from its ``AMPECO_*`` variable (see :mod:`pulumi_ampeco.config`), any other
key from the variable named with ``--secret-env``. Secret values are never printed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import json
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from . import moving, write_tally
from .config import BY_KEY, DEFAULT_STACK, NAMESPACE, check_known, qualified
from .errors import POSSIBLE_DUPLICATE, UsageError

if TYPE_CHECKING:
    from ampeco_engine import OfflineEngineError, OfflineStack, RunResult, Step

    from .progress import Progress
    from .provider import AmpecoProvider

OPERATIONS = ("preview", "up", "refresh", "destroy")
STATE_DIR = ".pulumi-offline"
"""Default state directory, inside the project directory (gitignored)."""
#: Settings that are secret whether or not the stack file encrypts them.
ALWAYS_SECRET = frozenset({f"{NAMESPACE}:apiToken"})
DYNAMIC_PREFIX = "pulumi-python:dynamic/"
#: Lines longer than this are broken up by nesting (objects and lists).
WIDTH = 96

_SYMBOLS = {
    "create": "+",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "read": ">",
}
_DONE = {
    "adopt": "adopted",
    "rename": "renamed",
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "read": "read",
}
_TITLES = {
    "preview": "Previewing update",
    "up": "Updating",
    "refresh": "Refreshing",
    "destroy": "Destroying",
}


# --- the command line ------------------------------------------------------------------------


def add_parser(commands: Any) -> None:
    """Register ``offline`` and its operations on the ``ampeco-iac`` subcommands.

    ``commands`` is the object ``ArgumentParser.add_subparsers`` returned; each operation sets
    ``handler`` to :func:`run`.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-C",
        "--cwd",
        default=".",
        metavar="DIR",
        help="the project directory, holding Pulumi.yaml (default: the current directory)",
    )
    common.add_argument(
        "-s",
        "--stack",
        default=DEFAULT_STACK,
        help=f"stack name; config from Pulumi.<stack>.yaml ({DEFAULT_STACK}, as for validate)",
    )
    common.add_argument(
        "--new-stack",
        action="store_true",
        help="start a stack that has neither its Pulumi.<stack>.yaml nor a state yet (its "
        "config then comes from Pulumi.yaml, --config and the environment)",
    )
    common.add_argument(
        "--force-unlock",
        action="store_true",
        help="break the state's lock when it names a process of another host that no longer "
        "runs (a lock of a dead process of this host is taken over without it)",
    )
    common.add_argument(
        "--trust-stored-providers",
        action="store_true",
        help="run the dynamic providers the state stores for types no installed package "
        "serves (a program's own), as the Pulumi CLI does; by default they never run, and the "
        "program's own providers serve their types in preview and up. Only for a state file "
        "you trust",
    )
    common.add_argument(
        "--state",
        metavar="FILE",
        help=f"the state file (default: DIR/{STATE_DIR}/<stack>.json). It holds secret values "
        "base64-encoded, not encrypted: keep it private",
    )
    common.add_argument(
        "-c",
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a config value for this run, over the stack file's (repeatable; a key without "
        "namespace belongs to the project). Keep secrets out of command lines: see --secret-env",
    )
    common.add_argument(
        "--secret-env",
        action="append",
        default=[],
        metavar="KEY=VAR",
        help="take the secret config value KEY from the environment variable VAR (repeatable). "
        f"{NAMESPACE}: settings need none: they fall back to their AMPECO_* variables",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", help="on failure, also print the full details"
    )

    offline = commands.add_parser(
        "offline",
        help="preview/up/refresh/destroy a Pulumi project without the Pulumi CLI",
        description=(
            "Run a Pulumi project through pulumi-ampeco's offline engine: the real program and "
            "providers, an emulated engine, a local state file. For machines without the Pulumi "
            "CLI; changes are applied without asking, like pulumi up --yes. Encrypted values "
            "of the stack file are read from the environment (ampeco:apiToken from "
            "AMPECO_API_TOKEN). Exit status: 0 done, 1 the operation failed (or --expect-no-"
            "changes saw changes), 2 it could not start."
        ),
    )
    operations = offline.add_subparsers(dest="operation", required=True, metavar="OPERATION")
    helps = {
        "preview": "show what up would change; changes nothing",
        "up": "create, update and delete so the tenant matches the program",
        "refresh": "record in the state what the tenant really has",
        "destroy": "delete every resource of the stack",
    }
    for name in OPERATIONS:
        parser = operations.add_parser(
            name, parents=[common], help=helps[name], description=helps[name].capitalize() + "."
        )
        if name == "preview":
            parser.add_argument(
                "--expect-no-changes",
                action="store_true",
                help="exit with status 1 if the preview has changes",
            )
            parser.add_argument(
                "--json",
                action="store_true",
                help="print the plan as JSON in the shape of pulumi preview --json (the steps "
                "with their op, URN, type and old id, and the change summary; no input "
                "values), for ampeco-iac guard and other checks; the header goes to standard "
                "error",
            )
        if name == "up":
            parser.add_argument(
                "--allow-mass-delete",
                action="store_true",
                help="apply even when the up deletes more than half of the resources the "
                "stack manages (without it, such an up stops before changing anything)",
            )
        parser.set_defaults(handler=run)
    moving.add_parsers(operations, common)


@dataclass
class Settings:
    """Everything a run needs, resolved from the options, the stack file and the environment."""

    project_dir: Path
    project: str
    stack: str
    state_path: Path
    config: dict[str, Any]
    secrets: set[str]
    #: Config keys whose values came from environment variables: key -> variable.
    from_env: dict[str, str] = field(default_factory=dict)
    #: The stack has no Pulumi.<stack>.yaml (it has a state, or --new-stack starts it).
    no_stack_file: bool = False


def locate(args: argparse.Namespace) -> tuple[Path, str, Path]:
    """The project directory, the project's name and the stack's state file; raises
    :class:`UsageError`."""
    from ampeco_engine.project import ProjectFileError, project_name

    root = Path(args.cwd).resolve()
    if not (root / "Pulumi.yaml").is_file():
        raise UsageError(f"no Pulumi.yaml in {root} (choose the project with --cwd)")
    try:
        project = project_name(root)
    except (ProjectFileError, OSError) as exc:
        raise UsageError(str(exc)) from None
    state = (Path(args.state) if args.state else root / STATE_DIR / f"{args.stack}.json").resolve()
    return root, project, state


def resolve(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Settings:
    """Project, stack, state file and config for a run; raises :class:`UsageError`."""
    from ampeco_engine.project import ProjectFileError, stack_config

    env = os.environ if env is None else env
    root, project, state = locate(args)
    try:
        stack_file = stack_config(root, args.stack)
    except (ProjectFileError, OSError) as exc:
        raise UsageError(str(exc)) from None
    no_stack_file = not (root / f"Pulumi.{args.stack}.yaml").is_file()
    if no_stack_file and not _has_state(state) and not getattr(args, "new_stack", False):
        raise UsageError(
            f"there is no stack {args.stack!r} in {root}: neither Pulumi.{args.stack}.yaml nor"
            f" its state ({_relative(state)}) exists. Choose the stack with --stack, create"
            f" Pulumi.{args.stack}.yaml (`pulumi stack init {args.stack}`, or an empty file),"
            " or pass --new-stack to start it without one"
        )
    config: dict[str, Any] = dict(stack_file.values)
    secrets = {key for key in config if key in ALWAYS_SECRET}
    overrides = {qualified(k, project): v for k, v in _pairs(args.config, "--config")}
    check_known(overrides)
    from_env = {qualified(k, project): v for k, v in _pairs(args.secret_env, "--secret-env")}
    taken: dict[str, str] = {}
    stack_file_name = f"Pulumi.{args.stack}.yaml"
    for key in dict.fromkeys([*stack_file.encrypted, *from_env]):
        if key in overrides:
            secrets.add(key)
            continue
        encrypted = key in stack_file.encrypted
        why = (
            f"{key} is encrypted in {stack_file_name}, which only the Pulumi CLI can decrypt"
            if encrypted
            else f"{key} is to come from the environment"
        )
        variable = from_env.get(key) or _setting_env(key)
        if variable is None:
            raise UsageError(
                f"{why}: pass --secret-env {key}=VAR and set the environment variable VAR "
                "to its value"
            )
        value = env.get(variable)
        if not value:
            raise UsageError(f"{why}: set {variable} to its value")
        config[key] = value
        secrets.add(key)
        taken[key] = variable
    for key, value in overrides.items():
        config[key] = value
        if key in ALWAYS_SECRET:
            secrets.add(key)
    for key in ("tenantUrl", "apiToken"):  # before anything runs, for a preview too
        setting = BY_KEY[key]
        if not str(config.get(setting.config_key) or "").strip() and not env.get(setting.env):
            secret = " --secret" if key == "apiToken" else ""
            raise UsageError(
                f"{setting.config_key} is not set: run `pulumi config set{secret}"
                f" {setting.config_key} ...` (it lands in {stack_file_name}), pass --config"
                f" {setting.config_key}=..., or set {setting.env}"
            )
    # Checked before anything runs: a state that cannot be written after objects were created
    # would leave them on the tenant and unknown to the next run.
    if args.operation != "preview":  # a preview writes no state
        try:
            state.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot use {state} as the state file: {exc}") from None
        if not os.access(state.parent, os.W_OK) or (
            state.exists() and not os.access(state, os.W_OK)
        ):
            raise UsageError(f"cannot write the state file {state}")
    return Settings(root, project, args.stack, state, config, secrets, taken, no_stack_file)


def _has_state(state: Path) -> bool:
    return state.exists() or state.with_name(state.name + ".journal").exists()


def run(args: argparse.Namespace) -> int:
    """``ampeco-iac offline OPERATION``: resolve, run, print; returns the exit status."""
    try:
        settings = resolve(args)
    except UsageError as exc:
        print(f"ampeco-iac offline: error: {exc}", file=sys.stderr)
        return 2
    # Like the Pulumi CLI: no secret config value (nor the token) in anything printed.
    hidden = [str(v) for k, v in settings.config.items() if k in settings.secrets]
    hidden.append(os.environ.get("AMPECO_API_TOKEN", ""))
    previous, _HIDDEN[0] = _HIDDEN[0], _whole(hidden)
    try:
        # The plan masks secret values by meaning (names are never touched); errors and the
        # tenant's messages are free text, masked where a secret stands whole.
        return _run(args, settings, sys.stdout, cast(IO[str], _Redacting(sys.stderr)))
    finally:
        _HIDDEN[0] = previous


def _run(args: argparse.Namespace, settings: Settings, out: IO[str], err: IO[str]) -> int:
    as_json = bool(getattr(args, "json", False))
    _print_header(settings, args.operation, err if as_json else out)

    from ampeco_engine import OfflineEngineError, OfflineStack
    from ampeco_engine.project import project_program
    from ampeco_engine.results import EngineStartError
    from ampeco_engine.stack import MassDeleteError
    from ampeco_engine.values import decode_from_state

    try:
        program = project_program(settings.project_dir)
    except FileNotFoundError as exc:
        print(f"ampeco-iac offline: error: {exc}", file=err)
        return 2
    stack = OfflineStack(
        program,
        settings.state_path,
        settings.config,
        secrets=settings.secrets,
        project=settings.project,
        stack=settings.stack,
        cwd=settings.project_dir,
    )
    stack.force_unlock = bool(getattr(args, "force_unlock", False))
    stack.trust_stored_providers = bool(getattr(args, "trust_stored_providers", False))
    watcher = _Watching(err, _TITLES[args.operation])
    stack.watcher = watcher
    operation: Callable[[], RunResult] = getattr(stack, args.operation)
    if args.operation == "up":
        guard = not getattr(args, "allow_mass_delete", False)
        operation = functools.partial(stack.up, guard_deletes=guard)
    interrupted: list[int] = []
    written: list[int | None] = [0]  # write requests sent, also when the operation fails
    try:
        with (
            write_tally.tallying() as writes,
            _cancelled_by_signals(stack, interrupted, err),
            watcher.logging(),
        ):
            try:
                result = operation()
            finally:
                written[0] = writes()
        outputs = decode_from_state(stack.state().get("outputs", {}))
    except EngineStartError as exc:  # nothing was sent to the tenant
        print(f"ampeco-iac offline: error: {exc}", file=err)
        return 2
    except OfflineEngineError as exc:
        watcher.close()
        checked_only = bool(exc.result is not None and exc.result.checks_only)
        if as_json:
            pass  # no plan: standard output stays empty, which no check takes for one
        elif isinstance(exc, MassDeleteError) and exc.result is not None:
            deletes = [s for s in exc.result.steps if s.action == "delete"]
            out.write(format_steps(dataclasses.replace(exc.result, steps=deletes), "preview"))
        elif exc.result is not None and not exc.checks and not checked_only:
            out.write(format_steps(exc.result, args.operation))
        out.flush()
        err.write(format_error(exc, verbose=args.verbose))
        sent = written[0]
        if args.operation != "preview" and sent and not checked_only:
            print(
                f"ampeco-iac offline: {sent} write request{'' if sent == 1 else 's'}"
                " had been sent to the tenant when it stopped; the state records every step"
                " that finished, and a new run goes on from there.",
                file=err,
            )
        for warning in watcher.duplicates:
            print(f"warning: {warning}", file=err)
        if interrupted:
            done = "" if args.operation == "preview" else " The state file records every step."
            print(f"ampeco-iac offline: interrupted.{done}", file=err)
            return 128 + interrupted[0]
        if checked_only and args.operation == "up":
            print("ampeco-iac offline: nothing was changed.", file=err)

        if isinstance(exc, MassDeleteError):
            print("To apply it anyway: ampeco-iac offline up --allow-mass-delete", file=err)
        return 1
    except OSError as exc:  # the engine names its files itself; this is a last resort
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ampeco-iac offline: error: {where}{exc.strerror or exc}", file=err)
        return 1
    finally:
        watcher.close()
        stack.close()
    if as_json:
        recorded = stack.state().get("resources", {})
        out.write(json.dumps(plan_json(result, recorded), indent=2) + "\n")
        for warning in [*result.warnings, *watcher.duplicates]:
            print(f"warning: {warning}", file=err)
        if getattr(args, "expect_no_changes", False) and has_changes(result):
            print("error: no changes were expected, but the preview has changes", file=err)
            return 1
        return 0
    plans: dict[str, Any] = {}
    if args.operation == "preview":
        plans.update(adoption_plans(result, settings.config))
        recorded = stack.state().get("resources", {})
        ids = {urn: str(item.get("id") or "") for urn, item in recorded.items()}
        plans.update(drift_plans(result, settings.config, ids))
    out.write(format_steps(result, args.operation, plans))
    # A preview and a refresh send no write: no count to show.
    shown_writes = None if args.operation in ("preview", "refresh") else written[0]
    out.write(format_summary(result, args.operation, shown_writes) + "\n")
    for warning in [*result.warnings, *watcher.duplicates]:
        print(f"warning: {warning}", file=err)
    if args.operation == "up":
        out.write(format_ids(result.steps))
        out.write(format_outputs(outputs))
    if getattr(args, "expect_no_changes", False) and has_changes(result):
        print("error: no changes were expected, but the preview has changes", file=err)
        return 1
    return 0


def _whole(values: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern that finds each value where it stands whole: not inside a longer word, so a
    one-letter secret leaves ``TaxIdentificationNumber`` alone."""
    found = sorted({v for v in values if v}, key=len, reverse=True)
    if not found:
        return None
    words = "|".join(re.escape(v) for v in found)
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{words})(?![A-Za-z0-9_])")


#: Secret values of the running command (config marked secret, the token): the printer shows
#: a value equal to one as ``[secret]``, and masks one standing whole inside free text. A
#: process-wide slot, not a context variable: the provider's output and the client's warnings
#: arrive on other threads, which must mask them too.
_HIDDEN: list[re.Pattern[str] | None] = [None]


def hide(text: str) -> str:
    """Free text with each secret that stands whole in it replaced by ``[secret]``."""
    pattern = _HIDDEN[0]
    return pattern.sub("[secret]", text) if pattern is not None else text


class _Redacting:
    """A text stream for free text (errors, messages from the tenant): a secret is replaced
    where it stands whole. Plans are masked by meaning instead (see :func:`masked`)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(hide(text))

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


class _Watching:
    """Progress of the running operation on stderr (live on a terminal, a line now and then
    in CI), with what the tenant's client announces (retries) printed above it."""

    def __init__(self, stream: IO[str], title: str) -> None:
        self._stream = stream
        self._title = title
        self._progress: Progress | None = None
        self._lock = threading.Lock()
        #: The tenant client's possible-duplicate warnings, repeated after the summary.
        self.duplicates: list[str] = []

    def phase(self, title: str, total: int | None) -> None:
        from .progress import for_stream

        name = title if title == "Checking" else self._title
        with self._lock:
            if self._progress is not None:
                self._progress.close()
            self._progress = for_stream(self._stream, name)
            self._progress.set_total(total)

    def started(self, type_: str, name: str) -> None:
        if self._progress is not None:
            self._progress.started(f"{short_type(type_)} {name}")

    def finished(self, step: Step) -> None:
        if self._progress is not None:  # the same text as started(): the step is done
            self._progress.finished(f"{short_type(step.type)} {step.name}")

    def note(self, line: str) -> None:
        if POSSIBLE_DUPLICATE in line:
            self.duplicates.append(line[line.index(POSSIBLE_DUPLICATE) :])
        if self._progress is not None:
            self._progress.note(line)
        else:
            with contextlib.suppress(OSError, ValueError):
                self._stream.write(line + "\n")

    def close(self) -> None:
        with self._lock:
            if self._progress is not None:
                self._progress.close()
                self._progress = None

    @contextlib.contextmanager
    def logging(self) -> Iterator[None]:
        """Warnings of the tenant's client in this process (the in-process transport) go
        above the progress line instead of through it."""
        watcher = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                watcher.note(self.format(record))

        handler = Handler(logging.WARNING)
        logger = logging.getLogger("pulumi_ampeco")
        logger.addHandler(handler)
        propagate, logger.propagate = logger.propagate, False
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate


@contextlib.contextmanager
def _cancelled_by_signals(
    stack: OfflineStack, interrupted: list[int], err: IO[str]
) -> Iterator[None]:
    """The first SIGINT or SIGTERM cancels the operation the way Pulumi does: no new step
    starts, the running ones finish and the state records them. A second one stops at once."""

    def handle(signum: int, _frame: Any) -> None:
        if interrupted:
            raise KeyboardInterrupt
        interrupted.append(signum)
        print(
            "ampeco-iac offline: interrupting; waiting for the steps already running"
            " (again to stop at once, losing their record)",
            file=err,
        )
        stack.cancel(f"interrupted by {signal.Signals(signum).name}")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_header(settings: Settings, operation: str, out: IO[str]) -> None:
    """Which project, stack, state and tenant the run uses; never a secret value."""
    out.write(
        f"Offline engine (no Pulumi CLI): project {settings.project}, stack {settings.stack}, "
        f"state {_relative(settings.state_path)}\n"
    )
    tenant_key = BY_KEY["tenantUrl"].config_key
    tenant = _source(settings, "tenantUrl")
    if tenant is None:
        tenant_text = f"not set ({tenant_key} or {BY_KEY['tenantUrl'].env})"
    elif tenant_key in settings.secrets:
        tenant_text = f"[secret] (from {tenant})"
    else:
        value = settings.config.get(tenant_key) or os.environ.get(BY_KEY["tenantUrl"].env)
        tenant_text = f"{value} (from {tenant})"
    token = _source(settings, "apiToken")
    token_text = (
        f"API token from {token}"
        if token is not None
        else f"API token not set ({BY_KEY['apiToken'].config_key} or {BY_KEY['apiToken'].env})"
    )
    out.write(f"Tenant: {tenant_text}; {token_text}\n")
    for key, variable in settings.from_env.items():
        out.write(f"Config: {key} taken from the environment ({variable})\n")
    if settings.no_stack_file:
        out.write(
            f"Config: no Pulumi.{settings.stack}.yaml; Pulumi.yaml, --config and the environment"
            " only\n"
        )
    out.write(f"\n{_TITLES[operation]} ({settings.stack}):\n")


def _source(settings: Settings, name: str) -> str | None:
    """Where the setting ``ampeco:<name>`` comes from (a config key or a variable), if set."""
    setting = BY_KEY[name]
    if setting.config_key in settings.from_env:
        return settings.from_env[setting.config_key]
    if settings.config.get(setting.config_key):
        return setting.config_key
    if os.environ.get(setting.env):
        return setting.env
    return None


def _pairs(items: Iterable[str], option: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            # Named by its key alone: what follows the = may be a secret.
            raise UsageError(f"{option} expects KEY=VALUE, got {key.strip()!r}")
        pairs.append((key.strip(), value))
    return pairs


def _setting_env(key: str) -> str | None:
    namespace, _, name = key.partition(":")
    setting = BY_KEY.get(name) if namespace == NAMESPACE else None
    return setting.env if setting is not None else None


def _relative(path: Path) -> str:
    """The path from the current directory when it is below it, else in full."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- the printer -----------------------------------------------------------------------------


class _Mark:
    """What the printer shows instead of a value it must not or cannot show."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


SECRET = _Mark("[secret]")
UNKNOWN_SHOWN = _Mark("(known after up)")
_UNSET = _Mark("(unset)")


def masked(value: Any) -> Any:
    """A value ready to print: each secret replaced by :data:`SECRET` (whatever it holds),
    each unknown by :data:`UNKNOWN_SHOWN`, and translated texts (lists of ``{locale,
    translation}``) as ``{locale: text}``."""
    from ampeco_engine.values import UNKNOWN, is_secret

    def walk(item: Any) -> Any:
        if item is UNKNOWN:
            return UNKNOWN_SHOWN
        if is_secret(item):
            return SECRET
        if isinstance(item, str):
            shown = hide(item)
            return SECRET if shown == "[secret]" else shown
        if isinstance(item, dict):
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, list):
            items = [walk(v) for v in item]
            if items and all(_is_translation(v) for v in items):
                return {v["locale"]: v["translation"] for v in items}
            return items
        return item

    return walk(value)


def _is_translation(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"locale", "translation"}
        and isinstance(value["locale"], str)
    )


_BARE_KEY = re.compile(r"^[A-Za-z_][\w-]*$")


def inline(value: Any) -> str:
    """One line: JSON-like, strings quoted, keys bare, whole numbers without ``.0``."""
    if isinstance(value, _Mark):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {inline(v)}" for k, v in _sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(inline(v) for v in value) + "]"
    return str(value)


def _key(key: Any) -> str:
    text = str(key)
    return text if _BARE_KEY.match(text) else json.dumps(text, ensure_ascii=False)


def _sorted(mapping: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    return sorted(mapping.items(), key=lambda item: str(item[0]))


def field_lines(key: str, value: Any, indent: str) -> list[str]:
    """``key: value`` on one line when it fits, else nested one level per line."""
    line = f"{indent}{key}: {inline(value)}"
    if len(line) <= WIDTH or not isinstance(value, dict | list) or not value:
        return [line]
    lines = [f"{indent}{key}:"]
    inner = indent + "    "
    if isinstance(value, dict):
        for name, item in _sorted(value):
            lines.extend(field_lines(_key(name), item, inner))
    else:
        for index, item in enumerate(value):
            lines.extend(field_lines(f"[{index}]", item, inner))
    return lines


def diff_lines(path: str, old: Any, new: Any, indent: str) -> list[str]:
    """``path: old => new`` for each leaf that differs (objects by key, lists of the same
    length by position; anything else as a whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        lines: list[str] = []
        for key in sorted(set(old) | set(new), key=str):
            lines.extend(
                diff_lines(
                    f"{path}.{_key(key)}", old.get(key, _UNSET), new.get(key, _UNSET), indent
                )
            )
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        lines = []
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            lines.extend(diff_lines(f"{path}[{index}]", before, after, indent))
        return lines
    if _same(old, new):
        return []
    return [f"{indent}{path}: {inline(old)} => {inline(new)}"]


def _same(old: Any, new: Any) -> bool:
    if old is _UNSET and new is _UNSET:
        return True
    if isinstance(old, _Mark) or isinstance(new, _Mark):
        return False  # a secret or unknown on either side: shown, since it may have changed
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new
    return bool(old == new)


def adopts(step: Step) -> bool:
    """A create that takes over an existing object (``adopt``) instead of making one."""
    return step.action == "create" and bool(step.inputs.get("adopt"))


@dataclass(frozen=True)
class Waiting:
    """An adoption whose plan needs the ids of objects the same run creates or finds by key."""

    names: tuple[str, ...]


def adoption_plans(
    result: RunResult, config: Mapping[str, Any]
) -> dict[str, dict[str, tuple[Any, Any]] | Waiting | None]:
    """For each adoption of a preview, what the ``up`` will change on the tenant's object.

    An argument that is a reference to an object adopted by its id in the same run is that id
    already (a preview knows no outputs, but an adoption keeps the id it names). Any other
    value a preview does not know yet, whole or in part (a list of ids, a nested object),
    makes the plan wait for the up (:class:`Waiting`): left out, the plan would say "no
    change" where the up writes."""
    from ampeco_engine.values import UNKNOWN

    from . import adoption

    adopted = {  # a plain id; not True (by key), nor an id bound to a tenant (maybe ignored)
        s.urn: found
        for s in result.steps
        if adopts(s) and type(found := adoption.parse(s.inputs["adopt"])) is int
    }
    names = {s.urn: s.name for s in result.steps}
    ready: list[Step] = []
    waiting: dict[str, dict[str, tuple[Any, Any]] | Waiting | None] = {}
    for step in result.steps:
        if not (adopts(step) and step.type.startswith(DYNAMIC_PREFIX)):
            continue
        id_fields = _id_arguments(short_type(step.type).split(":", 1)[1])
        inputs = dict(step.inputs)
        pending: list[str] = []
        for key, value in step.inputs.items():
            if not _holds(value, UNKNOWN):
                continue
            sources = step.dependencies.get(key, [])
            if (
                value is UNKNOWN
                and key in id_fields
                and len(sources) == 1
                and sources[0] in adopted
            ):
                inputs[key] = adopted[sources[0]]
            else:
                pending += [names.get(urn, urn) for urn in sources] or [key]
        if pending:
            waiting[step.urn] = Waiting(tuple(sorted(set(pending))))
        else:
            ready.append(dataclasses.replace(step, inputs=inputs))
    plans: dict[str, dict[str, tuple[Any, Any]] | Waiting | None] = dict(
        _plans(ready, config, lambda provider, _step, known: provider.adoption_plan(known))
    )
    plans.update(waiting)
    return plans


def _id_arguments(kind: str) -> frozenset[str]:
    """The arguments of a kind that hold one other object's id as it is: its parents, and
    the references its tenant-document section fills with an id."""
    from .kinds import KINDS

    decl = KINDS.get(kind)
    if decl is None:
        return frozenset()
    section = decl.section
    refs = section.refs if section is not None else ()
    return frozenset(
        [
            *decl.parent_fields,
            *(section.parent_fields if section is not None else ()),
            *(r.id_field for r in refs if not r.many and "." not in r.id_field),
        ]
    )


Plan = dict[str, tuple[Any, Any]]


def _plans(
    steps: Sequence[Step],
    config: Mapping[str, Any],
    make: Callable[[AmpecoProvider, Step, dict[str, Any]], Plan | None],
) -> dict[str, Plan | None]:
    """``make``'s plan for each step (the provider of its kind, its known inputs), with secret
    arguments masked on both sides. A plan is a courtesy: one that fails is ``None`` (the up
    checks again and reports)."""
    if not steps:
        return {}
    from ampeco_engine.values import UNKNOWN, to_plain

    from . import runtime
    from .provider import AmpecoProvider

    runtime.configure({k: v for k, v in config.items() if k in runtime.KEYS})
    runtime.read_cache.forget("")  # an operation of its own: nothing read before is trusted
    plans: dict[str, Plan | None] = {}
    for step in steps:
        provider = AmpecoProvider(short_type(step.type).split(":", 1)[1])
        known = {k: v for k, v in to_plain(step.inputs).items() if not _holds(v, UNKNOWN)}
        try:
            plan = make(provider, step, known)
        except Exception:
            plan = None
        if plan is not None:
            secret = provider.declaration.secrets
            plan = {n: (SECRET, SECRET) if n in secret else v for n, v in plan.items()}
        plans[step.urn] = plan
    return plans


def drifted(step: Step) -> bool:
    """An update with the recorded inputs: only the tenant's object changed."""
    return step.action == "update" and not step.changes and step.type.startswith(DYNAMIC_PREFIX)


def drift_plans(
    result: RunResult, config: Mapping[str, Any], ids: Mapping[str, str]
) -> dict[str, dict[str, tuple[Any, Any]] | None]:
    """For each update of a preview that only drift explains, each field that differs: the
    tenant's value and the program's (read again from the tenant, one object at a time;
    ``ids`` from the state, since a preview's steps carry none)."""
    steps = [s for s in result.steps if drifted(s) and ids.get(s.urn)]
    return _plans(
        steps, config, lambda provider, step, known: provider.drift_plan(ids[step.urn], known)
    )


def _holds(value: Any, unknown: Any) -> bool:
    if value is unknown:
        return True
    if isinstance(value, dict):
        return any(_holds(v, unknown) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, unknown) for v in value)
    return False


def step_lines(
    step: Step, operation: str, plan: Mapping[str, tuple[Any, Any]] | Waiting | None = None
) -> list[str]:
    """A step as the plan shows it: a head line, then its fields or changes."""
    action = "refresh" if step.action == "read" and operation == "refresh" else step.action
    if adopts(step):
        how = step.inputs["adopt"]
        how = "by its key" if how is True else f"id {int(how)}"
        head = "= adopt".ljust(11) + f"{short_type(step.type)}  {step.name}  ({how})"
        if isinstance(plan, Waiting):
            of = ", ".join(plan.names)
            return [head, f"      (what it changes shows at up, once the ids of {of} are known)"]
        if plan is None:
            if operation != "preview":  # the up has read the object: nothing to promise
                return [head]
            return [head, "      (what it changes shows at up, which reads the object again)"]
        if not plan:
            return [head, "      (as the tenant has it: no change)"]
        lines = [head]
        for name, (before, after) in sorted(plan.items()):
            lines.append(f"      {_key(name)}: {inline(masked(before))} => {inline(masked(after))}")
        return lines
    renamed = f"{step.renamed_from.split('::', 3)[3]} → {step.name}" if step.renamed_from else ""
    if step.action == "same" and renamed:  # found under its old name: nothing else changes
        return ["~ rename".ljust(11) + f"{short_type(step.type)}  {renamed}"]
    symbol = "~" if action == "refresh" else _SYMBOLS[step.action]
    head = f"{symbol} {action}".ljust(11) + f"{short_type(step.type)}  {step.name}"
    indent = "      "
    if renamed:
        head += f"  (renamed: {renamed})"
    if step.action == "delete":
        if operation == "refresh":
            head += "  (gone from the tenant: removed from the state)"
        elif step.id:
            head += f"  (id {step.id})"
        return [head]
    lines = [head]
    if step.note:
        lines.append(f"{indent}({step.note})")
    if step.action == "create":
        for key, value in _sorted(masked(step.inputs)):
            lines.extend(field_lines(_key(key), value, indent))
        return lines
    old, new = masked(step.old_inputs), masked(step.inputs)
    other = []
    for name in step.changes:
        if name not in old and name not in new:
            other.append(name)  # not an input: an output, or the id of an object gone
            continue
        before, after = old.get(name, _UNSET), new.get(name, _UNSET)
        found = diff_lines(_key(name), before, after, indent)
        lines.extend(found or [f"{indent}{_key(name)}: {inline(before)} => {inline(after)}"])
    if step.action == "replace" and "id" in other:
        lines.append(f"{indent}(deleted outside Pulumi: it is created again)")
        other.remove("id")
    if other:
        lines.append(f"{indent}(also changed: {', '.join(other)})")
    if len(lines) == 1 and step.action in ("update", "replace"):
        if plan and not isinstance(plan, Waiting):
            lines.append(f"{indent}(changed on the tenant; the tenant's value => the program's)")
            for name, (before, after) in sorted(plan.items()):
                lines.append(
                    f"{indent}{_key(name)}: {inline(masked(before))} => {inline(masked(after))}"
                )
        else:
            lines.append(f"{indent}(the object on the tenant differs from the program)")
    return lines


def short_type(type_: str) -> str:
    """``pulumi-python:dynamic/ampeco:Location`` → ``ampeco:Location``."""
    return type_.removeprefix(DYNAMIC_PREFIX)


def _shown(step: Step, operation: str) -> bool:
    if step.action == "same":
        return bool(step.renamed_from)
    if step.action == "read":  # shown when first read, or when what was read changed
        return bool(step.changes) or (operation != "refresh" and not step.old_inputs)
    return True


def format_steps(
    result: RunResult,
    operation: str,
    plans: Mapping[str, Mapping[str, tuple[Any, Any]] | Waiting | None] | None = None,
) -> str:
    """Every step that changes something, in the order the engine took them; an adoption
    with what it will change (``plans``, from :func:`adoption_plans`)."""
    lines: list[str] = []
    for step in result.steps:
        if _shown(step, operation):
            lines.extend(step_lines(step, operation, (plans or {}).get(step.urn)))
    return "".join(f"{line}\n" for line in lines) + ("\n" if lines else "")


def has_changes(result: RunResult) -> bool:
    """Whether the operation changed (or, in a preview, would change) anything."""
    return any(_shown(step, result.operation) for step in result.steps)


def plan_json(result: RunResult, recorded: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A preview in the shape ``pulumi preview --json`` gives it, for checks that read either
    engine's plan alike (``ampeco-iac guard``): ``steps``, each with its ``op``, ``urn``, the
    ``type`` and ``custom`` of its old and new state, the old state's ``id`` and, when set,
    ``protect`` and ``retainOnDelete`` (from ``recorded``, the state's resources: a preview's
    steps carry no ids), the changed names (``diffReasons``, ``replaceReasons``); and
    ``changeSummary``, the steps per op. Unchanged resources are counted, not listed, as
    Pulumi does without ``--show-sames``; an adoption is a ``create`` and a rename ``same``,
    as there. No input or output value is written, so no secret can be."""
    steps: list[dict[str, Any]] = []
    summary: dict[str, int] = {}
    for step in result.steps:
        op = step.action
        summary[op] = summary.get(op, 0) + 1
        if op == "same":
            continue
        entry: dict[str, Any] = {"op": op, "urn": step.urn}
        if step.action != "create":
            record = recorded.get(step.urn) or {}
            old: dict[str, Any] = {"urn": step.urn, "type": step.type, "custom": step.custom}
            if record.get("id"):
                old["id"] = str(record["id"])
            for flag, name in (("protect", "protect"), ("retain_on_delete", "retainOnDelete")):
                if record.get(flag):
                    old[name] = True
            entry["oldState"] = old
        if step.action != "delete":
            entry["newState"] = {"urn": step.urn, "type": step.type, "custom": step.custom}
        if step.changes and step.action in ("update", "replace"):
            entry["diffReasons" if step.action == "update" else "replaceReasons"] = list(
                step.changes
            )
        steps.append(entry)
    return {"steps": steps, "changeSummary": dict(sorted(summary.items()))}


def format_summary(result: RunResult, operation: str, writes: int | None = None) -> str:
    """One line: ``Plan: 3 to create, 8 unchanged``, ``Done: ...`` or ``No changes: ...``.

    Components (a ``Tenant``) hold no object of the tenant: they are named apart, and do not
    count among the resources. ``writes``: the requests sent that may change the tenant (an
    adoption that finds everything as the program has it sends none)."""
    counts: dict[str, int] = {}
    components: dict[str, int] = {}
    unchanged = 0
    for step in result.steps:
        if not step.custom:
            if step.action not in ("same", "read"):
                components[step.action] = components.get(step.action, 0) + 1
        elif step.action == "read" and not _shown(step, operation):
            unchanged += 1
        elif operation == "refresh" and step.action == "read":
            if step.changes:
                counts["changed"] = counts.get("changed", 0) + 1
            else:
                unchanged += 1
        elif operation == "refresh" and step.action == "delete":
            counts["gone"] = counts.get("gone", 0) + 1
        elif step.action == "same" and step.renamed_from:
            counts["rename"] = counts.get("rename", 0) + 1
        elif step.action == "same":
            unchanged += 1
        elif adopts(step):
            counts["adopt"] = counts.get("adopt", 0) + 1
        else:
            counts[step.action] = counts.get(step.action, 0) + 1
    resources = f"{unchanged} resource{'' if unchanged == 1 else 's'}"
    tail = ""
    if components:
        shown = ", ".join(
            _counted(action, n, operation, "component" if n == 1 else "components")
            for action, n in components.items()
        )
        tail = f" (and {shown})"
    if writes is not None:
        tail += f"; {writes} write request{'' if writes == 1 else 's'} to the tenant"
    if not counts:
        if not unchanged:
            line = "No changes: the stack has no resources"
        elif operation == "refresh":
            line = f"No changes: {resources} as the tenant has them"
        else:
            line = f"No changes: {resources} unchanged"
        if components:
            label = "Plan" if operation == "preview" else "Done"
            line = f"{label}: {resources} unchanged" if unchanged else f"{label}: no resources"
        return line + tail
    order = ["adopt", "rename", "create", "update", "replace", "delete", "read", "changed", "gone"]
    parts = [_counted(action, counts[action], operation) for action in order if action in counts]
    if unchanged:
        parts.append(f"{unchanged} unchanged")
    label = "Plan" if operation == "preview" else "Done"
    return f"{label}: {', '.join(parts)}{tail}"


def _counted(action: str, count: int, operation: str, noun: str = "") -> str:
    """``3 to create`` in a preview, ``3 created`` after the operation (``noun`` after the
    count: ``1 component created``)."""
    counted = f"{count} {noun}" if noun else str(count)
    if operation == "preview":
        return f"{counted} to {action}"
    return f"{counted} {_DONE.get(action, action)}"


def format_ids(steps: Sequence[Step]) -> str:
    """The ids of the stack's resources after an up, sorted by type and name."""
    rows = sorted(
        (short_type(s.type), s.name, s.id) for s in steps if s.id and s.action != "delete"
    )
    if not rows:
        return ""
    width_type = max(len(r[0]) for r in rows)
    width_name = max(len(r[1]) for r in rows)
    lines = ["", "Ids:"]
    lines += [f"    {t.ljust(width_type)}  {n.ljust(width_name)}  {i}" for t, n, i in rows]
    return "\n".join(lines) + "\n"


def format_outputs(outputs: Mapping[str, Any]) -> str:
    """The stack outputs, secrets masked (give values with their secret markers)."""
    if not outputs:
        return ""
    lines = ["", "Outputs:"]
    for key, value in _sorted(masked(dict(outputs))):
        lines.extend(field_lines(_key(key), value, "    "))
    return "\n".join(lines) + "\n"


def format_error(error: OfflineEngineError, *, verbose: bool = False) -> str:
    """The engine's message without a traceback: the resource, then each check failure on a
    line of its own; ``verbose`` adds the full details."""
    # Our errors read as one line on their own: no class name in front.
    message = re.sub(r"(^|: )pulumi_ampeco\.errors\.\w+: ", r"\1", error.message)
    if error.name:
        prefix = f"{error.operation} failed: {error.type} resource {error.name!r}: "
        rest = message[len(prefix) :] if message.startswith(prefix) else message
        message = f"{error.operation} failed: {short_type(error.type)} {error.name!r}: {rest}"
    lines = []
    if len({c.urn for c in error.checks}) > 1:
        lines.append(f"error: {message}:")
        shown = ""
        for check in error.checks:
            if check.urn != shown:
                lines.append(f"    {short_type(check.type)} {check.name!r}:")
                shown = check.urn
            text = f"{check.property}: {check.reason}" if check.property else check.reason
            lines.append(f"        {text}")
    elif error.failures:
        head = message.split(": check failed:", 1)[0]
        lines.append(f"error: {head}: check failed:")
        lines += [
            f"    {prop}: {reason}" if prop else f"    {reason}" for prop, reason in error.failures
        ]
    else:
        lines.append(f"error: {message}")
    if verbose and error.details:
        lines += ["", error.details.rstrip()]
    return "\n".join(lines) + "\n"
