#!/bin/bash
# Queue a sharded experiment on Slurm: an array of N shard tasks, then the merge, which runs only after
# every task succeeded (afterok). Run from the directory the results should go under.
#   examples/slurm/submit.sh [experiment-or-yaml] [shards]      e.g. submit.sh x3-lambda-sweep 8
# Environment: GREENSERV (command, default `npx greenserv`), GREENSERV_SHARDS, GREENSERV_RESULTS, and any
# sbatch option through SBATCH_* variables (SBATCH_PARTITION, SBATCH_ACCOUNT, …).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export GREENSERV_EXPERIMENT="${1:-${GREENSERV_EXPERIMENT:-x3-lambda-sweep}}"
export GREENSERV_SHARD_COUNT="${2:-${GREENSERV_SHARD_COUNT:-4}}"
array=$(sbatch --parsable --export=ALL --array="0-$((GREENSERV_SHARD_COUNT - 1))" "$here/shard.sbatch")
array="${array%%;*}"
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" --kill-on-invalid-dep=yes "$here/merge.sbatch")
merge="${merge%%;*}"
echo "array job $array ($GREENSERV_SHARD_COUNT shards), merge job $merge"
