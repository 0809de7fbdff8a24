"""Python peer of bench/drift.mjs: Evidently's DataDriftPreset on the raw rows the Sightglass profiles summarize.

Usage: python bench/drift_peer.py <config.json>   prints {"versions", "timings", "columns", …} as JSON

config.json (written by bench/drift.mjs): {"rows", "repetitions", "currentStart", "files": {"reference",
"current"}} where each of "reference" / "current" is the file manifest of `writeRawFiles` (bench/profile-data.mjs):
the reference window is rows [0, rows) of the profile benchmark's dataset, the current window rows
[currentStart, currentStart + rows) generated with its `shifted` formulas. Both are checked against the numpy
generator (bench/profile_data.py) before anything is timed.

The DataFrames are the ones the whylogs peer profiles (`to_frame`: float64 with NaN, nullable Int64, object
strings and booleans with None, datetime64[ns]). Evidently's type inference would drop 6 of the 20 columns from
them: it reads only dtypes whose name starts with a lower-case "int" (not pandas' nullable "Int64") and only
object columns whose first value is a str (not the booleans), so the column roles are declared in a
DataDefinition instead, as the Sightglass side declares its schema: float and int columns numerical, strings and
the boolean categorical, the timestamp the timestamp (DataDriftPreset compares no datetime column). The drift
methods and thresholds are Evidently's own defaults for each column (`DataDriftPreset()` with no options).

Timing (time.perf_counter_ns, median of `repetitions` after one warm-up on the first 2000 rows):
  frames  building the two DataFrames from the loaded arrays (what a pandas user pays before any report)
  report  Dataset.from_pandas for both windows + Report([DataDriftPreset()]).run(current, reference) + the
          snapshot's dict(): everything from DataFrames to per-column results. Loading the files is not timed.
The report runs with include_tests=True: Evidently's per-column verdict ("drift detected") is the status of its
value-drift test, and the dataset verdict that of the drifted-share test; the tests only compare the scores the
metrics computed, so they add next to nothing to the time.
"""

import contextlib
import json
import os
import sys
import warnings
from importlib.metadata import version

# Evidently's usage telemetry (iterative-telemetry) is off when DO_NOT_TRACK is set: a benchmark must not touch
# the network. Set before the import.
os.environ.setdefault("DO_NOT_TRACK", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

# The dataset (generator, files, DataFrame) and the timing loop, shared with bench/profile_peer.py.
from profile_data import COLUMNS, check_generator, in_ms, load_files, measure, to_frame  # noqa: E402

warnings.filterwarnings("ignore")

# The warm-up slice (CPython has no JIT to warm: it loads modules and code paths). Evidently chooses its method
# by sample size, KS / chi-square / z-test up to 1000 reference rows and Wasserstein / Jensen–Shannon above, so
# the slice must be larger than that to take the timed runs' paths. It is kept small on purpose: Evidently's
# categorical drift grows with the square of the number of categories seen in one window only (one pd.concat
# per such category), and a 5 % slice of the ~200k-value string columns alone would take minutes.
WARMUP_ROWS = 2000

VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
DRIFTED_COLUMNS = "evidently:metric_v2:DriftedColumnsCount"


def data_definition():
    return DataDefinition(
        numerical_columns=[name for name, kind in COLUMNS if kind in ("float", "int")],
        categorical_columns=[name for name, kind in COLUMNS if kind in ("string", "bool")],
        timestamp=next(name for name, kind in COLUMNS if kind == "timestamp"),
    )


def head(raw, count):
    """The first `count` rows of loaded columns (for warm-ups)."""
    return {name: (kind, values[:count], valid[:count]) for name, (kind, values, valid) in raw.items()}


def drift_report(reference, current, definition):
    """The timed work: DataFrames in, Evidently's snapshot as a dict out."""
    ref = Dataset.from_pandas(reference, data_definition=definition)
    cur = Dataset.from_pandas(current, data_definition=definition)
    return Report([DataDriftPreset()], include_tests=True).run(cur, ref).dict()


def summarize(snapshot):
    """Per column method / threshold / score / verdict, and the dataset's drifted share, from a snapshot dict."""
    verdicts = {}
    for test in snapshot["tests"]:
        verdicts[test["metric_config"]["metric_id"]] = test["status"]
    columns = {}
    drifted = None
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if config["type"] == VALUE_DRIFT:
            status = verdicts.get(metric["id"])
            columns[config["column"]] = {
                "method": config["method"],
                "threshold": config["threshold"],
                "score": metric["value"],
                # Evidently's value-drift test fails when the column drifted.
                "detected": None if status is None else status == "FAIL",
            }
        elif config["type"] == DRIFTED_COLUMNS:
            status = verdicts.get(metric["id"])
            drifted = {
                "count": int(metric["value"]["count"]),
                "share": metric["value"]["share"],
                "driftShare": config["drift_share"],
                # The "share of drifted columns is less than drift_share" test fails on dataset drift.
                "datasetDrift": None if status is None else status == "FAIL",
            }
    return columns, drifted


def versions():
    return {
        "python": sys.version.split()[0],
        "evidently": version("evidently"),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
    }


def run(config):
    rows = config["rows"]
    reps = config["repetitions"]
    reference_raw = load_files(config["files"]["reference"], rows)
    current_raw = load_files(config["files"]["current"], rows)
    check_generator(reference_raw, min(rows, 5000))
    check_generator(current_raw, min(rows, 5000), start=config["currentStart"], shifted=True)

    warm_rows = min(rows, WARMUP_ROWS)
    definition = data_definition()
    sys.stderr.write(f"[bench] evidently: DataFrames of 2 × {rows} rows …\n")
    frames_timing, (reference, current) = measure(
        lambda: None,
        lambda _: (to_frame(reference_raw), to_frame(current_raw)),
        1,
        reps,
        lambda: (to_frame(head(reference_raw, warm_rows)), to_frame(head(current_raw, warm_rows))),
    )
    del reference_raw, current_raw

    sys.stderr.write(f"[bench] evidently: Report([DataDriftPreset()]) on 2 × {rows} rows …\n")
    report_timing, snapshot = measure(
        lambda: None,
        lambda _: drift_report(reference, current, definition),
        1,
        reps,
        lambda: drift_report(reference.iloc[:warm_rows], current.iloc[:warm_rows], definition),
    )
    columns, drifted = summarize(snapshot)
    # For bench/drift.mjs's data check against its profiles (counts/n - counts/null per column).
    non_null = {
        "reference": {name: int(reference[name].count()) for name, _ in COLUMNS},
        "current": {name: int(current[name].count()) for name, _ in COLUMNS},
    }
    return {
        "versions": versions(),
        "rows": rows,
        "warmupRows": warm_rows,
        "timings": {"frames": in_ms(frames_timing), "report": in_ms(report_timing)},
        "columns": columns,
        "driftedColumns": drifted,
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
