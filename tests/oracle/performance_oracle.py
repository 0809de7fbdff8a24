"""scikit-learn and NannyML as the oracles of the model-performance suite (JSON batch commands on stdin/stdout).
Runs in the .cache/python-ml venv (tests/oracle/requirements-ml.txt).

Commands (each {"op": ..., ...}; results in the same order):
- {"op": "nannyml_cbpe", "dir": path} or {"op": "nannyml_cbpe", "reference": csv, "analysis": csv,
  "analysis_gt": csv}
      -> NannyML's CBPE (roc_auc, accuracy; monthly chunks) fitted on the California housing reference and
         estimated on its analysis split: {"needs_calibration", "chunks": [{"key", "rows", "estimated":
         {metric: {"value", "sampling_error", "lower", "upper"}}, "realized": {metric: value}, "positive_rate",
         "mean_score", "labeled_rows"}]}, realized from scikit-learn on analysis joined with analysis_gt by id
- {"op": "nannyml_versions"}
- {"op": "sklearn_counts", "y_true": [str], "y_pred": [str], "pos_label"?: str}
      -> counts-based metrics of a classifier without scores (and precision/recall/F1 of pos_label if given)
- {"op": "sklearn_binary", "y_true": [str], "y_pred": [str], "scores": base64 f64 LE, "pos_label": str}
      -> scikit-learn's realized metrics of a binary classifier (counts-based metrics, precision/recall/F1 of
         pos_label, roc_auc, average_precision, log_loss, brier) and its reliability table ("calibration")
- {"op": "sklearn_multiclass", "y_true": [str], "y_pred": [str], "classes": [str] sorted, "proba": [base64 f64
  per class]} -> counts-based metrics, one-vs-rest ROC AUC and average precision (macro and per class),
         log_loss, brier (sklearn's default scaling and scale_by_half=True)
- {"op": "sklearn_regression", "y_true": base64 f64, "y_pred": base64 f64, "quantiles": [float]}
      -> mae, mse, rmse, r2, mean_error, and the empirical rank of each value among the residuals y_pred - y_true
- {"op": "sklearn_versions"}
"""

import os

from oracle_protocol import serve

# NannyML posts usage telemetry (segment.io) unless this is set; an oracle must not touch the network.
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")


def _housing_frames(cmd):
    """reference / analysis / analysis_gt DataFrames from {"dir"} or the CSV texts {"reference", "analysis",
    "analysis_gt"}; timestamps parsed."""
    import io

    import pandas as pd

    def read(name):
        if "dir" in cmd:
            return pd.read_csv(os.path.join(cmd["dir"], f"{name}.csv"))
        return pd.read_csv(io.StringIO(cmd[name]))

    reference, analysis, ground_truth = read("reference"), read("analysis"), read("analysis_gt")
    for frame in (reference, analysis):
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return reference, analysis, ground_truth


def nannyml_cbpe(cmd):
    """NannyML's CBPE on the California housing split: fit on reference, estimate on analysis, monthly chunks.
    Per analysis chunk: the period key, rows, and for roc_auc and accuracy NannyML's estimated value, its
    sampling_error and confidence boundaries (value ± 3 sampling errors, clipped to [0, 1]); next to it the
    realized metrics of the same month from scikit-learn on analysis joined with analysis_gt by id, and the
    month's positive rate and mean score (what a concept shift moves apart)."""
    import warnings

    import nannyml as nml
    from sklearn.metrics import accuracy_score, roc_auc_score

    warnings.filterwarnings("ignore")
    reference, analysis, ground_truth = _housing_frames(cmd)
    estimator = nml.CBPE(
        y_pred_proba="y_pred_proba",
        y_pred="y_pred",
        y_true="clf_target",
        timestamp_column_name="timestamp",
        metrics=["roc_auc", "accuracy"],
        chunk_period="M",
        problem_type="classification_binary",
    )
    estimator.fit(reference)
    result = estimator.estimate(analysis).filter(period="analysis").to_df()

    labeled = analysis.merge(ground_truth, on="id", how="inner", validate="one_to_one")
    if len(labeled) != len(analysis):
        raise ValueError(f"analysis_gt joins {len(labeled)} of {len(analysis)} analysis rows")
    labeled["month"] = labeled["timestamp"].dt.to_period("M").astype(str)
    months = {month: rows for month, rows in labeled.groupby("month")}

    chunks = []
    for _, row in result.iterrows():
        key = str(row[("chunk", "key")])
        rows = months[key]
        metrics = {}
        for metric in ("roc_auc", "accuracy"):
            metrics[metric] = {
                "value": float(row[(metric, "value")]),
                "sampling_error": float(row[(metric, "sampling_error")]),
                "lower": float(row[(metric, "lower_confidence_boundary")]),
                "upper": float(row[(metric, "upper_confidence_boundary")]),
            }
        chunks.append({
            "key": key,
            "rows": int(row[("chunk", "end_index")] - row[("chunk", "start_index")] + 1),
            "estimated": metrics,
            "realized": {
                "roc_auc": float(roc_auc_score(rows["clf_target"], rows["y_pred_proba"])),
                "accuracy": float(accuracy_score(rows["clf_target"], rows["y_pred"])),
            },
            "positive_rate": float(rows["clf_target"].mean()),
            "mean_score": float(rows["y_pred_proba"].mean()),
            "labeled_rows": int(len(rows)),
        })
    return {"needs_calibration": bool(estimator.needs_calibration), "chunks": chunks}


def nannyml_versions(_cmd):
    import nannyml as nml
    import sklearn

    return {"nannyml": nml.__version__, "scikit-learn": sklearn.__version__}


# --- scikit-learn: realized metrics on raw predictions (tests/oracle/performance-sklearn.test.ts) -------------


def _sk_floats(text):
    """A base64 little-endian float64 array (as float64ToBase64 sends it)."""
    import base64

    import numpy as np

    return np.frombuffer(base64.b64decode(text), dtype="<f8").copy()


def _sk_class_metrics(y_true, y_pred):
    """Counts-based metrics with scikit-learn: the union of labels sorted, its confusion matrix (rows = truth,
    columns = prediction, as sklearn returns it), accuracy, per-class precision/recall/F1/support, macro and
    micro averages (zero_division=0: a class never predicted has precision 0)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    labels = sorted(set(y_true.tolist()) | set(y_pred.tolist()))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    out = {
        "labels": labels,
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "per_class": [
            {"label": label, "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, label in enumerate(labels)
        ],
    }
    for average in ("macro", "micro"):
        ap, ar, af, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0
        )
        out[average] = {"precision": float(ap), "recall": float(ar), "f1": float(af)}
    return out


def sklearn_counts(cmd):
    """A classifier without scores: the counts-based metrics, and with "pos_label" also precision/recall/F1 of
    that label (average="binary")."""
    import warnings

    import numpy as np
    from sklearn.metrics import precision_recall_fscore_support

    warnings.filterwarnings("ignore")
    y_true = np.array(cmd["y_true"], dtype=str)
    y_pred = np.array(cmd["y_pred"], dtype=str)
    out = _sk_class_metrics(y_true, y_pred)
    pos = cmd.get("pos_label")
    if pos is not None:
        bp, br, bf, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=[pos], pos_label=pos, average="binary", zero_division=0
        )
        out["binary"] = {"precision": float(bp), "recall": float(br), "f1": float(bf)}
    return out


def sklearn_binary(cmd):
    """Binary classifier: counts-based metrics, precision/recall/F1 of pos_label (average="binary"),
    roc_auc_score and average_precision_score of (y_true == pos_label, scores), log_loss and brier_score_loss
    (binary, so Brier is the mean of (y - p)^2), and the reliability table in 10 bins three ways: numpy.histogram
    with edges k/10 ([lower, upper), last bin closed: Sightglass' convention), the exact mean score of those
    bins, and sklearn.calibration.calibration_curve (its bins are (lower, upper]) with the per-bin row count
    and whether the bin holds the same rows under both conventions."""
    import warnings

    import numpy as np
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import (
        average_precision_score,
        brier_score_loss,
        log_loss,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    warnings.filterwarnings("ignore")
    y_true = np.array(cmd["y_true"], dtype=str)
    y_pred = np.array(cmd["y_pred"], dtype=str)
    scores = _sk_floats(cmd["scores"])
    pos = cmd["pos_label"]
    out = _sk_class_metrics(y_true, y_pred)
    bp, br, bf, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=[pos], pos_label=pos, average="binary", zero_division=0
    )
    out["binary"] = {"precision": float(bp), "recall": float(br), "f1": float(bf)}
    y = (y_true == pos).astype(int)
    both = 0 < y.sum() < len(y)
    out["roc_auc"] = float(roc_auc_score(y, scores)) if both else None
    out["average_precision"] = float(average_precision_score(y, scores)) if y.sum() > 0 else None
    out["log_loss"] = float(log_loss(y, scores, labels=[0, 1]))
    out["brier"] = float(brier_score_loss(y, scores, pos_label=1))

    edges = np.array([k / 10 for k in range(11)])
    ours = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, 9)
    counts = np.bincount(ours, minlength=10)
    hist_counts, _ = np.histogram(scores, bins=edges)
    if not np.array_equal(hist_counts, counts):
        raise AssertionError("numpy.histogram and searchsorted disagree on the [lower, upper) bins")
    positives = np.bincount(ours, weights=y, minlength=10)
    sums = np.bincount(ours, weights=scores, minlength=10)
    prob_true, prob_pred = calibration_curve(y, scores, n_bins=10, strategy="uniform")
    sk_ids = np.searchsorted(np.linspace(0.0, 1.0, 11)[1:-1], scores)  # calibration_curve's own binning
    sk_counts = np.bincount(sk_ids, minlength=10)
    nonempty = np.flatnonzero(sk_counts)
    out["calibration"] = {
        "counts": counts.tolist(),
        "positives": positives.tolist(),
        "mean_score": [float(sums[k] / counts[k]) if counts[k] > 0 else None for k in range(10)],
        "sklearn": [
            {
                "bin": int(k),
                "count": int(sk_counts[k]),
                "prob_true": float(prob_true[i]),
                "prob_pred": float(prob_pred[i]),
                "same_rows": bool(np.array_equal(ours == k, sk_ids == k)),
            }
            for i, k in enumerate(nonempty)
        ],
    }
    return out


def sklearn_multiclass(cmd):
    """Multiclass classifier with one probability column per class of "classes" (sorted, as sklearn orders
    them): counts-based metrics, roc_auc_score(multi_class="ovr", average="macro") and per class,
    average_precision_score (macro and per class, one-vs-rest), log_loss, and brier_score_loss both with its
    default scaling (sklearn >= 1.7: no 1/2 for 3+ classes) and with scale_by_half=True."""
    import warnings

    import numpy as np
    from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

    warnings.filterwarnings("ignore")
    y_true = np.array(cmd["y_true"], dtype=str)
    y_pred = np.array(cmd["y_pred"], dtype=str)
    classes = list(cmd["classes"])
    if classes != sorted(classes):
        raise ValueError("classes must be sorted (sklearn's column order)")
    proba = np.column_stack([_sk_floats(column) for column in cmd["proba"]])
    out = _sk_class_metrics(y_true, y_pred)
    out["roc_auc_ovr_macro"] = float(roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=classes))
    out["roc_auc_per_class"] = [float(roc_auc_score(y_true == c, proba[:, i])) for i, c in enumerate(classes)]
    out["ap_macro"] = float(average_precision_score(y_true, proba, average="macro"))
    out["ap_per_class"] = [float(average_precision_score(y_true == c, proba[:, i])) for i, c in enumerate(classes)]
    out["log_loss"] = float(log_loss(y_true, proba, labels=classes))
    out["brier"] = float(brier_score_loss(y_true, proba, labels=classes))
    out["brier_half"] = float(brier_score_loss(y_true, proba, labels=classes, scale_by_half=True))
    return out


def sklearn_regression(cmd):
    """Regressor: mean_absolute_error, mean_squared_error, root_mean_squared_error, r2_score, the mean error
    (numpy.mean(y_pred - y_true)), and for each value of "quantiles" the fraction of residuals (y_pred - y_true)
    <= it ("le") and < it ("lt"): its empirical rank among the raw residuals."""
    import numpy as np
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error

    y_true = _sk_floats(cmd["y_true"])
    y_pred = _sk_floats(cmd["y_pred"])
    residuals = np.sort(y_pred - y_true)
    n = len(residuals)
    ranks = [
        {
            "le": float(np.searchsorted(residuals, q, side="right") / n),
            "lt": float(np.searchsorted(residuals, q, side="left") / n),
        }
        for q in cmd.get("quantiles", [])
    ]
    return {
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "mse": float(mean_squared_error(y_true, y_pred)),
        "rmse": float(root_mean_squared_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
        "mean_error": float(np.mean(y_pred - y_true)),
        "ranks": ranks,
    }


def sklearn_versions(_cmd):
    import numpy
    import sklearn

    return {"scikit-learn": sklearn.__version__, "numpy": numpy.__version__}


SKLEARN_COMMANDS = {
    "sklearn_counts": sklearn_counts,
    "sklearn_binary": sklearn_binary,
    "sklearn_multiclass": sklearn_multiclass,
    "sklearn_regression": sklearn_regression,
    "sklearn_versions": sklearn_versions,
}


COMMANDS = {
    **SKLEARN_COMMANDS,
    "nannyml_cbpe": nannyml_cbpe,
    "nannyml_versions": nannyml_versions,
}


if __name__ == "__main__":
    serve(COMMANDS)
