#!/usr/bin/env bash
# End-to-end check of examples/slurm on a one-node Slurm cluster started here: installs Debian's slurm-wlm
# and munge when absent, starts munged, slurmctld and slurmd on private ports and paths, submits the shard
# array and the afterok merge for an experiment (default x3-lambda-sweep, 4 shards), waits, and compares the
# merged results byte for byte with a local unsharded run. It stops exactly the daemons it started (by
# PID). Prints SKIPPED and exits 0 only when the packages cannot be installed. Needs root and a built dist/.
#   scripts/slurm-e2e.sh [experiment] [shards]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
EXPERIMENT="${1:-x3-lambda-sweep}"
SHARDS="${2:-4}"
TIMEOUT="${SLURM_E2E_TIMEOUT:-900}"
log() { printf 'slurm-e2e: %s\n' "$*"; }

need=(munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo)
missing() { for c in "${need[@]}"; do command -v "$c" >/dev/null 2>&1 || return 0; done; return 1; }
if missing; then
  log "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null 2>&1; }; } || missing; then
    echo "slurm-e2e: SKIPPED: slurm-wlm and munge cannot be installed on this machine (apt-get failed)"
    exit 0
  fi
fi
[ -x "$ROOT/bin/greenserv" ] && [ -f "$ROOT/dist/src/cli/index.js" ] || { log "build first (npx tsc -p tsconfig.json)"; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/greenserv-slurm-e2e.XXXXXX")"
chmod 711 "$WORK"
PIDS=()
stop_daemons() {
  local rc=$?
  # only the processes this script started, newest first
  for ((k = ${#PIDS[@]} - 1; k >= 0; k--)); do kill "${PIDS[k]}" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$rc" -ne 0 ]; then
    log "failed; logs:"
    tail -n 20 "$WORK"/log/*.log "$WORK"/run/*.out 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap stop_daemons EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK"/{munge,state,spool,log,run,etc}
# the socket's directory must be searchable by the job steps' clients
chmod 711 "$WORK/munge"
# munge: a private key, socket and log, so a system munged (if any) is neither used nor disturbed
mungekey --create --keyfile="$WORK/munge/munge.key" >/dev/null
chmod 600 "$WORK/munge/munge.key"
munged --foreground --force --socket="$WORK/munge/munge.sock" --key-file="$WORK/munge/munge.key" \
  --pid-file="$WORK/munge/munged.pid" --log-file="$WORK/log/munged.log" --seed-file="$WORK/munge/munged.seed" >"$WORK/log/munged.stdout" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [ -S "$WORK/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$WORK/munge/munge.sock" ] || { log "munged did not start"; exit 1; }

NODE="$(hostname -s)"
# free ports on loopback for slurmctld and slurmd
PORTS=($(node -e 'const n=require("net");const a=[];let k=0;for(let i=0;i<2;i++){const s=n.createServer();s.listen(0,"127.0.0.1",()=>{a.push(s.address().port);if(++k===2){console.log(a.join(" "));process.exit(0)}})}'))
CONF="$WORK/etc/slurm.conf"
cat >"$CONF" <<EOF
ClusterName=greenserv-e2e
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=${PORTS[0]}
SlurmdPort=${PORTS[1]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.sock
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=e2e Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$CONF"
slurmctld -D -i -f "$CONF" >"$WORK/log/slurmctld.stdout" 2>&1 &
PIDS+=($!)
slurmd -D -N "$NODE" -f "$CONF" >"$WORK/log/slurmd.stdout" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  state="$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.3
done
[ "$state" = idle ] || { log "the node did not come up (state '$state')"; exit 1; }
log "cluster up: node $NODE, slurmctld :${PORTS[0]}, slurmd :${PORTS[1]}"

cd "$WORK/run"
export GREENSERV="node $ROOT/bin/greenserv"
export GREENSERV_SHARDS="$WORK/run/shards"
export GREENSERV_RESULTS="$WORK/run/merged"
start=$(date +%s)
submitted="$("$ROOT/examples/slurm/submit.sh" "$EXPERIMENT" "$SHARDS")"
log "$submitted"
merge_id="$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$submitted")"
array_id="$(sed -n 's/^array job \([0-9]*\).*/\1/p' <<<"$submitted")"
# the local, unsharded reference runs meanwhile
$GREENSERV experiment run "$EXPERIMENT" --out "$WORK/run/local" --workers 1 --no-progress >/dev/null
while squeue -h -j "$array_id,$merge_id" 2>/dev/null | grep -q .; do
  [ $(($(date +%s) - start)) -lt "$TIMEOUT" ] || { log "timed out after ${TIMEOUT}s"; squeue; exit 1; }
  sleep 1
done
jobstate() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | tr '\n' ' '; }
log "array: $(jobstate "$array_id")merge: $(jobstate "$merge_id")"
[ "$(jobstate "$merge_id")" = "COMPLETED " ] || { log "the merge job did not complete"; cat "$WORK"/run/greenserv-*.out; exit 1; }
ls "$GREENSERV_SHARDS" | grep -qx "shard-$((SHARDS - 1))-of-$SHARDS" || { log "shard directories missing"; exit 1; }
if diff -r "$WORK/run/local" "$GREENSERV_RESULTS" >/dev/null; then
  files=$(find "$GREENSERV_RESULTS" -type f | wc -l)
  log "PASSED: $SHARDS Slurm array tasks + afterok merge of $EXPERIMENT are byte-identical to the local run ($files files, $(($(date +%s) - start)) s)"
else
  diff -rq "$WORK/run/local" "$GREENSERV_RESULTS" || true
  log "FAILED: merged results differ from the local run"
  exit 1
fi
