"""Independent answers for the housing monitors end-to-end test, computed from the raw CSV rows with scipy.

Reads a JSON request from the file named by the first argument: {"dir": <housing directory>, "days": [<YYYY-MM-DD>, ...], "labeled": [...],
"columns": [...], "trailing": 7, "alpha": 0.05, "confidence": 0.95, "max_drop": 0.1}. Writes JSON:
- drift: {day: [columns]} — two-sample KS (scipy, asymptotic: the Kolmogorov distribution at the rounded effective
  sample size) of each day against the rows of the up to `trailing` streamed days before it, Benjamini-Hochberg
  across the columns of the day, flagged below alpha;
- accuracy: {day: [accuracy, wilson_lower, wilson_upper]} for the labeled days;
- reference_accuracy; dropped: the labeled days whose Wilson upper bound is below reference - max_drop.
"""
import csv
import json
import sys

import numpy as np
from scipy.stats import binomtest, ks_2samp


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def bh(p):
    p = np.asarray(p, dtype=float)
    n = len(p)
    order = np.argsort(p)
    q = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(q[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1)
    return out


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    ref = read(f"{req['dir']}/reference.csv")
    analysis = read(f"{req['dir']}/analysis.csv")
    truth = {r["id"]: r["clf_target"] for r in read(f"{req['dir']}/analysis_gt.csv")}
    for r in analysis:
        r["clf_target"] = truth[r["id"]]
    by_day = {}
    for r in ref + analysis:
        by_day.setdefault(r["timestamp"][:10], []).append(r)
    days = req["days"]
    drift = {}
    for i, day in enumerate(days):
        window = days[max(0, i - req["trailing"]) : i]
        base = [r for d in window for r in by_day[d]]
        if not base:
            continue
        p = [
            ks_2samp(
                [float(r[c]) for r in base], [float(r[c]) for r in by_day[day]], method="asymp"
            ).pvalue
            for c in req["columns"]
        ]
        q = bh(p)
        drift[day] = [c for c, qq in zip(req["columns"], q) if qq < req["alpha"]]
    ref_acc = sum(r["y_pred"] == r["clf_target"] for r in ref) / len(ref)
    accuracy = {}
    dropped = []
    for day in req["labeled"]:
        rows = by_day[day]
        k = sum(r["y_pred"] == r["clf_target"] for r in rows)
        ci = binomtest(k, len(rows)).proportion_ci(confidence_level=req["confidence"], method="wilson")
        accuracy[day] = [k / len(rows), ci.low, ci.high]
        if ci.high < ref_acc - req["max_drop"]:
            dropped.append(day)
    json.dump(
        {"drift": drift, "accuracy": accuracy, "reference_accuracy": ref_acc, "dropped": dropped},
        sys.stdout,
    )


main()
