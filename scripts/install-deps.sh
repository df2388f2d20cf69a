#!/usr/bin/env bash
# Installs the Debian 12 packages moe-embed builds, tests and runs with. Idempotent:
# packages already present are skipped by apt, and the BLAS choice is re-asserted.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libtorch-dev                      # LibTorch 1.13 (CPU) and its headers
  libopenblas0-pthread              # fast multi-threaded BLAS behind LibTorch's matmuls
  libdnnl-dev                       # oneDNN: the encoder's CPU matrix products
  libopenmpi-dev openmpi-bin        # MPI runtime and mpiexec
  libhdf5-dev hdf5-tools            # shards and checkpoints; h5ls/h5dump for users
  libyaml-cpp-dev                   # configuration files
  libboost-program-options-dev      # command lines
  libgtest-dev googletest           # unit and multi-rank tests
  python3                           # end-to-end tests read JSON results
  python3-numpy                     # independent NumPy reference for exported models (tests)
  python3-h5py                      # tests read embedding files the way users do
  nlohmann-json3-dev                # JSON (manifests, metrics, tokenizer I/O)
  libutf8proc-dev                   # Unicode normalisation and categories for the tokenizer
  libfaiss-dev                      # vector search: moe_index's exact, HNSW and IVF indexes
  gnuplot-nox                       # moe_report's plots (SVG/PNG; no X11)
  slurm-wlm munge                   # slurm/*.sbatch; tests/e2e/slurm_*.sh run a private cluster
  clang libclang-rt-14-dev          # libFuzzer and its sanitizers (tests/fuzz)
  iproute2 procps                   # namespace hosts of the multi-host tests (ip netns)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)

# Package scripts (slurm, munge) start system services; the tests run their own daemons,
# so a policy-rc.d that says "no" (101) stands during the install, unless one already does.
policy=/usr/sbin/policy-rc.d
own_policy=false
remove_policy() { if $own_policy; then "${sudo_cmd[@]}" rm -f "$policy"; fi; }

if ((${#missing[@]})); then
  echo "[install-deps] installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
    own_policy=true
    trap remove_policy EXIT
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  remove_policy
  trap - EXIT
else
  echo "[install-deps] all packages present"
fi

# LibTorch calls the BLAS that Debian's alternatives select; the reference BLAS is
# single-threaded and ~20x slower, so point the alternative at OpenBLAS.
openblas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
if [[ -e $openblas ]]; then
  "${sudo_cmd[@]}" update-alternatives --set libblas.so.3-x86_64-linux-gnu "$openblas" >/dev/null
  lapack=/usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3
  [[ -e $lapack ]] && "${sudo_cmd[@]}" update-alternatives --set liblapack.so.3-x86_64-linux-gnu "$lapack" >/dev/null
fi
