"""scipy as the oracle for the statistics of @sightglass/analysis (JSON batch commands on stdin/stdout).

Commands (each {"op": ..., ...}; results in the same order):
- {"op": "chi2_sf", "points": [[x, dof], ...]}      -> {"values": [scipy.stats.chi2.sf(x, dof), ...]}
- {"op": "kstwo_sf", "points": [[d, n], ...]}       -> {"values": [scipy.stats.kstwo.sf(d, n), ...]}
- {"op": "ks_2samp", "a": base64 float64 LE, "b": ...}  -> {"statistic", "pvalue"} of scipy.stats.ks_2samp
- {"op": "wasserstein", "a": base64 float64 LE, "b": ...} -> {"distance": scipy.stats.wasserstein_distance(a, b)}
- {"op": "fdr_bh", "p": [...]}                     -> {"adjusted": scipy.stats.false_discovery_control(p, method="bh")}
- {"op": "binned_numeric", "a": base64 f64, "b": ..., "edges": [...] | null}
      -> the binned drift statistics on the raw values, in bins (-inf, e0), [e0, e1), ..., [e_last, inf); with
         "edges": null the edges are whylogs' `_calculate_bins` over both samples, computed here from the raw
         min/max/n and returned as "edges"
- {"op": "binned_categorical", "a": [str], "b": [str], "labels": [str]}
      -> the same statistics over the given categories ("__other__" holds every value not listed)
- {"op": "versions"}
"""

import base64
import math

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

from oracle_protocol import serve


def chi2_sf(cmd):
    return {"values": [float(stats.chi2.sf(x, dof)) for x, dof in cmd["points"]]}


def kstwo_sf(cmd):
    return {"values": [float(stats.kstwo.sf(d, int(n))) for d, n in cmd["points"]]}


def ks_2samp(cmd):
    a = np.frombuffer(base64.b64decode(cmd["a"]), dtype="<f8")
    b = np.frombuffer(base64.b64decode(cmd["b"]), dtype="<f8")
    result = stats.ks_2samp(a, b)
    return {"statistic": float(result.statistic), "pvalue": float(result.pvalue)}


def wasserstein(cmd):
    a = np.frombuffer(base64.b64decode(cmd["a"]), dtype="<f8")
    b = np.frombuffer(base64.b64decode(cmd["b"]), dtype="<f8")
    return {"distance": float(stats.wasserstein_distance(a, b))}


def fdr_bh(cmd):
    return {"adjusted": [float(q) for q in stats.false_discovery_control(np.array(cmd["p"]), method="bh")]}


def whylogs_bins(start, end, n, avg_per_bucket=4, max_buckets=30, min_n_buckets=2):
    """whylogs' `_calculate_bins`, written from its documented algorithm."""
    end = end + (abs(end) * 1e-7 if end != 0 else 1e-7)
    n_buckets = max(min(math.ceil(n / avg_per_bucket), max_buckets), min_n_buckets)
    width = (end - start) / n_buckets
    min_interval = 2.0 ** (math.frexp(max(abs(start), abs(end)))[1] - 1 - 23)
    if width < min_interval:
        n_buckets = max(math.floor((end - start) / min_interval), 1)
        width = (end - start) / n_buckets
    return [start + i * width for i in range(n_buckets + 1)]


def binned_statistics(p_counts, q_counts):
    """Hellinger, Jensen-Shannon distance, PSI (shares floored at 1e-4), L-inf and Pearson's chi-square test
    of homogeneity on exact counts, with scipy where scipy has the statistic."""
    p_counts = np.asarray(p_counts, dtype=float)
    q_counts = np.asarray(q_counts, dtype=float)
    p = p_counts / p_counts.sum()
    q = q_counts / q_counts.sum()
    hellinger = float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2))
    js = float(distance.jensenshannon(p, q))
    pf = np.maximum(p, 1e-4)
    qf = np.maximum(q, 1e-4)
    psi = float(np.sum((qf - pf) * np.log(qf / pf)))
    linf = float(np.max(np.abs(p - q)))
    occupied = (p_counts + q_counts) > 0
    table = np.vstack([p_counts[occupied], q_counts[occupied]])
    if table.shape[1] < 2:
        chi2, chi2_p = 0.0, 1.0
    else:
        chi2, chi2_p, _, _ = stats.chi2_contingency(table, correction=False)
    return {
        "hellinger": hellinger, "jensen_shannon": js, "psi": psi, "linf": linf,
        "chi_square": float(chi2), "chi_square_p": float(chi2_p),
    }


def binned_numeric(cmd):
    a = np.frombuffer(base64.b64decode(cmd["a"]), dtype="<f8")
    b = np.frombuffer(base64.b64decode(cmd["b"]), dtype="<f8")
    edges = cmd.get("edges")
    if edges is None:
        edges = whylogs_bins(float(min(a.min(), b.min())), float(max(a.max(), b.max())), len(a) + len(b))
    edges = np.asarray(edges, dtype=float)
    # searchsorted(side="right") is the index of the first edge > x: bins [e_i, e_i+1) with open tails.
    p_counts = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1)
    q_counts = np.bincount(np.searchsorted(edges, b, side="right"), minlength=len(edges) + 1)
    out = binned_statistics(p_counts, q_counts)
    out["edges"] = [float(e) for e in edges]
    return out


def binned_categorical(cmd):
    labels = cmd["labels"]
    index = {label: i for i, label in enumerate(labels)}
    other = index.get("__other__")

    def counts(values):
        c = np.zeros(len(labels))
        for v in values:
            c[index.get(v, other)] += 1
        return c

    return binned_statistics(counts(cmd["a"]), counts(cmd["b"]))


def versions(_cmd):
    return {"scipy": scipy.__version__}


COMMANDS = {
    "chi2_sf": chi2_sf, "kstwo_sf": kstwo_sf, "ks_2samp": ks_2samp, "fdr_bh": fdr_bh,
    "wasserstein": wasserstein, "binned_numeric": binned_numeric, "binned_categorical": binned_categorical,
    "versions": versions,
}



if __name__ == "__main__":
    serve(COMMANDS)
