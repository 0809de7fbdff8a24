"""whylogs (pip `whylogs`, the Python reference implementation) as an oracle for @sightglass/profile.

Same protocol as oracle.py: one JSON document {"commands": [...]} on stdin, {"results": [...]} on stdout,
one result per command in order; a failing command yields {"error", "trace"} instead of aborting the batch.
A separate script because importing whylogs + pandas costs about a second, which the sketch tests should
not pay.

Frames ("frame" argument of the commands):
- {"kind": "csv", "path": "..."}: pandas.read_csv with float_precision="round_trip", i.e. Python's
  correctly rounded float(), so JS Number() parses every cell to the same double.
- {"kind": "mixed", "rows": n, "seed": s}: the generated mixed-type frame (mixed_frame below).
- optional "slice": [start, stop] takes those rows (iloc) after building the frame.

JSON encoding (both the exported frames and the summaries): values JSON cannot carry are tagged objects,
{"$float": "NaN" | "Infinity" | "-Infinity"} and {"$int": "<decimal>"} for integers beyond 2**53; -0.0
travels as the JSON number -0.0. Datetimes are exported as epoch milliseconds (null for NaT).

Summaries: per column, whylogs' own ColumnProfileView.to_summary_dict(), i.e. exactly the row that
DatasetProfileView.to_pandas() shows for that column, without the NaN padding pandas adds for keys that only
other columns have (and without to_pandas' float conversion of the int64 `ints/*` sentinels). Frequent items
become [{value, est, upper, lower}].
"""

import os

# whylogs posts anonymous usage statistics from a thread started at import time (and joins it at exit);
# opt out before the import so that the oracle never touches the network and never waits for it.
os.environ["WHYLOGS_NO_ANALYTICS"] = "True"

import base64  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import whylogs as why  # noqa: E402
from whylogs.core.configs import SummaryConfig  # noqa: E402
from whylogs.core.metrics.metrics import FrequentItem  # noqa: E402

from oracle_protocol import encode_float, encode_int, serve  # noqa: E402

# whylogs computes numpy mean/var of batches that contain ±inf; the resulting NaN is the expected value.
warnings.filterwarnings("ignore", category=RuntimeWarning)

FI_MAX_ITEM_SIZE = 128  # MetricConfig.max_frequent_item_size: FI strings are truncated to 128 code points


# ---------------------------------------------------------------------------------------------------------
# JSON encoding


def encode(value):
    """Makes a summary value JSON-safe without losing anything (see the module docstring)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return encode_int(value)
    if isinstance(value, (float, np.floating)):
        return encode_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, FrequentItem):
        return {"value": value.value, "est": encode(value.est), "upper": encode(value.upper), "lower": encode(value.lower)}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__}: {value!r}")


# ---------------------------------------------------------------------------------------------------------
# Frames

# Strings for the mixed frame: unicode the UTF-8 / code-point handling must get right. Long ones exceed the
# 128-code-point frequent-items truncation; the two "prefix" strings share their first 128 code points, so
# frequent items (truncated) counts them as one item while HLL (whole UTF-8 bytes) sees two.
LONG_PREFIX = "p" * 127 + "\U0001f680"  # 128 code points, the last one astral
UNICODE_STRINGS = [
    "",
    "a",
    "A",
    " ",
    "\u00e9",  # é precomposed
    "e\u0301",  # e + combining acute: distinct from the above (no normalization anywhere)
    "\U0001f680",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # ZWJ family emoji, 5 code points
    "\U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522",  # math fraktur, astral
    "\u65e5\u672c\u8a9e\u30c6\u30ad\u30b9\u30c8",
    "\u041f\u0440\u0438\u0432\u0435\u0442",
    "a\u0000b",
    "tab\tnew\nline",
    "1",  # the frequent-items text of int 1 and of bool True ("True") collide with these strings
    "True",
    "2.500000",
    "x" * 127 + "\U0001f680\U0001f680",  # 129 code points: truncation must not split the surrogate pair
    "\U0001f680" * 200,
    "e\u0301" * 100,  # 200 code points; truncation separates a combining mark from its base
    LONG_PREFIX + "-first",
    LONG_PREFIX + "-second",
] + [f"word-{i:03d}" for i in range(130)]

OBJECT_SPECIAL_FLOATS = [
    0.0078125,  # "%f" is a tie at 6 decimals: C rounds half-to-even to "0.007812" (JS toFixed gives ...813)
    0.5078125,
    1.234e-7,  # "%f" → "0.000000"
    -1.234e-7,  # "%f" → "-0.000000"
    123456789.125,
    float("inf"),
    float("-inf"),
    float("nan"),
]


def mixed_frame(rows, seed):
    """The generated mixed-type frame. Deterministic for (rows, seed) on any platform (numpy PCG64)."""
    rng = np.random.default_rng(seed)

    # float64 with NaN, ±inf, ±0, subnormals and repeated values.
    floats = rng.normal(40.0, 25.0, rows)
    pick = rng.random(rows)
    specials = np.array([0.0, -0.0, 1.5, 5e-324, -1e-300, 0.1])
    floats = np.where(pick < 0.10, specials[rng.integers(0, len(specials), rows)], floats)
    floats[pick > 0.97] = np.nan
    floats[(pick > 0.962) & (pick <= 0.966)] = np.inf
    floats[(pick > 0.958) & (pick <= 0.962)] = -np.inf

    # float64 with NaN but no infinities: its mean shows that NaN never reaches mean/m2 (pandas path).
    ratios = rng.random(rows)
    ratios[rng.random(rows) < 0.1] = np.nan

    # int64: many repeats near zero, a wide uniform band and values up to ±(2**53 - 1) (exact in JS).
    band = rng.random(rows)
    ints = np.where(
        band < 0.6,
        rng.integers(-50, 51, rows),
        np.where(band < 0.9, rng.integers(-(2**31), 2**31, rows), rng.integers(-(2**50), 2**50, rows)),
    ).astype(np.int64)
    ints[0] = 2**53 - 1
    ints[1] = -(2**53 - 1)

    # Nullable Int64 (pandas extension dtype), mostly <NA>: about 800 values, fewer than KLL k = 1024, so
    # the distribution sketch is exact and both sides must report identical quantiles.
    nullable = pd.array(rng.integers(0, 301, rows), dtype="Int64")
    nullable[rng.random(rows) < 0.93] = pd.NA

    bools = rng.random(rows) < 0.3

    # Strings (object dtype) from a Zipf-like vocabulary, plus None. Fewer distinct values than the
    # frequent-items capacity (768), so that sketch stays exact.
    weights = 1.0 / np.arange(1, len(UNICODE_STRINGS) + 1) ** 1.1
    strings = rng.choice(np.array(UNICODE_STRINGS, dtype=object), rows, p=weights / weights.sum())
    strings[rng.random(rows) < 0.05] = None

    # Heavy-tailed tokens: thousands of distinct values, so frequent items purge and reports bounds.
    tokens = np.array([f"t{z}" for z in np.minimum(rng.zipf(1.3, rows), 10**9)], dtype=object)

    # object: Python ints, non-whole floats, strings, bools and None (pandas keeps each value's type).
    kinds = rng.integers(0, 6, rows)
    small_ints = rng.integers(-20, 21, rows)
    fracs = np.round(rng.normal(0.0, 100.0, rows), 3)
    objects = []
    for i in range(rows):
        kind = kinds[i]
        if kind == 0:
            objects.append(int(small_ints[i]) if i % 50 else int(rng.integers(-(2**40), 2**40)))
        elif kind == 1:
            x = float(fracs[i])
            # Whole floats would be integers in JavaScript: shift them off the integers.
            objects.append(x + 0.5 if x == math.floor(x) else x)
        elif kind == 2:
            objects.append(OBJECT_SPECIAL_FLOATS[i % len(OBJECT_SPECIAL_FLOATS)])
        elif kind == 3:
            objects.append(UNICODE_STRINGS[i % 40])
        elif kind == 4:
            objects.append(bool(i % 3 == 0))
        else:
            objects.append(None)

    # datetime64[ns] at millisecond resolution (exact as a JS Date), with NaT.
    ms = rng.integers(1_577_836_800_000, 1_735_689_600_000, rows)
    dates = pd.to_datetime(ms, unit="ms")
    dates = dates.where(rng.random(rows) >= 0.05)

    return pd.DataFrame(
        {
            "float": floats,
            "float_nan": ratios,
            "all_nan": np.full(rows, np.nan),
            "int": ints,
            "nullable_int": nullable,
            "bool": bools,
            "string": pd.Series(strings, dtype=object),
            "token": pd.Series(tokens, dtype=object),
            "object": pd.Series(objects, dtype=object),
            "datetime": dates,
        }
    )


_FRAMES = {}


def load_frame(spec):
    key = json.dumps({k: v for k, v in spec.items() if k != "slice"}, sort_keys=True)
    if key not in _FRAMES:
        if spec["kind"] == "csv":
            _FRAMES[key] = pd.read_csv(spec["path"], float_precision="round_trip")
        elif spec["kind"] == "mixed":
            _FRAMES[key] = mixed_frame(spec["rows"], spec["seed"])
        else:
            raise ValueError(f"unknown frame kind {spec['kind']}")
    frame = _FRAMES[key]
    if "slice" in spec:
        start, stop = spec["slice"]
        frame = frame.iloc[start:stop]
    return frame


def export_value(value, dtype):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if dtype.startswith("datetime64"):
        return int(pd.Timestamp(value).value // 1_000_000)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return encode_int(value)
    if isinstance(value, (float, np.floating)):
        return encode_float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"cannot export {type(value).__name__}")


# ---------------------------------------------------------------------------------------------------------
# Ground truth: what whylogs' pandas path feeds to each sketch, computed from the raw frame (whylogs
# preprocessing._pandas_split and metrics.py columnar_update, restated here independently of whylogs).


def feed_items(series):
    """(numbers for KLL, HLL keys, frequent-items strings) of one column."""
    numbers, hll, fi = [], set(), Counter()
    dtype = series.dtype
    values = series[series.notnull()]
    if pd.api.types.is_bool_dtype(dtype):
        for v in values:
            numbers.append(1.0 if v else 0.0)
            hll.add(("int", int(bool(v))))
            fi["True" if v else "False"] += 1
    elif pd.api.types.is_float_dtype(dtype):
        for v in values.astype(float):
            numbers.append(v)
            hll.add(("double", v + 0.0))  # -0.0 and 0.0 hash alike
            fi["%f" % v] += 1
    elif pd.api.types.is_integer_dtype(dtype):
        for v in values.astype("int64"):
            numbers.append(float(v))
            hll.add(("int", int(v)))
            fi[str(int(v))] += 1
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        pass  # AnyType columns only have counts and types
    else:
        for v in values:
            if isinstance(v, (bool, np.bool_)):
                numbers.append(1.0 if v else 0.0)
                hll.add(("int", int(bool(v))))
                fi["True" if v else "False"] += 1
            elif isinstance(v, (int, np.integer)):
                numbers.append(float(v))
                hll.add(("int", int(v)))
                fi[str(int(v))] += 1
            elif isinstance(v, (float, np.floating)):
                numbers.append(float(v))
                hll.add(("double", float(v) + 0.0))
                fi["%f" % v] += 1  # C printf("%f") semantics, like std::to_string(double)
            elif isinstance(v, str):
                if v != "":  # HLL ignores empty strings; frequent items counts them
                    hll.add(("string", v))
                fi[v[:FI_MAX_ITEM_SIZE]] += 1  # Python slicing: code points
    return numbers, hll, fi


def column_truth(series):
    numbers, hll, fi = feed_items(series)
    ordered = np.sort(np.asarray(numbers, dtype="<f8"))
    return {
        "dtype": str(series.dtype),
        "numbers": base64.b64encode(ordered.tobytes()).decode("ascii"),
        "distinct": len(hll),
        "frequent": sorted(([item, count] for item, count in fi.items()), key=lambda e: (-e[1], e[0])),
    }


def export_frame(cmd):
    frame = load_frame(cmd["frame"])
    columns = []
    for name in frame.columns:
        dtype = str(frame[name].dtype)
        columns.append({"name": name, "dtype": dtype, "values": [export_value(v, dtype) for v in frame[name]]})
    with open(cmd["path"], "w", encoding="utf-8") as out:
        json.dump({"rows": len(frame), "columns": columns}, out, allow_nan=False)
    result = {"rows": len(frame), "dtypes": {c["name"]: c["dtype"] for c in columns}}
    if cmd.get("truth", True):
        result["truth"] = {name: column_truth(frame[name]) for name in frame.columns}
    return result


# ---------------------------------------------------------------------------------------------------------
# Profiles


def summarize(view):
    """Per column to_summary_dict() (default SummaryConfig) plus the 3-sigma HLL bounds."""
    summary, bounds3 = {}, {}
    three = SummaryConfig(hll_stddev=3)
    for name, column in sorted(view.get_columns().items()):
        summary[name] = encode(column.to_summary_dict())
        if column.get_metric("cardinality") is not None:
            wide = column.to_summary_dict(column_metric="cardinality", cfg=three)
            bounds3[name] = encode({k: wide[k] for k in ("cardinality/lower_3", "cardinality/upper_3")})
    return {"summary": summary, "bounds3": bounds3}


def write_view(view, path):
    with open(path, "wb") as out:
        out.write(view.serialize())


def read_view(path):
    return why.read(path).view()


def profile_frame(cmd):
    view = why.log(load_frame(cmd["frame"])).view()
    if "path" in cmd:
        write_view(view, cmd["path"])
        # Summarize what was written, so that both sides describe the very same file.
        view = read_view(cmd["path"])
    return summarize(view)


def split_profile(cmd):
    frame = load_frame(cmd["frame"])
    at = cmd.get("at", len(frame) // 2)
    results = []
    for part, path in zip((frame.iloc[:at], frame.iloc[at:]), cmd["paths"]):
        write_view(why.log(part).view(), path)
        results.append(summarize(read_view(path)))
    return {"at": at, "halves": results}


def read_summary(cmd):
    return summarize(read_view(cmd["path"]))


def merge(cmd):
    views = [read_view(path) for path in cmd["paths"]]
    merged = views[0]
    for view in views[1:]:
        merged = merged.merge(view)
    if "path" in cmd:
        write_view(merged, cmd["path"])
        merged = read_view(cmd["path"])
    return summarize(merged)


def profile_segmented(cmd):
    """Profiles a frame segmented on cmd["columns"] (one partition), writing one whylogs file per segment."""
    from whylogs.core.schema import DatasetSchema
    from whylogs.core.segmentation_partition import ColumnMapperFunction, SegmentationPartition

    columns = cmd["columns"]
    name = columns[0] if len(columns) == 1 else ",".join(columns)
    partition = SegmentationPartition(name=name, mapper=ColumnMapperFunction(col_names=columns))
    results = why.log(load_frame(cmd["frame"]), schema=DatasetSchema(segments={name: partition}))
    segments = []
    for i, view in enumerate(results.get_writables()):
        path = os.path.join(cmd["dir"], f"py-segment-{i}.bin")
        view.write(path)
        segments.append({"path": path, **describe_file(path)})
    return {"partitionId": partition.id, "segments": segments}


def describe_file(path):
    """What whylogs reads from a file: metadata (tags and metadata merged), dataset timestamp, summary."""
    view = read_view(path)
    return {
        "metadata": {k: str(v) for k, v in (view.metadata or {}).items()},
        "datasetTimestamp": int(view.dataset_timestamp.timestamp() * 1000),
        **summarize(view),
    }


def read_file(cmd):
    return describe_file(cmd["path"])


def versions(_cmd):
    from importlib.metadata import version

    return {
        "python": sys.version.split()[0],
        "whylogs": version("whylogs"),
        "whylogs-sketching": version("whylogs-sketching"),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "protobuf": version("protobuf"),
    }


def drift_scores(cmd):
    """whylogs' own drift scores (`calculate_drift_scores`) between two profile files, with one algorithm
    ("hellinger" or "ks") for every listed column: {column: {"statistic", "pvalue", "category"}}."""
    from whylogs.viz.drift.column_drift_algorithms import KS, Hellinger, calculate_drift_scores

    algorithm = {"hellinger": Hellinger, "ks": KS}[cmd["algorithm"]]
    scores = calculate_drift_scores(
        target_view=read_view(cmd["target"]),
        reference_view=read_view(cmd["reference"]),
        drift_map={column: algorithm() for column in cmd["columns"]},
        with_thresholds=True,
    )
    return {
        "scores": {
            column: None
            if score is None
            else {
                "statistic": float(score["statistic"]),
                "pvalue": None if score.get("pvalue") is None else float(score["pvalue"]),
                "category": score["drift_category"],
            }
            for column, score in scores.items()
        }
    }


COMMANDS = {
    "versions": versions,
    "drift_scores": drift_scores,
    "export_frame": export_frame,
    "profile_frame": profile_frame,
    "split_profile": split_profile,
    "read_summary": read_summary,
    "merge": merge,
    "profile_segmented": profile_segmented,
    "read_file": read_file,
}


if __name__ == "__main__":
    serve(COMMANDS)
