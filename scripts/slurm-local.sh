#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing `ldam sweep --slurm` (CI starts it before
# the tests and stops it after them). Needs Debian's slurm-wlm and munge, and root (the daemons
# run as root here; a real cluster's are the site's).
#
#   eval "$(scripts/slurm-local.sh start)"   # prints: export SLURM_CONF=…
#   scripts/slurm-local.sh stop
#
# The configuration is the smallest that runs job arrays with dependencies: this host as the
# controller and the only node with all its CPUs, one partition, no cgroup, accounting or MPI
# plugins (so sacct has no database: `ldam sweep --status` reads squeue and the run directories).
# Its state lives in $LDAMLAB_SLURM_DIR (default /tmp/ldamlab-slurm).
set -euo pipefail
dir="${LDAMLAB_SLURM_DIR:-/tmp/ldamlab-slurm}"
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"

die() { echo "slurm-local.sh: $*" >&2; exit 1; }

start() {
  for bin in munged slurmctld slurmd sinfo; do
    command -v "$bin" >/dev/null || [ -x "/usr/sbin/$bin" ] || die "$bin is missing: apt-get install slurm-wlm munge"
  done
  [ "$(id -u)" = 0 ] || die "the test cluster's daemons run as root; run as root (CI does) or use a real cluster"
  # Already running (an earlier start without its stop): use it.
  if [ -f "$conf" ] && [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null &&
      sinfo --noheader --format=%t 2>/dev/null | grep -q idle; then
    echo "export SLURM_CONF=$conf"
    return 0
  fi
  stop
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  host=$(hostname -s)
  cpus=$(nproc)
  cat > "$conf" <<EOF
ClusterName=ldamlab
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=${LDAMLAB_SLURM_PORT:-6917}
SlurmdPort=$(( ${LDAMLAB_SLURM_PORT:-6917} + 1 ))
ReturnToService=2
KillWait=5
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  # munge: Debian's package made the key; its daemon runs as root here (-f: the log directory's
  # owner is the munge user), unless one already runs.
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    mkdir -p /run/munge
    chown munge:munge /run/munge 2>/dev/null || true
    /usr/sbin/munged -f 2>"$dir/log/munged.err" || die "munged did not start: $(cat "$dir/log/munged.err")"
    touch "$dir/munged.ours"
  fi
  for i in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || die "munge does not answer"
  /usr/sbin/slurmctld -c || die "slurmctld did not start: $(tail -5 "$dir/log/slurmctld.log")"
  /usr/sbin/slurmd || die "slurmd did not start: $(tail -5 "$dir/log/slurmd.log")"
  for i in $(seq 100); do
    if sinfo --noheader --format=%t 2>/dev/null | grep -q idle; then
      echo "export SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.2
  done
  die "the node did not come up: sinfo says '$(sinfo --noheader 2>&1)'; slurmctld's log: $(tail -5 "$dir/log/slurmctld.log")"
}

stop() {
  for d in slurmd slurmctld; do
    if [ -f "$dir/$d.pid" ]; then
      kill "$(cat "$dir/$d.pid")" 2>/dev/null || true
      rm -f "$dir/$d.pid"
    fi
  done
  if [ -f "$dir/munged.ours" ]; then
    pkill -x munged 2>/dev/null || true
    rm -f "$dir/munged.ours"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
