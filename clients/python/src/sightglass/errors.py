"""Exceptions of the Sightglass client: one class per kind of failure, each carrying the server's message."""

from __future__ import annotations

from typing import Any, Mapping, Optional


class SightglassError(Exception):
    """Any failure talking to a Sightglass server.

    Attributes:
        status: the HTTP status (0 when the server could not be reached).
        code: the server's error code (``not-found``, ``bad-request``, …) or ``network``.
        request_id: the server's request id, to find the request in its log.
        details: the whole error object the server sent.
    """

    def __init__(
        self,
        message: str,
        status: int = 0,
        code: str = "error",
        request_id: Optional[str] = None,
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.details = dict(details or {})

    def __str__(self) -> str:
        where = f" (HTTP {self.status}" + (f", request {self.request_id})" if self.request_id else ")")
        return self.message + (where if self.status else "")


class AuthenticationError(SightglassError):
    """The API key is missing, wrong, expired or revoked (HTTP 401)."""


class PermissionDeniedError(SightglassError):
    """The key is valid but its scope or role does not allow this (HTTP 403)."""


class NotFoundError(SightglassError):
    """The project, column, reference or range does not exist or holds no data (HTTP 404)."""


class BadRequestError(SightglassError):
    """The request was invalid (HTTP 400, 409, 413, 422): the message names the field."""


class RateLimitedError(SightglassError):
    """Too many requests (HTTP 429), still refused after the retries."""


class ServerError(SightglassError):
    """The server failed (HTTP 5xx) or could not be reached, still after the retries."""
