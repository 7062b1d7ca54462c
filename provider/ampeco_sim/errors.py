"""Errors the simulator answers with, in the shape of AMPECO's (Laravel) back end."""

from __future__ import annotations

from typing import Any

FieldErrors = dict[str, list[str]]


class ApiError(Exception):
    """An error response: a status and a JSON body with ``message`` (and ``errors`` for 422)."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: FieldErrors | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            out["errors"] = self.errors
        return out


class NotFound(ApiError):
    def __init__(self, model: str, id_: object) -> None:
        super().__init__(404, f"No query results for model [{model}] {id_}")


class Conflict(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


class Invalid(ApiError):
    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(422, "The given data was invalid.", errors)


UNAUTHENTICATED = ApiError(401, "Unauthenticated.")
