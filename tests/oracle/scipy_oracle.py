"""scipy as the oracle for the statistics of @sightglass/analysis (JSON batch commands on stdin/stdout).

Commands (each {"op": ..., ...}; results in the same order):
- {"op": "chi2_sf", "points": [[x, dof], ...]}      -> {"values": [scipy.stats.chi2.sf(x, dof), ...]}
- {"op": "kstwo_sf", "points": [[d, n], ...]}       -> {"values": [scipy.stats.kstwo.sf(d, n), ...]}
- {"op": "ks_2samp", "a": base64 float64 LE, "b": ...}  -> {"statistic", "pvalue"} of scipy.stats.ks_2samp
- {"op": "wasserstein", "a": base64 float64 LE, "b": ...} -> {"distance": scipy.stats.wasserstein_distance(a, b)}
- {"op": "fdr_bh", "p": [...]}                     -> {"adjusted": scipy.stats.false_discovery_control(p, method="bh")}
- {"op": "versions"}
"""

import base64

import numpy as np
import scipy
from scipy import stats

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


def versions(_cmd):
    return {"scipy": scipy.__version__}


COMMANDS = {
    "chi2_sf": chi2_sf, "kstwo_sf": kstwo_sf, "ks_2samp": ks_2samp, "fdr_bh": fdr_bh,
    "wasserstein": wasserstein,
    "versions": versions,
}



if __name__ == "__main__":
    serve(COMMANDS)
