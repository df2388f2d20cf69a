# shellcheck shell=bash
# Sourced by the launchers (launch/run_local.sh, slurm/job_start.sh, the multi-host tests):
# OpenMPI settings that make mpirun notice a host it can no longer reach. With OpenMPI's
# defaults a cut link goes unnoticed for minutes (TCP keepalive starts after 300 s idle, and
# the TCP transport between ranks has none of its own); with these, mpirun's connection to a
# lost host's daemon fails about 20 s after the cut (5 s idle, then 5 probes 3 s apart).
# moe_train's own heartbeat (dist.heartbeat_timeout_s, default 10 s) is quicker and names the
# ranks not heard from; this is the launcher's backstop, and cuts shorter than ~10 s are
# ridden out by both (docs/MULTINODE.md).
#   mpi_network_flags: mpirun options;   mpi_network_export: the same as OMPI_MCA_ variables
mpi_network_settings=(oob_tcp_keepalive_time=5 oob_tcp_keepalive_intvl=3 oob_tcp_keepalive_probes=5)
mpi_network_flags=()
for setting in "${mpi_network_settings[@]}"; do
  mpi_network_flags+=(--mca "${setting%%=*}" "${setting#*=}")
done
unset setting

mpi_network_export() {
  local setting
  for setting in "${mpi_network_settings[@]}"; do
    # A value the user set already wins.
    local name="OMPI_MCA_${setting%%=*}"
    [[ -n ${!name:-} ]] || export "$name=${setting#*=}"
  done
}
