"""Python peer of bench/profile.mjs: pip `whylogs` 1.x profiling the same generated dataset.

Usage:
  python bench/profile_peer.py bench <config.json>   the timed cases; prints {"versions", "results"} as JSON
  python bench/profile_peer.py stream <rows> <chunk> [--generate-only]
      peak RSS while profiling <rows> generated rows in chunks (or only generating the chunks)

The dataset of the timed cases is read from the files bench/profile.mjs wrote (raw little-endian arrays,
validity masks, newline-joined strings), so both sides profile the very same values. The streaming case
generates its chunks on the fly with `generate_chunk`, a numpy transcription of bench/profile-data.mjs that
produces bit-identical values; `bench` mode checks it against the files before timing anything.

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
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from importlib.metadata import version  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import whylogs as why  # noqa: E402
from whylogs.core import DatasetProfile, DatasetSchema  # noqa: E402

warnings.filterwarnings("ignore", category=RuntimeWarning)

# ---------------------------------------------------------------------------------------------------------
# The generator (bench/profile-data.mjs, transcribed)

M32 = 0xFFFFFFFF
GOLDEN = 0x9E3779B9
NULL_THRESHOLD = 214_748_365
TRUE_THRESHOLD = 1_288_490_189
TS_BASE_MS = 1_704_067_200_000
TWO_53 = float(2**53)

# (name, kind) in column order; the value formulas are in `column_values`.
COLUMNS = (
    [(f"float_{i}", "float") for i in range(8)]
    + [(f"int_{i}", "int") for i in range(5)]
    + [(f"str_low_{i}", "string") for i in range(3)]
    + [(f"str_high_{i}", "string") for i in range(2)]
    + [("bool", "bool"), ("timestamp", "timestamp")]
)


def fmix_scalar(z):
    z &= M32
    z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M32
    z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M32
    return z ^ (z >> 16)


def fmix(z):
    """murmur3's 32-bit finalizer on a uint64 array holding uint32 values."""
    z = ((z ^ (z >> np.uint64(16))) * np.uint64(0x85EBCA6B)) & np.uint64(M32)
    z = ((z ^ (z >> np.uint64(13))) * np.uint64(0xC2B2AE35)) & np.uint64(M32)
    return z ^ (z >> np.uint64(16))


def stream_seed(c, k):
    return fmix_scalar((c + 1) * 0x632BE5AB + k * 0x85157AF5 + 0x2545F491)


def column_values(name, x, u, v, index):
    """The value formulas of bench/profile-data.mjs (x: uniform float64, u/v: uint32 draws as uint64)."""
    if name == "float_0":
        return x * 1000
    if name == "float_1":
        return x
    if name == "float_2":
        return (x - 0.5) * 80
    if name == "float_3":
        return x * x * 1e6
    if name == "float_4":
        return 1 / (x + 0.001)
    if name == "float_5":
        return np.floor(x * 100000) / 100
    if name == "float_6":
        return x * 2 - 1
    if name == "float_7":
        return (u % np.uint64(1000)).astype(np.float64) / 8
    if name == "int_0":
        return (u % np.uint64(100)).astype(np.int64)
    if name == "int_1":
        return (u % np.uint64(1_000_000)).astype(np.int64) - 500_000
    if name == "int_2":
        return u.astype(np.int64) * 2**21 + (v >> np.uint64(11)).astype(np.int64) - 2**52
    if name == "int_3":
        return index.astype(np.int64) + 1_000_000_000
    if name == "int_4":
        return (u % np.uint64(80)).astype(np.int64) + 18
    if name == "str_low_0":
        return [f"color-{k}" for k in (u % np.uint64(20)).tolist()]
    if name == "str_low_1":
        return [f"status-{k}" for k in np.floor(x * x * 20).astype(np.int64).tolist()]
    if name == "str_low_2":
        return [f"category/{k}" for k in (u % np.uint64(16)).tolist()]
    if name == "str_high_0":
        return [f"user-{k}" for k in (u % np.uint64(200_000)).tolist()]
    if name == "str_high_1":
        return [f"sess-{k:06x}" for k in (u % np.uint64(200_003)).tolist()]
    if name == "bool":
        return u < np.uint64(TRUE_THRESHOLD)
    if name == "timestamp":
        return (
            TS_BASE_MS
            + (u % np.uint64(31_536_000)).astype(np.int64) * 1000
            + (v % np.uint64(1000)).astype(np.int64)
        )
    raise KeyError(name)


def generate_chunk(start, count):
    """Rows [start, start + count): {name: (kind, values, valid)}; values at null slots are unspecified."""
    index = np.arange(start, start + count, dtype=np.uint64)
    step = ((index + np.uint64(1)) * np.uint64(GOLDEN)) & np.uint64(M32)
    out = {}
    for c, (name, kind) in enumerate(COLUMNS):
        seeds = [np.uint64(stream_seed(c, k)) for k in range(3)]
        valid = fmix((seeds[2] + step) & np.uint64(M32)) >= np.uint64(NULL_THRESHOLD)
        u = fmix((seeds[0] + step) & np.uint64(M32))
        v = fmix((seeds[1] + step) & np.uint64(M32))
        x = (u.astype(np.float64) * 2097152.0 + (v >> np.uint64(11)).astype(np.float64)) / TWO_53
        out[name] = (kind, column_values(name, x, u, v, index), valid)
    return out


def object_column(values, valid):
    column = np.empty(len(valid), dtype=object)
    column[:] = values
    column[~valid] = None
    return column


def to_frame(raw):
    """The pandas DataFrame a whylogs user would hold (dtypes: see the module docstring)."""
    data = {}
    for name, (kind, values, valid) in raw.items():
        if kind == "float":
            data[name] = np.where(valid, values, np.nan)
        elif kind == "int":
            data[name] = pd.arrays.IntegerArray(np.asarray(values, dtype=np.int64), ~valid)
        elif kind == "string":
            data[name] = object_column(values, valid)
        elif kind == "bool":
            data[name] = object_column(np.asarray(values, dtype=bool).tolist(), valid)
        elif kind == "timestamp":
            stamps = np.asarray(values, dtype=np.int64).astype("datetime64[ms]").astype("datetime64[ns]")
            stamps[~valid] = np.datetime64("NaT")
            data[name] = stamps
    return pd.DataFrame(data)


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
# Input files (written by bench/profile.mjs)


def load_files(files, rows):
    raw = {}
    for name, kind in COLUMNS:
        entry = files[name]
        valid = np.fromfile(entry["valid"], dtype=np.uint8).astype(bool)
        if kind == "float":
            values = np.fromfile(entry["values"], dtype="<f8")
        elif kind in ("int", "timestamp"):
            values = np.fromfile(entry["values"], dtype="<i8")
        elif kind == "bool":
            values = np.fromfile(entry["values"], dtype=np.uint8).astype(bool)
        else:
            with open(entry["values"], encoding="utf-8") as handle:
                values = handle.read().split("\n")
        if len(values) != rows or len(valid) != rows:
            raise ValueError(f"{name}: expected {rows} rows, file has {len(values)}")
        raw[name] = (kind, values, valid)
    return raw


def check_generator(raw, count):
    """The numpy generator must reproduce the files Node wrote (first `count` rows)."""
    mine = generate_chunk(0, count)
    for name, (kind, values, valid) in raw.items():
        _, my_values, my_valid = mine[name]
        if not np.array_equal(valid[:count], my_valid):
            raise AssertionError(f"generator mismatch in the null mask of {name}")
        present = valid[:count]
        theirs = np.asarray(values[:count], dtype=object if kind == "string" else None)[present]
        ours = np.asarray(my_values, dtype=object if kind == "string" else None)[present]
        if not np.array_equal(theirs, ours):
            raise AssertionError(f"generator mismatch in the values of {name}")


# ---------------------------------------------------------------------------------------------------------
# Timing


def measure(prepare, run, ops, repetitions, warmup):
    """`warmup()` once, then `repetitions` × (`prepare()` untimed, `run(state)` timed); ns per op."""
    warmup()
    samples = []
    result = None
    for _ in range(repetitions):
        state = prepare()
        start = time.perf_counter_ns()
        result = run(state)
        samples.append((time.perf_counter_ns() - start) / ops)
    timing = {
        "nsPerOp": statistics.median(samples),
        "minNsPerOp": min(samples),
        "maxNsPerOp": max(samples),
        "ops": ops,
        "repetitions": repetitions,
    }
    return timing, result


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
