"""Python peer of bench/monitors.mjs: Evidently's drift and data-summary checks of every column, on raw rows.

Usage: python bench/monitors_peer.py <config.json>   prints {"versions", "timings", "driftedColumns", …} as JSON

config.json (written by bench/monitors.mjs): {"repetitions", "warmupColumns", "columns": [{"name", "kind"}],
"vocabulary", "baseline": {"rows", "files"}, "current": {"rows", "files"}} where "files" holds "numeric" (the
float and int columns, one after the other, float64 little-endian, NaN = null) and "codes" (the string columns,
int32 codes into "vocabulary", -1 = null). The baseline is the 7 baseline days' rows concatenated, the current
window the target day's: the very values the Sightglass side profiled and stored as daily buckets.

The DataFrames are what a pandas user would hold: float64 with NaN, int64, object strings with None. Column roles
are declared in a DataDefinition (floats and ints numerical, strings categorical), as the Sightglass profiles
infer them.

The report is Evidently's nearest equivalent of the monitors' work on one bucket: DataDriftPreset (the drift of
every column, with Evidently's default method per column, and the share of drifted columns) and
DataSummaryPreset (dataset stats, and per column the row count, missing values, min / max / mean / std /
quartiles or the category counts), with include_tests=True so that each summary value is tested against the
reference's — Evidently's automatic missing-value and column-summary checks.

Timing (time.perf_counter_ns, median of `repetitions` after one warm-up on `warmupColumns` columns spread over the
kinds, with all their rows: Evidently picks its drift method by row count, and every column costs about the same,
so this takes the timed run's code paths in a fraction of its time):
  frames  building the two DataFrames from the loaded arrays (untimed in the report figure)
  report  Dataset.from_pandas for both windows + Report.run(current, reference) + the snapshot's dict()
Loading the files is not timed.
"""

import contextlib
import json
import os
import sys
import warnings
from collections import Counter
from importlib.metadata import version

# Evidently's usage telemetry is off when DO_NOT_TRACK is set: a benchmark must not touch the network.
os.environ.setdefault("DO_NOT_TRACK", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset, DataSummaryPreset  # noqa: E402

from profile_data import in_ms, measure  # noqa: E402

warnings.filterwarnings("ignore")

VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
DRIFTED_COLUMNS = "evidently:metric_v2:DriftedColumnsCount"


def load(window, columns):
    """The raw arrays of a window: (numeric matrix [numeric columns × rows], codes matrix [strings × rows])."""
    rows = window["rows"]
    numeric = sum(1 for c in columns if c["kind"] != "string")
    strings = len(columns) - numeric
    values = np.fromfile(window["files"]["numeric"], dtype="<f8").reshape(numeric, rows)
    codes = np.fromfile(window["files"]["codes"], dtype="<i4").reshape(strings, rows)
    return values, codes


def to_frame(raw, columns, labels):
    values, codes = raw
    data = {}
    n = 0
    s = 0
    for column in columns:
        if column["kind"] == "string":
            # -1 picks the trailing None.
            data[column["name"]] = labels[codes[s]]
            s += 1
        else:
            data[column["name"]] = values[n].astype(np.int64) if column["kind"] == "int" else values[n]
            n += 1
    return pd.DataFrame(data)


def data_definition(columns):
    return DataDefinition(
        numerical_columns=[c["name"] for c in columns if c["kind"] != "string"],
        categorical_columns=[c["name"] for c in columns if c["kind"] == "string"],
    )


def report(reference, current, definition):
    """The timed work: DataFrames in, Evidently's snapshot as a dict out."""
    ref = Dataset.from_pandas(reference, data_definition=definition)
    cur = Dataset.from_pandas(current, data_definition=definition)
    return Report([DataDriftPreset(), DataSummaryPreset()], include_tests=True).run(cur, ref).dict()


def summarize(snapshot):
    """The drifted columns and the tests' outcomes of a snapshot dict."""
    tests = Counter(test["status"] for test in snapshot["tests"])
    verdicts = {test["metric_config"]["metric_id"]: test["status"] for test in snapshot["tests"]}
    drifted = None
    value_drift = 0
    names = []
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if config["type"] == VALUE_DRIFT:
            value_drift += 1
            # Evidently's value-drift test fails when the column drifted.
            if verdicts.get(metric["id"]) == "FAIL":
                names.append(config["column"])
        elif config["type"] == DRIFTED_COLUMNS:
            drifted = {"count": int(metric["value"]["count"]), "share": metric["value"]["share"]}
    if drifted is not None:
        drifted["columns"] = names
    return {
        "driftedColumns": drifted,
        "valueDriftMetrics": value_drift,
        "metrics": len(snapshot["metrics"]),
        "tests": {"total": sum(tests.values()), **tests},
    }


def versions():
    return {
        "python": sys.version.split()[0],
        "evidently": version("evidently"),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def run(config):
    reps = config["repetitions"]
    columns = config["columns"]
    labels = np.array([*config["vocabulary"], None], dtype=object)
    baseline_raw = load(config["baseline"], columns)
    current_raw = load(config["current"], columns)
    definition = data_definition(columns)
    stride = max(1, len(columns) // config["warmupColumns"])
    warm_columns = columns[::stride]
    warm_names = [c["name"] for c in warm_columns]
    warm_definition = data_definition(warm_columns)

    sys.stderr.write(
        f"[bench] evidently: DataFrames of {config['baseline']['rows']} + {config['current']['rows']} rows × "
        f"{len(columns)} columns …\n"
    )
    frames_timing, (reference, current) = measure(
        lambda: None,
        lambda _: (to_frame(baseline_raw, columns, labels), to_frame(current_raw, columns, labels)),
        1,
        reps,
        lambda: None,
    )

    sys.stderr.write("[bench] evidently: Report([DataDriftPreset(), DataSummaryPreset()]) …\n")
    report_timing, snapshot = measure(
        lambda: None,
        lambda _: report(reference, current, definition),
        1,
        reps,
        lambda: report(reference[warm_names], current[warm_names], warm_definition),
    )
    # For bench/monitors.mjs's data check against the stored bucket summaries.
    non_null = {
        "baseline": {c["name"]: int(reference[c["name"]].count()) for c in columns},
        "current": {c["name"]: int(current[c["name"]].count()) for c in columns},
    }
    return {
        "versions": versions(),
        "timings": {"frames": in_ms(frames_timing), "report": in_ms(report_timing)},
        **summarize(snapshot),
        "nonNull": non_null,
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    # stdout carries the JSON result only: whatever Evidently or its dependencies print goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(config)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
