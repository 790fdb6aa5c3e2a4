#!/bin/sh
# The paired comparisons behind FINDINGS.md's "Search algorithms under one ledger" (Δ = second −
# first, same 200 slots in every cell). Run from the repository root after `make build`:
#   sh Analysis/algorithms/claims.sh > Analysis/algorithms/claims.txt
set -e
SIFT=${SIFT:-.build/release/sift}
R=Results/algorithms
M=fid,is_mean,score.mean,held_out.clf-mlp,held_out.is-oracle
compare() { echo "== $1"; "$SIFT" compare "$R/$2" "$R/$3" --metrics "$M"; }
# Cell ids (Experiments/algorithms/compare.yaml; `sift run … --dry-run` lists them).
random1=bcca7ac2a985de53; sde1=f41a62bec043be99
low="145e82db77aa44c9 829aaf115c6ec7d1 49317945e82a10f9 2100e6c98b460e4b d7f54c3ce8f457c7 05efa1c815618540 212b59a665a8d7f0 af88da249d472e2f"
mid="80f4bbc9fc22db2f 536437ca4c8f992a e3f70a56272cb00e 94ac51c7750c4f81 1d38deb89f5ca6d9 a9ce2b686d399a33 30e53b3da5af999b d7904d2a7948ebdd"
high="d66c68725c55ac6e 1e0ddaa005221c8f af5a67db4f29e82f a677e21de46f3e33 8ceaa17e749bb3be 8fda574532cd19ff 5c568693a21dc9f2 bdfd74c63177b7ca"
names="random zero-order paths smc beam evolution gradient tree"
for level in low mid high; do
  eval "cells=\$$level"
  set -- $cells
  base=$1
  i=0
  for name in $names; do
    i=$((i + 1))
    eval "cell=\$$i"
    [ "$name" = random ] && continue
    compare "$level: random -> $name" "$base" "$cell"
  done
done
# Each algorithm's gain at its highest budget over its own sampler without search (hacking:
# the search verifier clf-vit's score against the held-out clf-mlp and is-oracle).
set -- $high
for name in $names; do
  case $name in smc|beam|tree) b=$sde1 ;; *) b=$random1 ;; esac
  compare "high: no search -> $name" "$b" "$1"
  shift
done
