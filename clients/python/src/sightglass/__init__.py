"""Sightglass notebook client: production's profiles, metrics, drift, anomalies and model performance as pandas
DataFrames and whylogs views, from a Sightglass server."""

from .client import Client, ProfileBytes, to_epoch_ms
from .errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SightglassError,
)

__version__ = "0.1.0"

__all__ = [
    "Client",
    "ProfileBytes",
    "to_epoch_ms",
    "SightglassError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "BadRequestError",
    "RateLimitedError",
    "ServerError",
]
