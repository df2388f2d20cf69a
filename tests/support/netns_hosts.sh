# shellcheck shell=bash
# Sourced by the multi-host tests (tests/e2e/multihost_*.sh): several "hosts" on this machine,
# each a network namespace with its own address and host name, joined by a bridge, so that
# an MPI job really crosses a network (TCP only, no shared memory between hosts) and the
# network between hosts can be cut (../shared/docs/MULTINODE-LOCAL.md, docs/MULTINODE.md).
#
#   netns_test_hosts N SLOTS          a test's start: exit 77 when hosts cannot be made, else
#                                     N hosts, $work (a temporary folder) and $hostfile
#                                     (SLOTS ranks per host), all removed at exit
#   netns_hosts_available             true when this machine can make them (root, ip netns)
#   netns_hosts_up N DIR              hosts node1..nodeN at 10.77.0.11.. and a launcher
#                                     (10.77.0.10); DIR receives the agent and hostfiles.
#                                     Everything is removed when the shell exits (trap).
#   netns_hostfile DIR SLOTS          writes DIR/hostfile (SLOTS ranks per host), prints it
#   netns_mpirun DIR HOSTFILE ARGS    mpirun from the launcher namespace across the hosts
#   netns_cut HOST / netns_restore HOST   take HOST's link down / up again
#   netns_pids HOST                   the processes running on HOST
#   netns_bytes HOST                  bytes HOST's link has sent and received so far
#
# Namespace names carry this shell's pid, so tests running side by side do not meet; each
# test has its own bridge, so the same addresses can be reused by every test.

netns_prefix="moe$$"
netns_host_count=0

netns_hosts_available() {
  [[ $(id -u) -eq 0 ]] && command -v ip >/dev/null && command -v unshare >/dev/null &&
    ip netns add "${netns_prefix}probe" 2>/dev/null && ip netns del "${netns_prefix}probe"
}

netns_test_hosts() {
  netns_hosts_available || { echo "skipped: needs root and ip netns"; exit 77; }
  work=$(mktemp -d)
  netns_hosts_up "$1" "$work"
  trap 'netns_hosts_down; rm -rf "$work"' EXIT
  hostfile=$(netns_hostfile "$work" "$2")
}

netns_name() { echo "${netns_prefix}$1"; }  # netns_name node1|launcher|bridge

# Ends every process left in the test's namespaces, then removes the namespaces (deleting a
# namespace does not end its processes).
netns_hosts_down() {
  local ns
  for ns in $(ip netns list | awk -v p="$netns_prefix" 'index($1, p) == 1 {print $1}'); do
    # shellcheck disable=SC2046  # one pid per word
    kill -9 $(ip netns pids "$ns") 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

netns_join() {  # netns_join NAME ADDRESS: a namespace wired to the bridge
  local ns bridge_end
  ns=$(netns_name "$1")
  bridge_end="v$1"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # Unacknowledged data is retried for ~6 s, not the default ~15 min, so that mpirun and its
  # daemons give up on a cut host (docs/MULTINODE.md: sites tune this on their nodes).
  ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_retries2=4
  ip -n "$(netns_name bridge)" link add "$bridge_end" type veth peer name eth0 netns "$ns"
  ip -n "$(netns_name bridge)" link set "$bridge_end" master br0 up
  ip -n "$ns" addr add "$2/24" dev eth0
  ip -n "$ns" link set eth0 up
}

netns_hosts_up() {
  local count=$1 dir=$2 i
  trap netns_hosts_down EXIT
  netns_host_count=$count
  ip netns add "$(netns_name bridge)"
  ip -n "$(netns_name bridge)" link add br0 type bridge
  ip -n "$(netns_name bridge)" link set br0 up
  netns_join launcher 10.77.0.10
  for ((i = 1; i <= count; ++i)); do netns_join "node$i" "10.77.0.$((10 + i))"; done
  # mpirun starts its daemon on each host through this agent, as it would through ssh: the
  # address names the host, and the daemon runs in that host's namespace under its name.
  cat >"$dir/agent" <<EOF
#!/usr/bin/env bash
host=\$1
shift
node=node\$((\${host##*.} - 10))
exec ip netns exec "${netns_prefix}\$node" unshare --uts bash -c 'hostname "\$0" && exec bash -c "\$*"' "\$node" "\$@"
EOF
  chmod +x "$dir/agent"
}

netns_hostfile() {
  local dir=$1 slots=$2 i
  : >"$dir/hostfile"
  for ((i = 1; i <= netns_host_count; ++i)); do
    echo "10.77.0.$((10 + i)) slots=$slots" >>"$dir/hostfile"
  done
  echo "$dir/hostfile"
}

# TCP only between hosts, and keepalive settings from launch/ so that mpirun notices a lost
# host (launch/mpi_network.sh).
netns_mpirun() {
  local dir=$1 hostfile=$2
  shift 2
  # shellcheck source=launch/mpi_network.sh
  source launch/mpi_network.sh
  ip netns exec "$(netns_name launcher)" mpirun --allow-run-as-root --oversubscribe --quiet \
    --hostfile "$hostfile" --mca plm_rsh_agent "$dir/agent" "${mpi_network_flags[@]}" \
    --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 \
    --mca oob_tcp_if_include 10.77.0.0/24 --bind-to none \
    -x OMP_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1 "$@"
}

netns_cut() { ip -n "$(netns_name bridge)" link set "v$1" down; }
netns_restore() { ip -n "$(netns_name bridge)" link set "v$1" up; }
netns_pids() { ip netns pids "$(netns_name "$1")"; }
netns_bytes() {
  local ns
  ns=$(netns_name "$1")
  echo $(($(ip netns exec "$ns" cat /sys/class/net/eth0/statistics/tx_bytes) +
    $(ip netns exec "$ns" cat /sys/class/net/eth0/statistics/rx_bytes)))
}
