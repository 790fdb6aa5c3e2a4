#!/bin/sh
# The paper-regime studies (issue 15), one file after another. Every cell and every chunk of a
# cell is saved as it finishes, so running this again continues where a stopped run left off.
# Runs a copy of the binary, so rebuilding Sift meanwhile does not touch the running study:
#   nohup sh Analysis/run-regime.sh > Results/regime.log 2>&1 &
# SIFT_STUDY_THREADS=1 (with `taskset -c 0`) keeps it to one core, beside a study that times itself.
set -e
THREADS=${SIFT_STUDY_THREADS:+--threads $SIFT_STUDY_THREADS}
cd "$(dirname "$0")/.."
mkdir -p .build-study
cp .build/release/sift .build-study/sift
for file in \
  Experiments/regime/fig13-verifier-hacking.yaml \
  Experiments/regime/fig6-random.yaml \
  Experiments/regime/fig6-zero-order.yaml \
  Experiments/regime/fig6-paths.yaml \
  Experiments/regime/fig9-ensemble.yaml \
  Experiments/regime/fig12-zero-order-tau.yaml \
  Experiments/regime/fig12-paths-length.yaml \
  Experiments/regime/table2-algorithms.yaml \
  Experiments/regime/fig11-model-size.yaml \
  Experiments/regime/fig4-supervised.yaml \
  Experiments/regime/fig3-oracle.yaml
do
  if [ -f "$file" ]; then
    echo "== $(date -u +%FT%TZ) $file"
    .build-study/sift run "$file" $THREADS
  fi
done
echo "== $(date -u +%FT%TZ) done"
