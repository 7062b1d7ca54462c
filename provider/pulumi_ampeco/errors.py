"""Every error pulumi-ampeco raises, under :class:`AmpecoError`, each saying what to do.

Errors of a request carry its method and path (never the token, never the query's secrets:
AMPECO puts none there) and read well as one line of a Pulumi error. Nothing here imports the
Pulumi SDK.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

#: Begins the client's warning of a create sent again after its first answer was lost and its
#: object did not appear: the tenant may still carry out the first. The offline engine repeats
#: such warnings after its summary.
POSSIBLE_DUPLICATE = "possible duplicate: "


class AmpecoError(Exception):
    """Base class of every error raised by pulumi-ampeco."""


class ConfigurationError(AmpecoError):
    """The tenant URL, token or a tuning setting is missing or wrong; nothing was sent."""


class UsageError(AmpecoError):
    """A command was given a project, stack, option or file it cannot use; nothing ran."""


class AdoptionRequiredError(AmpecoError):
    """An object with the same key exists and the program did not ask to adopt it (or asked,
    without a key to find it by); nothing was created."""


class DocumentError(AmpecoError):
    """A tenant document has problems; each is listed with its line and path, and nothing was
    declared."""

    #: What the document's problems mean for the run that met them.
    consequence = "nothing was changed in the tenant."

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = [f"{source}: {count}; {self.consequence}"]
        for problem in problems:
            line = f"line {problem.line}: " if problem.line else ""
            lines.append(f"  {line}{problem.where}: {problem.message}")
        super().__init__("\n".join(lines))


class InvalidDocument(DocumentError):
    """``ampeco-iac validate``'s finding: the document would be refused (it never reaches a
    tenant)."""

    consequence = "Pulumi would refuse it before any API call."


class Problem(Protocol):
    """One problem of a document: where it is and what to do about it."""

    @property
    def line(self) -> int | None: ...
    @property
    def where(self) -> str: ...
    @property
    def message(self) -> str: ...


class ApiError(AmpecoError):
    """A request that failed; ``status`` is ``None`` when no HTTP answer came back."""

    hint: str = ""

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        message: str,
        *,
        attempts: int = 1,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        self.attempts = attempts
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.method} {self.path}"
        status = f" -> {self.status}" if self.status is not None else ""
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{status}: {self.message}{tries}{hint}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()!r})"


class AuthenticationError(ApiError):
    hint = "check ampeco:apiToken / AMPECO_API_TOKEN: the tenant does not accept this token"


class PermissionDeniedError(ApiError):
    hint = "the administrator who owns the API token lacks this permission"


class NotFoundError(ApiError):
    hint = "the object does not exist (deleted outside Pulumi?)"


class ConflictError(ApiError):
    hint = "the object is in use; remove or reassign what uses it first"


class InvalidRequestError(ApiError):
    """422: the tenant rejected the data; ``errors`` maps field paths to messages."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        message: str,
        *,
        errors: Mapping[str, Sequence[str]] | None = None,
        attempts: int = 1,
    ) -> None:
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        super().__init__(method, path, status, message, attempts=attempts)

    def _describe(self) -> str:
        base = super()._describe()
        if not self.errors:
            return base
        fields = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in self.errors.items())
        return f"{base} [{fields}]"


class RateLimitedError(ApiError):
    hint = "the tenant's rate limit; lower ampeco:requestsPerMinute or retry later"

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        message: str,
        *,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(method, path, status, message, attempts=attempts)


class ServerError(ApiError):
    hint = "the tenant failed; retry later"


class TransportError(ApiError):
    """No usable answer: a timeout, a refused or dropped connection."""

    hint = "network trouble between here and the tenant; retry"


class AmbiguousCreateError(ApiError):
    """A create may or may not have happened, and there is no way to tell which."""

    hint = "look for the object in the tenant; if it exists, adopt it instead of creating it again"


class DuplicateObjectsError(ApiError):
    """A lookup that must find at most one object found several."""

    def __init__(self, method: str, path: str, key: str, ids: Sequence[object]) -> None:
        self.key = key
        self.ids = list(ids)
        shown = ", ".join(str(i) for i in self.ids)
        super().__init__(
            method,
            path,
            None,
            f"{len(self.ids)} objects match {key}: ids {shown}; "
            "make the key unique in the tenant (delete or rename the extra objects)",
        )


class KeptObjectError(AmpecoError):
    """The step made (or changed) its object and still failed: the engine keeps ``id`` and
    ``outputs`` in the state, as Pulumi keeps a resource whose initialization failed, and the
    run fails with ``reasons``. The next ``up`` updates the object again."""

    def __init__(self, id_: str, outputs: Mapping[str, Any], reasons: Sequence[str]) -> None:
        self.id = id_
        self.outputs = dict(outputs)
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


class DuplicateSuspectedError(KeptObjectError):
    """Another object may carry a key that the stack's object owns (its ``externalId``): the
    stack keeps its own object, remembers the suspicion, and fails every run until the other
    object is gone or accepted (``ampeco:acceptedDuplicates``)."""


#: Statuses whose error needs nothing but the message (422 and 429 carry more).
STATUS_ERRORS: dict[int, type[ApiError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
}

__all__ = [
    "AdoptionRequiredError",
    "AmbiguousCreateError",
    "AmpecoError",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DocumentError",
    "DuplicateObjectsError",
    "DuplicateSuspectedError",
    "InvalidRequestError",
    "KeptObjectError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "UsageError",
]
