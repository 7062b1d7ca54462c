"""What every resource class shares: argument handling and the one generic provider.

The classes themselves (``Location``, ``LocationArgs``, …) are generated from the kinds'
declarations into :mod:`pulumi_ampeco.resources`.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic

from . import sdk_patch
from .kinds import KINDS
from .provider import ADOPT, AmpecoProvider

sdk_patch.apply()  # the program's wait for its outputs in linear time (see sdk_patch)

# The SDK's serialize_provider wraps ``pickle._Pickler._batch_setitems`` in a sorting wrapper on
# every call and never restores it, so each dynamic resource adds a level of nesting; around a
# thousand resources in one program the next one fails with RecursionError. Each of our
# resources puts the original back before the SDK wraps it again.
_PICKLER_BATCH_SETITEMS = pickle._Pickler.__dict__["_batch_setitems"]


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
        adopt: bool | int = False,
        **kwargs: Any,
    ) -> None:
        names = [f.name for f in dataclasses.fields(self._args_class)]
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}: unknown argument(s) {', '.join(unknown)};"
                f" the arguments are: {', '.join(names)}"
            )
        if args is not None and not isinstance(args, self._args_class):
            raise TypeError(
                f"{type(self).__name__}: args must be a {self._args_class.__name__},"
                f" not {type(args).__name__}"
            )
        # Shallow, attribute by attribute: Outputs inside must stay Outputs.
        props: dict[str, Any] = {}
        if args is not None:
            props.update({n: getattr(args, n) for n in names if getattr(args, n) is not None})
        props.update({k: v for k, v in kwargs.items() if v is not None})
        if adopt:
            props[ADOPT] = adopt  # True: find it by its key; an id: exactly that object
        # Outputs the server computes exist as attributes only if seeded.
        kind = KINDS[self._kind]
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
        pickle._Pickler._batch_setitems = _PICKLER_BATCH_SETITEMS  # type: ignore[attr-defined]
        super().__init__(AmpecoProvider(self._kind), resource_name, props, opts)
