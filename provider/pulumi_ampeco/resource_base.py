"""What every resource class shares: argument handling and the one generic provider.

The classes themselves (``Location``, ``LocationArgs``, …) are generated from the kinds'
declarations into :mod:`pulumi_ampeco.resources`.
"""

from __future__ import annotations

import dataclasses
import difflib
import threading
import traceback
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from . import adoption, sdk_patch
from .adoption import Adopt
from .errors import AmpecoError
from .kinds import KINDS, Kind
from .provider import ADOPT, AmpecoProvider

# Linear waits, cached output types, any number of dynamic resources (see sdk_patch).
sdk_patch.apply()


class DeclarationError(AmpecoError, pulumi.RunError):
    """The program declares two objects the tenant cannot tell apart; raised while the
    program runs, before any of its resources reaches the tenant. A ``RunError``, so Pulumi
    prints it without a traceback."""


class ArgumentError(AmpecoError, pulumi.RunError, TypeError):
    """A resource declared with an argument its kind does not have. A ``RunError``, so Pulumi
    prints it without a traceback: the message names the program's file and line instead."""


def _unknown_argument(name: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"no argument {name!r}{hint}"


def _declared_at() -> str:
    """``file:line: `` of the program's line that declared the resource: the innermost
    caller outside this package and the Pulumi SDK."""
    here = Path(__file__).resolve().parent
    sdk = Path(pulumi.__file__).resolve().parent
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename).resolve()
        if not (path.is_relative_to(here) or path.is_relative_to(sdk)):
            try:
                shown = path.relative_to(Path.cwd())
            except ValueError:
                shown = path
            return f"{shown}:{frame.lineno}: "
    return ""


class _Numbers:
    """The objects named by a number (EVSEs by ``network_id``) that the program has declared
    under each parent: ``1`` and ``01`` of one charge point are refused as they are
    declared, as a tenant document refuses them.

    The parent is the ``Output`` the program passed (``charge_point.id``), held weakly: it
    belongs to one run of one program, so runs in one process (tests with mocks, the offline
    engine's passes) never see each other's EVSEs. A parent given as a literal id is not
    checked here, for the same reason."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_parent: weakref.WeakKeyDictionary[pulumi.Output[Any], dict[Any, Any]] = (
            weakref.WeakKeyDictionary()
        )

    def claim(self, kind: Kind, resource_name: str, props: dict[str, Any]) -> None:
        section = kind.section
        if section is None or section.name_field is None or len(section.parent_fields) != 1:
            return
        written = props.get(section.name_field)
        number = section.number(written)
        parent = props.get(section.parent_fields[0])
        if number is None or not isinstance(parent, pulumi.Output):
            return  # not named by a number, not known yet, or under a literal id
        entry = (resource_name, str(written))
        with self._lock:
            first = self._by_parent.setdefault(parent, {}).setdefault((kind.name, number), entry)
        if first is not entry:
            raise DeclarationError(
                f"{kind.name} {resource_name!r}: `{section.name_field}` {entry[1]!r} is the same"
                f" number as {first[1]!r} of {kind.name} {first[0]!r} with the same"
                f" {section.parent_fields[0]}; it names the {section.singular} to the station"
                " (D12), so give each its own number"
            )


_NUMBERS = _Numbers()


class _Adopted:
    """The objects the program takes over by id, per kind: two resources of one program
    (of one stack) must not both manage one object. Keyed by the run's resource monitor,
    held weakly, so runs in one process never see each other's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_run: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], str]] = (
            weakref.WeakKeyDictionary()
        )

    def claim(self, kind: str, resource_name: str, adopt: bool | int | Adopt) -> None:
        number = adopt.id if isinstance(adopt, Adopt) else adopt
        if isinstance(number, bool):
            return
        run = pulumi.runtime.settings.get_monitor()
        if run is None:
            return
        with self._lock:
            try:
                first = self._by_run.setdefault(run, {}).setdefault((kind, number), resource_name)
            except TypeError:  # a monitor that cannot be held weakly: not compared
                return
        if first != resource_name:
            raise DeclarationError(
                f"{kind} {resource_name!r}: `adopt` {number} takes over the {kind} that"
                f" {kind} {first!r} already takes over; an object belongs to one resource"
            )


_ADOPTED = _Adopted()


class AmpecoResource(pulumi.dynamic.Resource):
    """A resource of one AMPECO kind: arguments as an ``…Args`` dataclass or as keywords (the
    two ways generated Pulumi SDKs accept), and ``adopt`` to take over an existing object:
    ``True`` finds it by its key, an id takes exactly that object (what ``ampeco-iac export``
    writes)."""

    _kind: ClassVar[str]
    _args_class: ClassVar[type]

    def __init__(
        self,
        resource_name: str,
        args: Any = None,
        opts: pulumi.ResourceOptions | None = None,
        *,
        adopt: bool | int | Adopt = False,
        **kwargs: Any,
    ) -> None:
        names = [f.name for f in dataclasses.fields(self._args_class)]
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise ArgumentError(
                f"{_declared_at()}{type(self).__name__} {resource_name!r}: "
                + "; ".join(_unknown_argument(name, [*names, "adopt", "opts"]) for name in unknown)
                + f" (its arguments: {', '.join(names)}, adopt, opts)"
            )
        if args is not None and not isinstance(args, self._args_class):
            raise ArgumentError(
                f"{_declared_at()}{type(self).__name__} {resource_name!r}: args must be a"
                f" {self._args_class.__name__}, not {type(args).__name__}"
            )
        # Shallow, attribute by attribute: Outputs inside must stay Outputs.
        props: dict[str, Any] = {}
        if args is not None:
            props.update({n: getattr(args, n) for n in names if getattr(args, n) is not None})
        props.update({k: v for k, v in kwargs.items() if v is not None})
        if adopt:
            _ADOPTED.claim(self._kind, resource_name, adopt)
            # True: find it by its key; an id: exactly that object (of its tenant, if bound).
            props[ADOPT] = adoption.to_wire(adopt)
        # Outputs the server computes exist as attributes only if seeded.
        kind = KINDS[self._kind]
        _NUMBERS.claim(kind, resource_name, props)
        for name in [*kind.outputs, *kind.server_first_item.values()]:
            props.setdefault(name, None)
        if kind.secrets:
            # Secret as inputs too: the state keeps a resource's inputs as well as its outputs.
            for name in sorted(kind.secrets):
                if name in props:
                    props[name] = pulumi.Output.secret(props[name])
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=sorted(kind.secrets))
            )
        super().__init__(AmpecoProvider(self._kind), resource_name, props, opts)


def installed_provider(type_: str) -> AmpecoProvider | None:
    """The provider a resource of this type token (``pulumi-python:dynamic/ampeco:Location``)
    stores in its state; ``None`` for a type not of this package. The offline engine's plug-in
    (entry point ``ampeco_engine.providers``): it compares a state's stored providers with these
    before sending anything, so that an altered state cannot choose the code that runs."""
    from . import resources  # noqa: F401  (defines the resource classes)

    for cls in AmpecoResource.__subclasses__():
        if f"pulumi-python:{cls._resource_type_name}" == type_:
            return AmpecoProvider(cls._kind)
    return None
