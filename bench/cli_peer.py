"""Python peer of bench/cli.mjs: what a pandas user runs in place of the `sightglass` command, on the same files.

Usage:
  python bench/cli_peer.py profile <data.csv> <out.bin>
      pandas.read_csv(data.csv) + why.log(df).view() + the serialized profile written to out.bin (whylogs,
      from the oracle venv .cache/python)
  python bench/cli_peer.py drift <reference.csv> <target.csv>
      pandas.read_csv of both files + Report([DataDriftPreset()]).run(reference_data=…, current_data=…) and
      the snapshot's dict() (evidently, from the benchmark venv .cache/python-bench)

Both print one JSON object on stdout (everything a library prints goes to stderr).

Timing (time.perf_counter_ns, one run each: the files are large and a run takes minutes):
  imports  from the first line of this script to the end of the imports (pandas, whylogs / evidently); the
           interpreter's own start-up is before it and not included. bench/cli.mjs times the whole process as
           well, so start-up + imports are visible on their own.
  timed    the user's work: profile = read_csv + why.log(df).view() + serialize() + writing the file;
           drift = read_csv × 2 + Report.run + snapshot.dict().
The input files were written just before by bench/cli.mjs, so both sides read them from the page cache.

Everything is left at its defaults, as a user would run it: read_csv with no options (dtypes inferred: an int
column with missing values becomes float64, True/False with missing values and text become object), why.log
with the default whylogs metrics, DataDriftPreset() with Evidently's own column-type inference and its default
methods and thresholds.
"""

import os
import time

START_NS = time.perf_counter_ns()

# whylogs posts anonymous usage statistics, Evidently telemetry (iterative-telemetry): both off before the
# imports, so that the benchmark never touches the network.
os.environ["WHYLOGS_NO_ANALYTICS"] = "True"
os.environ.setdefault("DO_NOT_TRACK", "1")

import contextlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from importlib.metadata import version  # noqa: E402

warnings.filterwarnings("ignore")


def peak_rss_bytes():
    """Linux's VmHWM: this process' own peak resident set (not getrusage, which survives fork + exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def ms_since(start_ns):
    return (time.perf_counter_ns() - start_ns) / 1e6


def profile(csv_path, out_path):
    import numpy as np
    import pandas as pd
    import whylogs as why

    imports_ms = ms_since(START_NS)

    start = time.perf_counter_ns()
    frame = pd.read_csv(csv_path)
    read_ms = ms_since(start)
    start_log = time.perf_counter_ns()
    view = why.log(frame).view()
    log_ms = ms_since(start_log)
    start_write = time.perf_counter_ns()
    data = view.serialize()
    with open(out_path, "wb") as handle:
        handle.write(data)
    write_ms = ms_since(start_write)
    total_ms = ms_since(start)

    # For the harness' data check against `sightglass show --json` (untimed).
    check = {}
    for name in frame.columns:
        summary = view.get_column(name).to_summary_dict()
        mean = summary.get("distribution/mean")
        check[name] = {
            "n": int(summary["counts/n"]),
            "null": int(summary["counts/null"]),
            "mean": None if mean is None or not np.isfinite(mean) else float(mean),
            "types": {k[len("types/") :]: int(v) for k, v in summary.items() if k.startswith("types/") and v},
        }
    return {
        "versions": {
            "python": sys.version.split()[0],
            "whylogs": version("whylogs"),
            "pandas": pd.__version__,
            "numpy": np.__version__,
        },
        "rows": len(frame),
        "dtypes": {name: str(dtype) for name, dtype in frame.dtypes.items()},
        "outputBytes": len(data),
        "timings": {
            "importsMs": imports_ms,
            "readCsvMs": read_ms,
            "profileMs": log_ms,
            "writeMs": write_ms,
            "totalMs": total_ms,
        },
        "peakRssBytes": peak_rss_bytes(),
        "check": check,
    }


VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
DRIFTED_COLUMNS = "evidently:metric_v2:DriftedColumnsCount"


def drift(reference_path, target_path):
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    imports_ms = ms_since(START_NS)

    start = time.perf_counter_ns()
    reference = pd.read_csv(reference_path)
    current = pd.read_csv(target_path)
    read_ms = ms_since(start)
    start_report = time.perf_counter_ns()
    snapshot = Report([DataDriftPreset()]).run(reference_data=reference, current_data=current).dict()
    report_ms = ms_since(start_report)
    total_ms = ms_since(start)

    # Per column: Evidently's method, threshold and score. Without tests in the report the verdict is the
    # metric's own rule: a p-value below the threshold, or a distance at or above it, is drift.
    columns = {}
    drifted = None
    for metric in snapshot["metrics"]:
        config = metric["config"]
        if config["type"] == VALUE_DRIFT:
            method = config["method"]
            score = float(metric["value"])
            threshold = float(config["threshold"])
            columns[config["column"]] = {
                "method": method,
                "threshold": threshold,
                "score": score,
                "detected": bool(score < threshold if "p_value" in method else score >= threshold),
            }
        elif config["type"] == DRIFTED_COLUMNS:
            drifted = {
                "count": int(metric["value"]["count"]),
                "share": metric["value"]["share"],
                "driftShare": config["drift_share"],
            }
    return {
        "versions": {
            "python": sys.version.split()[0],
            "evidently": version("evidently"),
            "pandas": pd.__version__,
            "numpy": version("numpy"),
            "scipy": version("scipy"),
            "scikit-learn": version("scikit-learn"),
        },
        "rows": {"reference": len(reference), "current": len(current)},
        "frameColumns": list(reference.columns),
        "timings": {
            "importsMs": imports_ms,
            "readCsvMs": read_ms,
            "reportMs": report_ms,
            "totalMs": total_ms,
        },
        "peakRssBytes": peak_rss_bytes(),
        "columns": columns,
        "driftedColumns": drifted,
    }


def main():
    mode = sys.argv[1]
    # stdout carries the JSON result only: whatever the libraries print goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        if mode == "profile":
            result = profile(sys.argv[2], sys.argv[3])
        elif mode == "drift":
            result = drift(sys.argv[2], sys.argv[3])
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
