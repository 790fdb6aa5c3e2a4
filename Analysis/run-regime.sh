#!/bin/sh
# The paper-regime studies (issue 15), one file after another. Every cell and every chunk of a
# cell is saved as it finishes, so running this again continues where a stopped run left off.
# Runs a copy of the binary, so rebuilding Sift meanwhile does not touch the running study:
#   nohup sh Analysis/run-regime.sh > Results/regime.log 2>&1 &
# Files named on the command line run instead of the whole list (two queues, one per core):
#   SIFT_STUDY_THREADS=1 taskset -c 0 sh Analysis/run-regime.sh Experiments/regime/fig6-zero-order.yaml …
# SIFT_STUDY_THREADS=1 (with `taskset -c N`) keeps a queue to one core. SIFT_STUDY_BINARY names the
# copy to run (default .build-study/sift, refreshed from .build/release/sift unless
# SIFT_STUDY_KEEP_BINARY=1, so a second queue can share the first one's binary).
set -e
THREADS=${SIFT_STUDY_THREADS:+--threads $SIFT_STUDY_THREADS}
BINARY=${SIFT_STUDY_BINARY:-.build-study/sift}
cd "$(dirname "$0")/.."
if [ "${SIFT_STUDY_KEEP_BINARY:-0}" != 1 ] || [ ! -x "$BINARY" ]; then
  mkdir -p "$(dirname "$BINARY")"
  cp .build/release/sift "$BINARY.new" && mv "$BINARY.new" "$BINARY"
fi
if [ $# -eq 0 ]; then
  set -- \
    Experiments/regime/fig13-verifier-hacking.yaml \
    Experiments/regime/fig6-random.yaml \
    Experiments/regime/fig6-zero-order.yaml \
    Experiments/regime/fig6-paths.yaml \
    Experiments/regime/fig9-ensemble.yaml \
    Experiments/regime/fig11-model-size.yaml \
    Experiments/regime/fig12-zero-order-tau.yaml \
    Experiments/regime/fig12-paths-length.yaml \
    Experiments/regime/table2-algorithms.yaml \
    Experiments/regime/fig4-supervised.yaml \
    Experiments/regime/fig3-oracle.yaml
fi
for file in "$@"; do
  if [ -f "$file" ]; then
    echo "== $(date -u +%FT%TZ) $file"
    "$BINARY" run "$file" $THREADS
  else
    echo "== $(date -u +%FT%TZ) $file: no such file" >&2
    exit 1
  fi
done
echo "== $(date -u +%FT%TZ) done"
