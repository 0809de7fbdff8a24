"""The client against a live Sightglass server holding the demo project (SQLite and PostgreSQL runs)."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
import urllib.request
from typing import Any, Dict, List

import numpy as np
import pandas as pd
import pytest

from sightglass import (
    AuthenticationError,
    BadRequestError,
    Client,
    NotFoundError,
    ProfileBytes,
    ServerError,
    to_epoch_ms,
)

DEMO = "demo-credit"
HOUR = 3_600_000
DAY = 24 * HOUR


def test_lists_projects_columns_and_segments(client: Client) -> None:
    projects = client.projects()
    assert DEMO in set(projects["id"])
    row = projects.set_index("id").loc[DEMO]
    assert row["frequency"] == "hour"
    columns = client.columns(DEMO)
    assert {"age", "income", "credit_score", "channel", "region", "approved", "score", "repaid"} <= set(columns["name"])
    segments = client.segments(DEMO)
    assert {"region=east", "region=north", "region=south", "region=west"} <= set(segments["segment"])
    east = segments.set_index("segment").loc["region=east"]
    assert east["tags"] == {"region": "east"}
    assert "training" in client.references(DEMO)


def test_metrics_equal_the_servers_json(client: Client, raw, facts: Dict[str, Any]) -> None:
    start, end = facts["driftStart"] - DAY, facts["driftStart"] + DAY
    frame = client.metrics(DEMO, ["income", "channel"], start, end, metrics=["counts/n", "distribution/mean"])
    answer = raw(
        f"/api/v1/projects/{DEMO}/timeseries?start={start}&end={end}&columns=income,channel&metrics=counts/n,distribution/mean"
    )
    expected = [
        (series["column"], series["metric"], point["t"], point["v"])
        for series in answer["series"]
        for point in series["points"]
    ]
    got = [
        (r.column, r.metric, int(r.timestamp.value // 1_000_000), None if pd.isna(r.value) else r.value)
        for r in frame.itertuples()
    ]
    assert sorted(got, key=lambda x: (x[0], x[1], x[2])) == sorted(expected, key=lambda x: (x[0], x[1], x[2]))
    assert list(frame.columns) == ["timestamp", "column", "segment", "metric", "value"]
    assert len(frame) == 2 * 2 * 48


def test_metrics_roll_up_by_day(client: Client, facts: Dict[str, Any]) -> None:
    start = facts["driftStart"] - 12 * HOUR  # a UTC midnight: the change starts at noon
    end = start + 2 * DAY
    hourly = client.metrics(DEMO, ["income"], start, end, metrics=["counts/n", "distribution/n", "distribution/mean"])
    daily = client.metrics(
        DEMO, ["income"], start, end, metrics=["counts/n", "distribution/n", "distribution/mean"], granularity="D"
    )
    h = hourly.pivot_table(index="timestamp", columns="metric", values="value")
    d = daily.pivot_table(index="timestamp", columns="metric", values="value")
    assert len(d) == 2
    for day, row in d.iterrows():
        part = h[(h.index >= day) & (h.index < day + pd.Timedelta(days=1))]
        assert row["counts/n"] == part["counts/n"].sum()
        weighted = (part["distribution/mean"] * part["distribution/n"]).sum() / part["distribution/n"].sum()
        assert row["distribution/mean"] == pytest.approx(weighted, rel=1e-12)


def test_metrics_of_a_segment_and_of_names_with_commas(client: Client, facts: Dict[str, Any]) -> None:
    start, end = facts["start"], facts["start"] + DAY
    whole = client.metrics(DEMO, ["age"], start, end, metrics=["counts/n"])
    east = client.metrics(DEMO, ["age"], start, end, segment="region=east", metrics=["counts/n"])
    assert set(east["segment"]) == {"region=east"}
    assert 0 < east["value"].sum() < whole["value"].sum()


def test_drift_equals_the_servers_json_and_finds_the_change(client: Client, raw, facts: Dict[str, Any]) -> None:
    target = (facts["driftStart"], facts["driftStart"] + DAY)
    baseline = (facts["driftStart"] - 7 * DAY, facts["driftStart"])
    frame = client.drift(DEMO, target, baseline)
    answer = raw(
        f"/api/v1/projects/{DEMO}/drift?start={target[0]}&end={target[1]}&baselineStart={baseline[0]}&baselineEnd={baseline[1]}"
    )
    by_column = frame.set_index("column")
    for c in answer["columns"]:
        row = by_column.loc[c["column"]]
        assert row["statistic"] == c["statistic"]
        assert row["bound"] == c["bound"]
        assert row["category"] == c["category"]
        assert row["method"] == c["method"]
    assert set(frame["column"]) == {c["column"] for c in answer["columns"]}
    assert by_column.loc["income", "category"] == "drift"
    assert by_column.loc["channel", "category"] == "drift"
    assert by_column.loc["credit_score", "category"] != "drift"
    assert frame.attrs["dataset_drift"]["drifted"] >= 2
    # Against the reference: the same verdict for the changed columns.
    against_training = client.drift(DEMO, target, "training").set_index("column")
    assert against_training.loc["income", "category"] == "drift"


def test_distribution_overlays_the_change(client: Client, facts: Dict[str, Any]) -> None:
    target = (facts["driftStart"], facts["driftStart"] + DAY)
    baseline = (facts["driftStart"] - 7 * DAY, facts["driftStart"])
    income = client.distribution(DEMO, "income", target, baseline, bins=20)
    assert income.attrs["kind"] == "numeric"
    assert len(income) == 20
    assert income["target"].sum() == pytest.approx(1, abs=1e-9)
    assert income["baseline"].sum() == pytest.approx(1, abs=1e-9)
    centers = (income["left"] + income["right"]) / 2
    assert (centers * income["target"]).sum() > (centers * income["baseline"]).sum()
    channel = client.distribution(DEMO, "channel", target, baseline)
    assert channel.attrs["kind"] == "categorical"
    partner = channel.set_index("value").loc["partner"]
    assert partner["target"] > partner["baseline"]


def _new_project(server_url: str, api_key: str) -> str:
    """A fresh daily project, so a re-run against the same server starts from nothing."""
    request = urllib.request.Request(
        f"{server_url}/api/v1/organizations/default/projects",
        data=json.dumps({"name": "Python round trips", "frequency": "day"}).encode(),
        headers={"x-api-key": api_key, "content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["id"]


def test_profile_round_trip_with_whylogs(client: Client, facts: Dict[str, Any], server_url: str, api_key: str) -> None:
    why = pytest.importorskip("whylogs")
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=500),
            "n": rng.integers(0, 50, size=500),
            "s": rng.choice(["a", "b", "c"], size=500),
        }
    )
    project = _new_project(server_url, api_key)
    timestamp = facts["end"] - 2 * DAY + HOUR
    view = why.log(df).view()
    answer = client.upload(view, project, timestamp=timestamp)
    assert answer["upload"]["datasetTimestamp"] == timestamp
    # The same bytes again: the idempotency key makes it a no-op.
    assert client.upload(view, project, timestamp=timestamp)["duplicate"] is True
    day = timestamp - timestamp % DAY
    downloaded = client.profile(project, day, day + DAY)
    mine = view.to_pandas().sort_index()
    theirs = downloaded.to_pandas().sort_index()
    keys = [
        "counts/n",
        "counts/null",
        "types/integral",
        "types/fractional",
        "types/string",
        "distribution/mean",
        "distribution/stddev",
        "distribution/min",
        "distribution/max",
        "distribution/median",
        "distribution/q_25",
        "distribution/q_75",
        "cardinality/est",
    ]
    for key in keys:
        a = pd.to_numeric(mine[key], errors="coerce")
        b = pd.to_numeric(theirs[key], errors="coerce")
        assert np.allclose(a.values, b.values, rtol=1e-12, equal_nan=True), key
    assert mine.loc["s", "frequent_items/frequent_strings"] is not None
    assert {i.value for i in theirs.loc["s", "frequent_items/frequent_strings"]} == {"a", "b", "c"}


def test_profile_without_whylogs_is_bytes_and_a_summary(client: Client, facts: Dict[str, Any]) -> None:
    start = facts["driftStart"]
    result = client.profile(DEMO, start, start + DAY, as_bytes=True)
    assert isinstance(result, ProfileBytes)
    assert result.data[:4] == b"WHY1"
    assert "income" in result.summary.index
    n = result.summary.loc["income", "counts/n"]
    metrics = client.metrics(DEMO, ["income"], start, start + DAY, metrics=["counts/n"])
    assert n == metrics["value"].sum()


def test_profile_when_whylogs_is_not_installed(client: Client, facts: Dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import whylogs…` raise ImportError, as in an environment without it.
    for name in ("whylogs", "whylogs.core"):
        monkeypatch.setitem(__import__("sys").modules, name, None)
    start = facts["driftStart"]
    result = client.profile(DEMO, start, start + HOUR)
    assert isinstance(result, ProfileBytes)
    assert result.summary.loc["channel", "counts/n"] > 0


def test_anomalies_and_performance(client: Client, raw, facts: Dict[str, Any]) -> None:
    anomalies = client.anomalies(DEMO)
    answer = raw(f"/api/v1/projects/{DEMO}/anomalies")
    assert len(anomalies) == len(answer["anomalies"])
    if len(anomalies):
        assert set(anomalies["id"]) == {a["id"] for a in answer["anomalies"]}
        assert pd.api.types.is_datetime64_any_dtype(anomalies["first_bucket"])
    feed = client.anomalies(organization="default", state="active")
    if len(feed):
        assert set(feed["project_id"]) <= set(client.projects()["id"])
        assert set(feed["state"]) <= {"open", "acknowledged"}

    labels_until = facts["end"] - facts["labelDelayDays"] * DAY
    perf = client.performance(
        DEMO,
        labels_until - 2 * HOUR,
        labels_until + 2 * HOUR,
        baseline=(facts["start"], facts["start"] + 2 * DAY),
    )
    realized = perf[(perf["kind"] == "realized") & (perf["metric"] == "accuracy")]
    estimated = perf[(perf["kind"] == "estimated") & (perf["metric"] == "accuracy")]
    assert sorted(realized["timestamp"].map(lambda t: int(t.value // 1_000_000))) == [
        labels_until - 2 * HOUR,
        labels_until - HOUR,
    ]
    assert len(estimated) == 4
    assert (estimated["lower"] <= estimated["value"]).all() and (estimated["value"] <= estimated["upper"]).all()
    assert realized["value"].between(0, 1).all()


def test_errors_name_what_went_wrong(server_url: str, client: Client) -> None:
    with pytest.raises(AuthenticationError) as auth:
        Client(server_url, "sgNOSUCHK1.not-a-real-secret-at-all", max_retries=0).projects()
    assert auth.value.status == 401
    with pytest.raises(NotFoundError) as missing:
        client.columns("no-such-project")
    assert "no-such-project" in str(missing.value)
    with pytest.raises(BadRequestError):
        client.metrics(DEMO, ["income"], "2024-05-02", "2024-05-01")
    with pytest.raises(ServerError) as unreachable:
        Client("http://127.0.0.1:9", "sgNOSUCHK1.x", max_retries=0).projects()
    assert unreachable.value.code == "network"
    with pytest.raises(TypeError):
        client.upload(object(), DEMO)


def test_needs_a_url_and_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGHTGLASS_URL", raising=False)
    monkeypatch.delenv("SIGHTGLASS_API_KEY", raising=False)
    with pytest.raises(ValueError, match="SIGHTGLASS_URL"):
        Client()
    with pytest.raises(ValueError, match="SIGHTGLASS_API_KEY"):
        Client("http://127.0.0.1:9")


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 (Retry-After: 0) to the first two requests, then a project list."""

    seen: List[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        _Flaky.seen.append(self.path)
        if len(_Flaky.seen) <= 2:
            self.send_response(503)
            self.send_header("retry-after", "0")
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error": {"code": "unavailable", "message": "stopping"}}).encode())
            return
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"projects": []}).encode())

    def log_message(self, *args: Any) -> None:
        pass


def test_retries_transient_errors() -> None:
    _Flaky.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert Client(url, "sgNOSUCHK1.x", max_retries=3).projects().empty
        assert len(_Flaky.seen) == 3
        _Flaky.seen = []
        with pytest.raises(ServerError) as failed:
            Client(url, "sgNOSUCHK1.x", max_retries=1).projects()
        assert failed.value.status == 503 and failed.value.message == "stopping"
    finally:
        server.shutdown()


def test_times_in_every_form() -> None:
    ms = 1_700_000_000_000
    assert to_epoch_ms(ms) == ms
    assert to_epoch_ms(pd.Timestamp(ms, unit="ms")) == ms
    assert to_epoch_ms(pd.Timestamp(ms, unit="ms", tz="UTC").isoformat()) == ms
    assert to_epoch_ms(pd.Timestamp(ms, unit="ms", tz="UTC").to_pydatetime()) == ms
    assert to_epoch_ms("2024-05-01") == 1_714_521_600_000
    assert to_epoch_ms(pd.Timestamp("2024-05-01T02:00:00+02:00")) == 1_714_521_600_000
    assert urllib.parse.quote("a/b", safe="") == "a%2Fb"
