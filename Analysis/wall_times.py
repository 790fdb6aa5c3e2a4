#!/usr/bin/env python3
"""Measured wall time of each finished experiment, from its cells' metrics.json.

A group of cells that share work (one pool of candidates swept over budgets and verifiers) runs
as one piece: every cell of it has the same `provenance.start`, and each books the seconds from
that start to its own end (`wall_seconds`). So an experiment's wall time is the sum over those
starts of the largest `wall_seconds` among their cells. A cell resumed from chunks books only
the sitting that finished it, so experiments run across several sittings are undercounted (the
script says how many cells were resumed when their chunks reveal it: it cannot tell otherwise).

    python3 Analysis/wall_times.py Results/regime-*        # one line per experiment, then the total
"""
import glob
import json
import os
import sys


def wall_time(folder):
    """(seconds, cells, groups) of the finished cells under `folder`."""
    groups = {}
    cells = 0
    for path in glob.glob(os.path.join(folder, "*", "metrics.json")):
        with open(path) as f:
            record = json.load(f)
        seconds = record.get("wall_seconds")
        start = (record.get("provenance") or {}).get("start")
        if seconds is None or start is None:
            continue
        cells += 1
        groups[start] = max(groups.get(start, 0.0), float(seconds))
    return sum(groups.values()), cells, len(groups)


def main(folders):
    total = 0.0
    for folder in sorted(folders):
        if not os.path.isdir(folder):
            continue
        seconds, cells, groups = wall_time(folder)
        if cells == 0:
            continue
        pending = len(glob.glob(os.path.join(folder, ".chunks", "*")))
        note = f", {pending} cell(s) in progress" if pending else ""
        print(f"{os.path.basename(folder):40s} {seconds:10.0f} s  {seconds / 3600:5.2f} h  ({cells} cells, {groups} groups{note})")
        total += seconds
    print(f"{'total':40s} {total:10.0f} s  {total / 3600:5.2f} h  (one core each; see the docstring for what it undercounts)")


if __name__ == "__main__":
    main(sys.argv[1:] or glob.glob("Results/regime-*"))
