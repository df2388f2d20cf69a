# shellcheck shell=bash
# Sourced by end-to-end scripts: a private single-node SLURM cluster (munged, slurmctld,
# slurmd) under a work folder (docs/SLURM.md, "Tests"):
#   skip_unless_local_slurm          # exit 77 with the reason where a cluster cannot run
#   trap stop_local_slurm EXIT       # before starting: a failing test still stops the daemons
#   start_local_slurm WORK_DIR       # exports SLURM_CONF; returns once the node is idle
# Everything (config, key, sockets, state, logs, pid files) lives in WORK_DIR/slurm, and the
# ports are probed, so two tests can run side by side without sharing anything.
# The daemons are background children of the test's shell: a bare `wait` would wait for them
# forever, so wait for a pid.

# Prints why a local cluster cannot run here (nothing when it can).
slurm_unavailable_reason() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "not root: the local slurmd must run as root (SlurmUser=root)"
    return
  fi
  local tool
  for tool in munged slurmctld slurmd sbatch srun scontrol scancel squeue sinfo; do
    if ! command -v "$tool" >/dev/null; then
      echo "$tool not found (Debian: apt-get install slurm-wlm munge, or scripts/install-deps.sh)"
      return
    fi
  done
  if [[ -z $(hostname -s 2>/dev/null) ]]; then echo "hostname -s prints nothing"; fi
}

# Exits the test with status 77 (skipped), printing why, when a local cluster cannot run.
skip_unless_local_slurm() {
  local reason
  reason=$(slurm_unavailable_reason)
  if [[ -n $reason ]]; then
    echo "skipped: $reason"
    exit 77
  fi
}

# Two free TCP ports (slurmctld, slurmd), starting from one derived from our pid; taken
# ports (another test's cluster, a system slurm) are skipped.
_local_slurm_ports() {
  local port=$((20000 + ($$ % 5000) * 2)) try
  for ((try = 0; try < 100; try++)); do
    if ! _local_slurm_port_taken "$port" && ! _local_slurm_port_taken $((port + 1)); then
      echo "$port $((port + 1))"
      return 0
    fi
    port=$((port + 2))
  done
  echo "local_slurm: no two free ports in $((port - 200))-$((port - 1))" >&2
  return 1
}

_local_slurm_port_taken() {
  (: >"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_local_slurm_write_conf() {  # _local_slurm_write_conf DIR CTLD_PORT SLURMD_PORT
  local dir=$1 node
  # slurmd -C prints this machine's NodeName (hostname -s) and its CPU layout.
  node=$(slurmd -C | sed -n '1{s/ RealMemory=[0-9]*//;p}')
  cat >"$dir/slurm.conf" <<EOF
# Written by tests/support/local_slurm.sh for one test; removed with it.
ClusterName=moetest$2
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$2
SlurmdPort=$3
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
TmpFS=$dir/tmp
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
SchedulerParameters=sched_interval=2,bf_interval=2
EnforcePartLimits=ALL
JobRequeue=1
KillWait=5
ReturnToService=2
MailProg=/bin/true
# Job ids start at the (unique) controller port, so two clusters' jobs never share an id
# (MPI and PMIx name their temporary files after it).
FirstJobId=$2
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

# start_local_slurm WORK_DIR: configures and starts the cluster, exports SLURM_CONF and
# waits (30 s at most) until the node is idle.
start_local_slurm() {
  local dir=$1/slurm ports
  mkdir -p "$dir"/{munge,state,spool,tmp}
  # munged refuses a socket whose folders are not executable by everyone.
  chmod 711 "$1" "$dir" "$dir/munge"
  ports=$(_local_slurm_ports) || return 1
  # shellcheck disable=SC2086  # two words: the ports
  _local_slurm_write_conf "$dir" $ports
  export SLURM_CONF=$dir/slurm.conf
  : >"$dir/daemons.pids"

  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge/munge.key"
  # Foreground daemons (-F, -D) stay in the test's process group: a test killed outright
  # takes them along.
  munged -F --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" </dev/null >"$dir/munge/munged.out" 2>&1 &
  echo "$! munged" >>"$dir/daemons.pids"
  local_slurm_wait 10 "munged socket" test -S "$dir/munge/munge.socket" || return 1

  slurmctld -D -f "$SLURM_CONF" </dev/null >"$dir/slurmctld.out" 2>&1 &
  echo "$! slurmctld" >>"$dir/daemons.pids"
  slurmd -D -f "$SLURM_CONF" </dev/null >"$dir/slurmd.out" 2>&1 &
  echo "$! slurmd" >>"$dir/daemons.pids"
  local_slurm_wait 30 "node idle" _local_slurm_node_idle || return 1
  echo "[local_slurm] cluster up: SLURM_CONF=$SLURM_CONF (ports $ports)"
}

_local_slurm_node_idle() {
  [[ $(sinfo -h -o %T 2>/dev/null) == idle ]]
}

# local_slurm_wait SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s; on time-out prints
# the daemons' logs and returns 1 (tests poll their jobs with it too).
local_slurm_wait() {
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  local dir
  dir=$(dirname "$SLURM_CONF")
  echo "local_slurm: no $what after $seconds s; daemon logs:" >&2
  tail -n 20 "$dir"/munge/munged.{log,out} "$dir"/slurm{ctld,d}.{log,out} >&2 2>/dev/null
  return 1
}

# _local_slurm_running PID NAME: PID is still daemon NAME. Gone or a zombie (a killed child
# nobody has reaped) counts as stopped; another name means the pid was reused, not ours.
_local_slurm_running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ $stat == "$1 ($2) "* && $stat != "$1 ($2) Z "* ]]
}

# stop_local_slurm: cancels what is still queued or running, then stops the daemons by their
# recorded pids (TERM, KILL after 10 s). Safe to call twice or before the cluster started.
stop_local_slurm() {
  [[ -n ${SLURM_CONF:-} && -f $(dirname "$SLURM_CONF")/daemons.pids ]] || return 0
  local dir pid i
  dir=$(dirname "$SLURM_CONF")
  if [[ -n $(squeue -h -o %i 2>/dev/null) ]]; then
    scancel --quiet --user="$(id -un)" || true
    for ((i = 0; i < 100; i++)); do
      [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.2
    done
  fi
  # Reverse start order: slurmd, slurmctld, then munged (which the others talk through).
  local name
  while read -r pid name; do
    if _local_slurm_running "$pid" "$name"; then
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        _local_slurm_running "$pid" "$name" || break
        sleep 0.2
      done
      if _local_slurm_running "$pid" "$name"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    wait "$pid" 2>/dev/null || true
  done < <(tac "$dir/daemons.pids")
  rm -f "$dir/daemons.pids"
}
