"""HTTP for the client with the standard library only: JSON and bytes, errors mapped to exceptions, and
retries with jittered exponential backoff on what is worth retrying (network errors, 429, 502, 503, 504)."""

from __future__ import annotations

import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from .errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SightglassError,
)

QueryValue = Union[str, int, float, bool, None, Sequence[str]]
RETRY_STATUSES = frozenset({429, 502, 503, 504})


def _error_for(status: int, body: bytes) -> SightglassError:
    message = f"the server answered HTTP {status}"
    code = "http"
    request_id: Optional[str] = None
    details: Dict[str, Any] = {}
    try:
        parsed = json.loads(body.decode("utf-8"))
        error = parsed.get("error", {}) if isinstance(parsed, dict) else {}
        if isinstance(error, dict):
            details = error
            message = str(error.get("message", message))
            code = str(error.get("code", code))
            request_id = error.get("requestId")
    except (ValueError, UnicodeDecodeError):
        pass
    kind = (
        AuthenticationError
        if status == 401
        else PermissionDeniedError
        if status == 403
        else NotFoundError
        if status == 404
        else RateLimitedError
        if status == 429
        else ServerError
        if status >= 500
        else BadRequestError
    )
    return kind(message, status=status, code=code, request_id=request_id, details=details)


class Transport:
    """One server: base URL, API key, timeout and retry policy."""

    def __init__(
        self,
        url: str,
        api_key: Optional[str],
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff

    def request(
        self,
        method: str,
        path: str,
        query: Optional[Mapping[str, QueryValue]] = None,
        body: Optional[bytes] = None,
        content_type: Optional[str] = None,
        accept: str = "application/json",
        extra_headers: Optional[Mapping[str, str]] = None,
    ) -> Tuple[int, Dict[str, str], bytes]:
        url = self.url + path
        if query:
            pairs = []
            for key, value in query.items():
                if value is None:
                    continue
                if isinstance(value, (list, tuple)):
                    pairs.extend((key, str(v)) for v in value)
                elif isinstance(value, bool):
                    pairs.append((key, "true" if value else "false"))
                else:
                    pairs.append((key, str(value)))
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        headers = {"accept": accept, "user-agent": "sightglass-python/0.1"}
        if self.api_key:
            headers["x-api-key"] = self.api_key
        if content_type:
            headers["content-type"] = content_type
        headers.update(extra_headers or {})
        attempt = 0
        while True:
            request = urllib.request.Request(url, data=body, method=method, headers=headers)
            retry_after: Optional[float] = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
            except urllib.error.HTTPError as error:
                payload = error.read()
                if error.code not in RETRY_STATUSES or attempt >= self.max_retries:
                    raise _error_for(error.code, payload) from None
                header = error.headers.get("retry-after") if error.headers else None
                if header is not None:
                    try:
                        retry_after = float(header)
                    except ValueError:
                        retry_after = None
            except (urllib.error.URLError, socket.timeout, ConnectionError) as error:
                if attempt >= self.max_retries:
                    reason = getattr(error, "reason", error)
                    raise ServerError(
                        f"cannot reach the Sightglass server at {self.url}: {reason}; check the URL and that it runs",
                        status=0,
                        code="network",
                    ) from None
            attempt += 1
            delay = retry_after if retry_after is not None else self.backoff * (2 ** (attempt - 1))
            time.sleep(delay * (0.5 + random.random() / 2) if retry_after is None else delay)

    def json(self, method: str, path: str, query: Optional[Mapping[str, QueryValue]] = None, payload: Any = None) -> Any:
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        _, _, data = self.request(method, path, query, body, "application/json" if body is not None else None)
        return json.loads(data.decode("utf-8")) if data else None
