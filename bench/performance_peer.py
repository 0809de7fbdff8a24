"""Python peer of bench/performance.mjs: NannyML's CBPE (label-free performance estimation) on the rows the
Sightglass profiles summarize.

Usage: python bench/performance_peer.py <config.json>   prints {"versions", "housing", "synthetic"} as JSON

config.json (written by bench/performance.mjs), either part may be null:
  "housing":   {"dir", "repetitions"}: the California housing CSVs (reference.csv with labels, analysis.csv
               without, analysis_gt.csv the analysis labels, joined by id)
  "synthetic": {"repetitions", "warmupStride", "reference": files, "analysis": files}: raw little-endian arrays
               written by the harness, files = {"rows", "score" (float64), "prediction" (uint8), "label" (uint8),
               "month" (uint8)}; the analysis labels are only read for the realized metrics

Both run the same estimator: CBPE(y_pred_proba, y_pred, y_true="clf_target", timestamp_column_name="timestamp",
metrics=["roc_auc", "accuracy"], chunk_period="M", problem_type="classification_binary"), fit on the reference,
estimate on the analysis rows, .filter(period="analysis").to_df(). Timed (time.perf_counter_ns, median of
`repetitions` after a warm-up): a new estimator's fit + estimate + to_df, DataFrames in, per-month results out.
Reading the CSVs is not timed; building the synthetic DataFrames from the loaded arrays is timed separately. The
realized metrics (scikit-learn on the labeled analysis rows) are computed once, outside the timed region.
"""

import contextlib
import json
import os
import sys
import warnings
from importlib.metadata import version

# NannyML posts usage telemetry (segment.io) unless this is set: a benchmark must not touch the network.
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")

import nannyml as nml  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402

# The timing loop and its millisecond form, shared with the other peers.
from profile_data import in_ms, measure  # noqa: E402

warnings.filterwarnings("ignore")

METRICS = ("roc_auc", "accuracy")


def cbpe(reference, analysis):
    """The timed work: a fitted CBPE's monthly estimates of the analysis rows, as a DataFrame."""
    estimator = nml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="clf_target",
        timestamp_column_name="timestamp",
        metrics=list(METRICS),
        chunk_period="M",
        problem_type="classification_binary",
    )
    estimator.fit(reference)
    return estimator.estimate(analysis).filter(period="analysis").to_df()


def chunks_of(result, labeled):
    """Per chunk: key, rows, NannyML's estimate (value, sampling error, confidence band) and the realized
    metrics of the same month from scikit-learn on `labeled` (analysis rows with their labels, column "month")."""
    months = dict(tuple(labeled.groupby("month")))
    out = []
    for _, row in result.iterrows():
        key = str(row[("chunk", "key")])
        rows = months[key]
        out.append({
            "key": key,
            "rows": int(row[("chunk", "end_index")] - row[("chunk", "start_index")] + 1),
            "estimated": {
                metric: {
                    "value": float(row[(metric, "value")]),
                    "samplingError": float(row[(metric, "sampling_error")]),
                    "lower": float(row[(metric, "lower_confidence_boundary")]),
                    "upper": float(row[(metric, "upper_confidence_boundary")]),
                }
                for metric in METRICS
            },
            "realized": {
                "roc_auc": float(roc_auc_score(rows["clf_target"], rows["y_pred_proba"])),
                "accuracy": float(accuracy_score(rows["clf_target"], rows["y_pred"])),
            },
            "positiveRate": float(rows["clf_target"].mean()),
            "meanScore": float(rows["y_pred_proba"].mean()),
        })
    return out


def run_housing(config):
    directory = config["dir"]
    reference = pd.read_csv(os.path.join(directory, "reference.csv"))
    analysis = pd.read_csv(os.path.join(directory, "analysis.csv"))
    ground_truth = pd.read_csv(os.path.join(directory, "analysis_gt.csv"))
    for frame in (reference, analysis):
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    sys.stderr.write(f"[bench] nannyml: CBPE on housing ({len(reference)} + {len(analysis)} rows) …\n")
    timing, result = measure(
        lambda: None,
        lambda _: cbpe(reference, analysis),
        1,
        config["repetitions"],
        lambda: cbpe(reference, analysis),
    )
    labeled = analysis.merge(ground_truth, on="id", how="inner", validate="one_to_one")
    labeled["month"] = labeled["timestamp"].dt.to_period("M").astype(str)
    return {
        "referenceRows": len(reference),
        "analysisRows": len(analysis),
        "labeledRows": len(labeled),
        "timing": in_ms(timing),
        "chunks": chunks_of(result, labeled),
    }


def load(files, with_label):
    rows = files["rows"]
    out = {
        "score": np.fromfile(files["score"], dtype="<f8", count=rows),
        "prediction": np.fromfile(files["prediction"], dtype=np.uint8, count=rows),
        "month": np.fromfile(files["month"], dtype=np.uint8, count=rows),
    }
    if with_label:
        out["label"] = np.fromfile(files["label"], dtype=np.uint8, count=rows)
    return out


# Month k of the synthetic data is calendar month k after January 2020.
FIRST_MONTH = np.datetime64("2020-01", "M")


def to_frame(arrays, with_label):
    """The DataFrame a pandas user would hold: month starts + 2 s per row within the month as the timestamp."""
    month = arrays["month"].astype(np.int64)
    starts = (FIRST_MONTH + month).astype("datetime64[ns]")
    # Position of each row inside its month (rows are sorted by month).
    first_of_month = np.searchsorted(month, month, side="left")
    offsets = (np.arange(len(month)) - first_of_month) * np.timedelta64(2, "s")
    frame = {
        "timestamp": starts + offsets,
        "y_pred_proba": arrays["score"],
        "y_pred": arrays["prediction"].astype(np.int64),
    }
    if with_label:
        frame["clf_target"] = arrays["label"].astype(np.int64)
    return pd.DataFrame(frame)


def run_synthetic(config):
    reps = config["repetitions"]
    reference_raw = load(config["reference"], True)
    analysis_raw = load(config["analysis"], False)
    rows = (len(reference_raw["score"]), len(analysis_raw["score"]))
    sys.stderr.write(f"[bench] nannyml: DataFrames of {rows[0]} + {rows[1]} rows …\n")
    frames_timing, (reference, analysis) = measure(
        lambda: None,
        lambda _: (to_frame(reference_raw, True), to_frame(analysis_raw, False)),
        1,
        reps,
        lambda: None,
    )
    stride = config["warmupStride"]
    sys.stderr.write(f"[bench] nannyml: CBPE on {rows[0]} + {rows[1]} rows …\n")
    timing, result = measure(
        lambda: None,
        lambda _: cbpe(reference, analysis),
        1,
        reps,
        # Every stride-th row keeps all months: the warm-up takes the timed runs' code paths.
        lambda: cbpe(reference.iloc[::stride], analysis.iloc[::stride]),
    )
    labels = np.fromfile(config["analysis"]["label"], dtype=np.uint8, count=rows[1])
    labeled = analysis.assign(clf_target=labels.astype(np.int64))
    labeled["month"] = labeled["timestamp"].dt.to_period("M").astype(str)
    return {
        "referenceRows": rows[0],
        "analysisRows": rows[1],
        "timing": in_ms(timing),
        "framesTiming": in_ms(frames_timing),
        "chunks": chunks_of(result, labeled),
    }


def versions():
    return {
        "python": sys.version.split()[0],
        "nannyml": version("nannyml"),
        "scikit-learn": version("scikit-learn"),
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    # stdout carries the JSON result only: whatever NannyML or its dependencies print goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        result = {
            "versions": versions(),
            "housing": run_housing(config["housing"]) if config.get("housing") else None,
            "synthetic": run_synthetic(config["synthetic"]) if config.get("synthetic") else None,
        }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
