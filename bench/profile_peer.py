"""Python peer of bench/profile.mjs: pip `whylogs` 1.x profiling the same generated dataset.

Usage:
  python bench/profile_peer.py bench <config.json>   the timed cases; prints {"versions", "results"} as JSON
  python bench/profile_peer.py stream <rows> <chunk> [--generate-only]
      peak RSS while profiling <rows> generated rows in chunks (or only generating the chunks)

The dataset of the timed cases is read from the files bench/profile.mjs wrote (raw little-endian arrays,
validity masks, newline-joined strings), so both sides profile the very same values. The streaming case
generates its chunks on the fly with `generate_chunk` (bench/profile_data.py), a numpy transcription of
bench/profile-data.mjs that produces bit-identical values; `bench` mode checks it against the files before
timing anything.

pandas dtypes (what whylogs resolves the column types from): float64 with NaN; nullable "Int64" with <NA>
(whylogs 1.6.4 profiles it as integral, with the `ints` metric, as int64 would be; it also counts <NA> as nan);
strings and booleans as object with None (whylogs: string type); timestamps as datetime64[ns] with NaT (any).

Timing: a warm-up on a slice of the input, then `repetitions` timed runs; median ns per cell / per row.
"""

import os

# whylogs posts anonymous usage statistics from a thread started at import time; opt out before the import
# so that the benchmark never touches the network (and never waits for it).
os.environ["WHYLOGS_NO_ANALYTICS"] = "True"

import datetime  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from importlib.metadata import version  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import whylogs as why  # noqa: E402
from whylogs.core import DatasetProfile, DatasetSchema  # noqa: E402

# The dataset (generator, files, DataFrame) and the timing loop, shared with bench/drift_peer.py.
from profile_data import COLUMNS, check_generator, generate_chunk, load_files, measure, to_frame  # noqa: E402

warnings.filterwarnings("ignore", category=RuntimeWarning)

# ---------------------------------------------------------------------------------------------------------
# Row logging


def to_rows(raw, count):
    """Row dicts of Python values (float, int, str, bool, datetime; None when missing)."""
    columns = []
    for name, (kind, values, valid) in raw.items():
        present = valid[:count].tolist()
        if kind == "timestamp":
            cells = [
                datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
                for ms in np.asarray(values[:count]).tolist()
            ]
        elif kind == "bool":
            cells = np.asarray(values[:count], dtype=bool).tolist()
        elif kind == "string":
            cells = list(values[:count])
        else:
            cells = np.asarray(values[:count]).tolist()
        columns.append((name, [c if p else None for c, p in zip(cells, present)]))
    return [{name: cells[j] for name, cells in columns} for j in range(count)]


# Declared types for row logging: with a dict, whylogs resolves a column from the type of its first value
# (None would make it AnyType), so both sides declare the types pandas would have resolved.
ROW_TYPES = {
    name: {"float": float, "int": int, "string": str, "bool": str, "timestamp": datetime.datetime}[kind]
    for name, kind in COLUMNS
}


# ---------------------------------------------------------------------------------------------------------
# Cases


def summary_check(view):
    """Per column: counts/n, counts/null and (numeric columns) distribution/mean, for the data check."""
    out = {}
    for name, _ in COLUMNS:
        summary = view.get_column(name).to_summary_dict()
        mean = summary.get("distribution/mean")
        out[name] = {
            "n": int(summary["counts/n"]),
            "null": int(summary["counts/null"]),
            "mean": None if mean is None or not np.isfinite(mean) else float(mean),
        }
    return out


def run_bench(config):
    reps = config["repetitions"]
    rows = config["rows"]
    raw = load_files(config["files"], rows)
    check_generator(raw, min(rows, 5000))
    frame = to_frame(raw)
    ncols = len(COLUMNS)
    results = {}
    cases = config["cases"]

    if "columnar" in cases or "size" in cases:
        sys.stderr.write(f"[bench] whylogs why.log(DataFrame) {rows}×{ncols} …\n")
        warm = frame.iloc[: max(1, rows // 20)]
        timing, view = measure(
            lambda: None,
            lambda _: why.log(frame).view(),
            rows * ncols,
            reps,
            lambda: why.log(warm).view(),
        )
        results["columnar"] = timing
        results["check"] = summary_check(view)
        results["size"] = {
            "columns": {
                name: len(view.get_column(name).to_protobuf().SerializeToString()) for name, _ in COLUMNS
            },
            "file": len(view.serialize()),
        }

    if "rows" in cases:
        row_count = config["rowsPython"]
        sys.stderr.write(f"[bench] whylogs DatasetProfile.track(row=…) × {row_count} …\n")
        records = to_rows(raw, row_count)
        schema = DatasetSchema(types=ROW_TYPES)

        def track_rows(profile, subset):
            for record in subset:
                profile.track(row=record)
            return profile.view()

        timing, _ = measure(
            lambda: DatasetProfile(schema=schema),
            lambda profile: track_rows(profile, records),
            row_count,
            reps,
            lambda: track_rows(DatasetProfile(schema=schema), records[: max(1, row_count // 20)]),
        )
        results["rows"] = timing

        log_count = config["rowsWhyLog"]
        sys.stderr.write(f"[bench] whylogs why.log(row=…) × {log_count} …\n")

        def log_rows(subset):
            for record in subset:
                why.log(row=record, schema=schema)

        timing, _ = measure(
            lambda: None,
            lambda _: log_rows(records[:log_count]),
            log_count,
            reps,
            lambda: log_rows(records[: max(1, log_count // 10)]),
        )
        results["rowsWhyLog"] = timing

    return results


def peak_rss_kb():
    """Linux's VmHWM (this process' own high-water mark; ru_maxrss survives fork + exec), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_stream(rows, chunk, generate_only):
    """Profiles `rows` generated rows, `chunk` at a time, into one profile; reports peak RSS."""
    baseline = peak_rss_kb()
    start = time.perf_counter()
    profile = DatasetProfile()
    generated = 0
    for first in range(0, rows, chunk):
        frame = to_frame(generate_chunk(first, min(chunk, rows - first)))
        if generate_only:
            generated += len(frame)
        else:
            profile.track(pandas=frame)
        del frame
    size = generated if generate_only else len(profile.view().serialize())
    seconds = time.perf_counter() - start
    peak = peak_rss_kb()
    return {
        "rows": rows,
        "chunk": chunk,
        "generateOnly": generate_only,
        "seconds": seconds,
        "baselineKb": baseline,
        "maxRssKb": peak,
        "bytes": size,
        "versions": versions(),
    }


def versions():
    return {
        "python": sys.version.split()[0],
        "whylogs": version("whylogs"),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def main():
    mode = sys.argv[1]
    if mode == "bench":
        with open(sys.argv[2], encoding="utf-8") as handle:
            config = json.load(handle)
        json.dump({"versions": versions(), "results": run_bench(config)}, sys.stdout)
    elif mode == "stream":
        generate_only = len(sys.argv) > 4 and sys.argv[4] == "--generate-only"
        json.dump(run_stream(int(sys.argv[2]), int(sys.argv[3]), generate_only), sys.stdout)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
