"""The live server the tests talk to: started by the repository's test runner (tests/server/python-client.test.ts),
which passes its address, an admin key and the demo's facts through the environment."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any, Dict

import pytest

from sightglass import Client


def _require(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set: these tests need a live server (run tests/server/python-client.test.ts)")
    return value


@pytest.fixture(scope="session")
def server_url() -> str:
    return _require("SIGHTGLASS_URL")


@pytest.fixture(scope="session")
def api_key() -> str:
    return _require("SIGHTGLASS_API_KEY")


@pytest.fixture(scope="session")
def facts() -> Dict[str, Any]:
    return json.loads(_require("SIGHTGLASS_TEST_FACTS"))


@pytest.fixture(scope="session")
def client(server_url: str, api_key: str) -> Client:
    return Client(server_url, api_key)


@pytest.fixture(scope="session")
def raw(server_url: str, api_key: str):
    """GETs a path as JSON without the client, to compare the client's DataFrames with the server's answer."""

    def get(path: str) -> Any:
        request = urllib.request.Request(server_url + path, headers={"x-api-key": api_key})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read().decode("utf-8"))

    return get
