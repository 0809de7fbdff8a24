"""The Sightglass notebook client: production's profiles, metrics, drift, anomalies and model performance as
pandas DataFrames (and whylogs views), read from a Sightglass server over its HTTP API. Raw data never moves:
everything here is computed from profiles."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import urllib.parse
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import pandas as pd

from ._http import Transport

Instant = Union[int, float, str, _dt.datetime, _dt.date, "pd.Timestamp"]
Range = Tuple[Instant, Instant]

DEFAULT_METRICS: Tuple[str, ...] = ("counts/n", "counts/null", "distribution/mean")
MAX_SERIES = 200  # the server's limit of series per time-series request


def to_epoch_ms(value: Instant) -> int:
    """Epoch milliseconds of an int/float (already ms), ISO 8601 string, datetime (naive = UTC), date or Timestamp."""
    if isinstance(value, bool):
        raise TypeError("a time cannot be a bool")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        value = pd.Timestamp(value)
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    timestamp = pd.Timestamp(value)
    if timestamp.tzinfo is None:
        timestamp = timestamp.tz_localize("UTC")
    return int(timestamp.value // 1_000_000)


def _ts(ms: Optional[float]) -> Any:
    return pd.NaT if ms is None else pd.Timestamp(int(ms), unit="ms", tz="UTC")


def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="")


@dataclass(frozen=True)
class ProfileBytes:
    """A merged profile when whylogs is not installed: the whylogs v1 bytes and a per-column summary."""

    data: bytes
    summary: pd.DataFrame

    def write(self, path: str) -> None:
        """Saves the bytes as a .bin file whylogs reads (``why.read(path)``)."""
        with open(path, "wb") as handle:
            handle.write(self.data)


class Client:
    """A Sightglass server.

    Args:
        url: the server's address, e.g. ``http://127.0.0.1:8080`` (default: ``SIGHTGLASS_URL``).
        api_key: an API key with the ``read`` scope (``ingest`` to upload) (default: ``SIGHTGLASS_API_KEY``).
        timeout: seconds per request.
        max_retries: retries of network errors, 429, 502, 503 and 504, with jittered exponential backoff
            (``Retry-After`` honoured).

    Times (``start``, ``end``, ranges) are epoch milliseconds, ISO 8601 strings, datetimes (naive ones are UTC),
    dates or pandas Timestamps; ranges are ``[start, end)``.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        api_key: Optional[str] = None,
        timeout: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        url = url or os.environ.get("SIGHTGLASS_URL")
        if not url:
            raise ValueError("give the server's url, or set SIGHTGLASS_URL (e.g. http://127.0.0.1:8080)")
        api_key = api_key or os.environ.get("SIGHTGLASS_API_KEY")
        if not api_key:
            raise ValueError("give an api_key, or set SIGHTGLASS_API_KEY (create one under API keys in the UI)")
        self._http = Transport(url, api_key, timeout=timeout, max_retries=max_retries)

    @property
    def url(self) -> str:
        return self._http.url

    # ------------------------------------------------------------------------------------------- catalogue

    def projects(self, organization: Optional[str] = None) -> pd.DataFrame:
        """The projects the key can read: id, name, organization, frequency, time zone, created."""
        answer = self._http.json("GET", "/api/v1/projects", {"organization": organization})
        rows = [
            {
                "id": p["id"],
                "name": p["name"],
                "organization": p["organizationId"],
                "dataset_id": p["datasetId"],
                "frequency": p["frequency"],
                "time_zone": p["timeZone"],
                "created_at": _ts(p["createdAt"]),
            }
            for p in answer["projects"]
        ]
        return pd.DataFrame(
            rows, columns=["id", "name", "organization", "dataset_id", "frequency", "time_zone", "created_at"]
        )

    def project(self, project: str) -> Dict[str, Any]:
        """One project's settings as the server describes them."""
        return self._http.json("GET", f"/api/v1/projects/{_q(project)}")

    def columns(self, project: str) -> pd.DataFrame:
        """The project's columns: name, inferred type, first seen."""
        answer = self._http.json("GET", f"/api/v1/projects/{_q(project)}/columns")
        return pd.DataFrame(
            [
                {"name": c["name"], "inferred_type": c.get("inferredType"), "first_seen": _ts(c.get("firstSeen"))}
                for c in answer["columns"]
            ],
            columns=["name", "inferred_type", "first_seen"],
        )

    def segments(self, project: str) -> pd.DataFrame:
        """The project's segments: the key to pass as ``segment=`` (``region=east``), its tags, first seen."""
        answer = self._http.json("GET", f"/api/v1/projects/{_q(project)}/segments")
        return pd.DataFrame(
            [
                {
                    "segment": s["key"],
                    "tags": {t["key"]: t["value"] for t in s.get("tags", [])},
                    "first_seen": _ts(s.get("firstSeen")),
                }
                for s in answer["segments"]
            ],
            columns=["segment", "tags", "first_seen"],
        )

    def references(self, project: str) -> List[str]:
        """Names of the project's reference profiles."""
        answer = self._http.json("GET", f"/api/v1/projects/{_q(project)}/references")
        return sorted({r["name"] for r in answer["references"]})

    # ------------------------------------------------------------------------------------------- metrics

    def metrics(
        self,
        project: str,
        columns: Optional[Iterable[str]] = None,
        start: Optional[Instant] = None,
        end: Optional[Instant] = None,
        segment: Optional[str] = None,
        metrics: Sequence[str] = DEFAULT_METRICS,
        granularity: Optional[str] = None,
    ) -> pd.DataFrame:
        """Per-bucket summary metrics as a tidy DataFrame: timestamp, column, segment, metric, value.

        Args:
            columns: column names (default: every column).
            start, end: the range (both required).
            segment: a segment key such as ``region=east`` (default: the whole dataset).
            metrics: whylogs summary keys (``counts/n``, ``counts/null``, ``distribution/mean``,
                ``distribution/q_95``, ``cardinality/est``, …).
            granularity: ``None`` for the project's buckets, or a pandas frequency (``"D"``, ``"W"``) to roll them
                up: counts (``counts/*``) are summed; ``distribution/mean`` is weighted by ``distribution/n`` when
                that metric is requested too, else averaged; other metrics are averaged over the buckets.
        """
        if start is None or end is None:
            raise ValueError("metrics needs start and end")
        names = list(columns) if columns is not None else list(self.columns(project)["name"])
        wanted = list(dict.fromkeys(metrics))
        per_request = max(1, MAX_SERIES // max(1, len(wanted)))
        rows: List[Dict[str, Any]] = []
        for i in range(0, len(names), per_request):
            answer = self._http.json(
                "GET",
                f"/api/v1/projects/{_q(project)}/timeseries",
                {
                    "start": to_epoch_ms(start),
                    "end": to_epoch_ms(end),
                    "segment": segment,
                    "column": names[i : i + per_request],
                    "metrics": ",".join(wanted),
                },
            )
            for series in answer["series"]:
                for point in series["points"]:
                    rows.append(
                        {
                            "timestamp": _ts(point["t"]),
                            "column": series["column"],
                            "segment": segment or "",
                            "metric": series["metric"],
                            "value": point["v"],
                        }
                    )
        frame = pd.DataFrame(rows, columns=["timestamp", "column", "segment", "metric", "value"])
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        frame = frame.sort_values(["column", "metric", "timestamp"], kind="stable").reset_index(drop=True)
        if granularity is None or frame.empty:
            return frame
        return _roll_up(frame, granularity)

    # ------------------------------------------------------------------------------------------- profiles

    def profile(
        self,
        project: str,
        start: Instant,
        end: Instant,
        segment: Optional[str] = None,
        as_bytes: bool = False,
    ) -> Any:
        """The merged profile of ``[start, end)``: a whylogs ``DatasetProfileView`` when whylogs is installed
        (and ``as_bytes`` is false), else :class:`ProfileBytes` (the whylogs v1 bytes and a summary DataFrame)."""
        query = {"start": to_epoch_ms(start), "end": to_epoch_ms(end), "segment": segment}
        _, _, data = self._http.request(
            "GET", f"/api/v1/projects/{_q(project)}/profile", query, accept="application/octet-stream"
        )
        if not as_bytes:
            try:
                from whylogs.core import DatasetProfileView  # type: ignore[import-not-found]
            except ImportError:
                pass
            else:
                return DatasetProfileView.deserialize(data)
        return ProfileBytes(data=data, summary=self.profile_summary(project, start, end, segment))

    def profile_summary(
        self, project: str, start: Instant, end: Instant, segment: Optional[str] = None
    ) -> pd.DataFrame:
        """whylogs-style summary of the merged profile: one row per column, one column per summary key."""
        answer = self._http.json(
            "GET",
            f"/api/v1/projects/{_q(project)}/profile",
            {"start": to_epoch_ms(start), "end": to_epoch_ms(end), "segment": segment, "format": "summary"},
        )
        columns = answer["columns"]
        if isinstance(columns, dict):
            frame = pd.DataFrame.from_dict(columns, orient="index")
        else:
            frame = pd.DataFrame(columns).set_index("column" if columns and "column" in columns[0] else None)
        frame.index.name = "column"
        return frame

    def upload(
        self,
        profile: Any,
        project: str,
        timestamp: Optional[Instant] = None,
        idempotency_key: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Sends a profile: whylogs ``DatasetProfileView`` / ``DatasetProfile`` / result set, or profile bytes
        (whylogs v1 or v0, Sightglass). ``timestamp`` overrides the profile's own dataset timestamp. The upload is
        idempotent by ``idempotency_key`` (default: a hash of the bytes and timestamp) and answered once merged."""
        data = _profile_bytes(profile)
        query: Dict[str, Any] = {"wait": True}
        if timestamp is not None:
            query["datasetTimestamp"] = to_epoch_ms(timestamp)
        key = idempotency_key or hashlib.sha256(data + str(query.get("datasetTimestamp")).encode()).hexdigest()
        _, _, body = self._http.request(
            "POST",
            f"/api/v1/projects/{_q(project)}/profiles",
            query,
            data,
            "application/octet-stream",
            extra_headers={"idempotency-key": key},
        )
        return json.loads(body.decode("utf-8"))

    # ------------------------------------------------------------------------------------------- analysis

    def drift(
        self,
        project: str,
        target_range: Range,
        baseline: Union[Range, str],
        segment: Optional[str] = None,
        method: str = "auto",
    ) -> pd.DataFrame:
        """Drift of every column of ``target_range`` against ``baseline`` (a range, or a reference profile's
        name): column, kind, method, statistic, bound (the most the statistic can differ from its value on the
        raw data), p_value, adjusted_p_value (Benjamini–Hochberg across columns), category, effect_size, counts.
        ``frame.attrs`` holds ``dataset_drift`` (the summary) and ``quality`` (data-quality findings, a DataFrame)."""
        query: Dict[str, Any] = {
            "start": to_epoch_ms(target_range[0]),
            "end": to_epoch_ms(target_range[1]),
            "segment": segment,
            "method": method,
        }
        query.update(_baseline_query(baseline))
        answer = self._http.json("GET", f"/api/v1/projects/{_q(project)}/drift", query)
        frame = pd.DataFrame(
            [
                {
                    "column": c["column"],
                    "segment": c.get("segment"),
                    "kind": c.get("kind"),
                    "method": c["method"],
                    "statistic": c["statistic"],
                    "bound": c["bound"],
                    "p_value": c.get("pValue"),
                    "adjusted_p_value": c.get("adjustedPValue"),
                    "category": c["category"],
                    "effect_size": c.get("effectSize"),
                    "reference_count": c.get("referenceCount"),
                    "target_count": c.get("targetCount"),
                }
                for c in answer["columns"]
            ],
            columns=[
                "column",
                "segment",
                "kind",
                "method",
                "statistic",
                "bound",
                "p_value",
                "adjusted_p_value",
                "category",
                "effect_size",
                "reference_count",
                "target_count",
            ],
        )
        frame.attrs["dataset_drift"] = answer.get("datasetDrift")
        frame.attrs["quality"] = pd.DataFrame(answer.get("quality", []))
        return frame

    def distribution(
        self,
        project: str,
        column: str,
        target_range: Range,
        baseline: Union[Range, str, None] = None,
        segment: Optional[str] = None,
        bins: int = 30,
    ) -> pd.DataFrame:
        """A column's distribution in ``target_range`` beside its baseline (a range, a reference name, or by
        default the preceding range of equal length), from the sketches: for numbers one row per bin (``left``,
        ``right``, ``target``, ``baseline`` shares), for categories one row per frequent value (``value``,
        ``target``, ``baseline`` shares). ``frame.attrs`` holds ``kind``, ``drift`` and both sides' summaries."""
        query: Dict[str, Any] = {
            "column": column,
            "start": to_epoch_ms(target_range[0]),
            "end": to_epoch_ms(target_range[1]),
            "segment": segment,
            "bins": bins,
        }
        query.update(_baseline_query(baseline))
        answer = self._http.json("GET", f"/api/v1/projects/{_q(project)}/distribution", query)
        histogram = answer.get("histogram")
        if histogram is not None:
            edges = histogram["edges"]
            frame = pd.DataFrame(
                {
                    "left": edges[:-1],
                    "right": edges[1:],
                    "target": histogram["target"],
                    "baseline": histogram["baseline"] if histogram["baseline"] is not None else [None] * (len(edges) - 1),
                }
            )
        else:
            frame = pd.DataFrame(answer.get("topItems") or [], columns=["value", "target", "baseline"])
        frame.attrs["kind"] = answer.get("kind")
        frame.attrs["drift"] = answer.get("drift")
        frame.attrs["target"] = answer.get("target")
        frame.attrs["baseline"] = answer.get("baseline")
        return frame

    def anomalies(
        self,
        project: Optional[str] = None,
        state: Optional[str] = None,
        column: Optional[str] = None,
        monitor: Optional[str] = None,
        organization: Optional[str] = None,
        limit: int = 200,
    ) -> pd.DataFrame:
        """Anomaly incidents, newest first: of one project, or (``organization=``) across an organization's
        projects. ``state``: open, acknowledged, resolved or active (open or acknowledged)."""
        if project is not None:
            answer = self._http.json(
                "GET",
                f"/api/v1/projects/{_q(project)}/anomalies",
                {"state": state, "column": column, "monitor": monitor, "limit": limit},
            )
        elif organization is not None:
            answer = self._http.json(
                "GET",
                f"/api/v1/organizations/{_q(organization)}/anomalies",
                {"state": state, "limit": limit},
            )
            if column is not None:
                answer["anomalies"] = [a for a in answer["anomalies"] if a.get("column") == column]
        else:
            raise ValueError("give a project, or an organization for the feed across its projects")
        rows = []
        for a in answer["anomalies"]:
            row = {_snake(k): v for k, v in a.items()}
            for key in ("first_bucket", "last_bucket", "window_end", "opened_at", "resolved_at", "acknowledged_at"):
                if key in row and (row[key] is None or isinstance(row[key], (int, float))):
                    row[key] = _ts(row[key])
            rows.append(row)
        return pd.DataFrame(rows)

    def performance(
        self,
        project: str,
        start: Instant,
        end: Instant,
        segment: Optional[str] = None,
        baseline: Union[Range, str, None] = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Model performance per bucket as a tidy DataFrame: timestamp, kind (``realized`` where labels arrived,
        ``estimated`` — CBPE, which needs ``baseline``: a labeled range or reference name), metric, value, lower,
        upper, label_coverage."""
        query: Dict[str, Any] = {
            "start": to_epoch_ms(start),
            "end": to_epoch_ms(end),
            "segment": segment,
            "confidence": confidence,
        }
        query.update(_baseline_query(baseline))
        answer = self._http.json("GET", f"/api/v1/projects/{_q(project)}/performance", query)
        rows: List[Dict[str, Any]] = []
        for bucket in answer["buckets"]:
            t = _ts(bucket["start"])
            realized = bucket.get("realized")
            if realized:
                coverage = realized.get("labelCoverage")
                for metric, value in realized.items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool) and metric not in _COUNTS:
                        rows.append(_perf_row(t, "realized", metric, value, None, None, coverage))
            estimated = bucket.get("estimated")
            if estimated:
                coverage = estimated.get("labelCoverage")
                for metric, value in estimated.items():
                    if isinstance(value, dict) and "value" in value:
                        rows.append(
                            _perf_row(t, "estimated", metric, value["value"], value.get("lower"), value.get("upper"), coverage)
                        )
        return pd.DataFrame(
            rows, columns=["timestamp", "kind", "metric", "value", "lower", "upper", "label_coverage"]
        )


def _baseline_query(baseline: Union[Range, str, None]) -> Dict[str, int | str]:
    """The server's baseline parameters: a reference profile's name, or a range (none: the server's default)."""
    if baseline is None:
        return {}
    if isinstance(baseline, str):
        return {"reference": baseline}
    return {"baselineStart": to_epoch_ms(baseline[0]), "baselineEnd": to_epoch_ms(baseline[1])}


_COUNTS = frozenset({"count", "awaitingLabels", "labelCoverage", "rows", "confidence"})


def _perf_row(t: Any, kind: str, metric: str, value: float, lower: Any, upper: Any, coverage: Any) -> Dict[str, Any]:
    return {
        "timestamp": t,
        "kind": kind,
        "metric": _snake(metric),
        "value": value,
        "lower": lower,
        "upper": upper,
        "label_coverage": coverage,
    }


def _snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _roll_up(frame: pd.DataFrame, granularity: str) -> pd.DataFrame:
    wide = frame.pivot_table(
        index=["column", "segment", "timestamp"], columns="metric", values="value", aggfunc="first", dropna=False
    )
    out = []
    for (column, segment), group in wide.groupby(level=[0, 1]):
        g = group.droplevel([0, 1])
        rolled = {}
        for metric in g.columns:
            series = g[metric]
            if metric.startswith("counts/") or metric == "distribution/n":
                rolled[metric] = series.resample(granularity).sum(min_count=1)
            elif metric == "distribution/mean" and "distribution/n" in g.columns:
                weights = g["distribution/n"].where(series.notna())
                rolled[metric] = (series * weights).resample(granularity).sum(min_count=1) / weights.resample(
                    granularity
                ).sum(min_count=1)
            else:
                rolled[metric] = series.resample(granularity).mean()
        part = pd.DataFrame(rolled).reset_index().melt(id_vars="timestamp", var_name="metric", value_name="value")
        part.insert(1, "column", column)
        part.insert(2, "segment", segment)
        out.append(part)
    result = pd.concat(out, ignore_index=True) if out else frame.iloc[0:0]
    return result.sort_values(["column", "metric", "timestamp"], kind="stable").reset_index(drop=True)


def _profile_bytes(profile: Any) -> bytes:
    if isinstance(profile, (bytes, bytearray, memoryview)):
        return bytes(profile)
    if hasattr(profile, "view") and callable(profile.view):  # whylogs DatasetProfile or ResultSet
        profile = profile.view()
    if hasattr(profile, "serialize") and callable(profile.serialize):  # whylogs DatasetProfileView
        return bytes(profile.serialize())
    raise TypeError(
        f"cannot upload a {type(profile).__name__}: give a whylogs profile, view or result set, or profile bytes"
    )


__all__ = ["Client", "ProfileBytes", "to_epoch_ms"]
