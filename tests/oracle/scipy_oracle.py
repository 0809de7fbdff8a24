"""scipy as the oracle for the statistics of @sightglass/analysis (JSON batch commands on stdin/stdout).

Commands (each {"op": ..., ...}; results in the same order):
- {"op": "chi2_sf", "points": [[x, dof], ...]}      -> {"values": [scipy.stats.chi2.sf(x, dof), ...]}
- {"op": "kstwo_sf", "points": [[d, n], ...]}       -> {"values": [scipy.stats.kstwo.sf(d, n), ...]}
- {"op": "versions"}
"""

import json
import sys
import traceback

import scipy
from scipy import stats


def chi2_sf(cmd):
    return {"values": [float(stats.chi2.sf(x, dof)) for x, dof in cmd["points"]]}


def kstwo_sf(cmd):
    return {"values": [float(stats.kstwo.sf(d, int(n))) for d, n in cmd["points"]]}


def versions(_cmd):
    return {"scipy": scipy.__version__}


COMMANDS = {"chi2_sf": chi2_sf, "kstwo_sf": kstwo_sf, "versions": versions}


def run(cmd):
    try:
        return COMMANDS[cmd["op"]](cmd)
    except Exception as exc:  # reported per command; the TS side fails the matching test
        return {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc(limit=4)}


def main():
    request = json.load(sys.stdin)
    json.dump({"results": [run(cmd) for cmd in request["commands"]]}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
