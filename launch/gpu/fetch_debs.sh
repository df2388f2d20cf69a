#!/usr/bin/env bash
# On the development machine (Debian 12, with its package mirror): downloads the Debian
# packages a GPU machine lacks to build and test moe-embed (MPI, HDF5, yaml-cpp, Boost's
# program_options, GoogleTest, nlohmann-json, utf8proc, pkg-config) with their libraries,
# into DIR (default .deb/, git-ignored). launch/gpu/check.sh unpacks them there into a
# private prefix; the device tool carries the folder (`carry: [".deb"]`).
#
#   launch/gpu/fetch_debs.sh [DIR]
#
# The dependency closure leaves out what every Debian or Ubuntu machine with a compiler has
# (the C library, libstdc++, the compiler, perl, python): Debian 12's copies on the library
# path would shadow the GPU machine's newer ones.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=${1:-.deb}

wanted=(
  libopenmpi-dev openmpi-bin    # MPI: headers, libraries, mpiexec
  libhdf5-dev                   # shards, checkpoints
  libyaml-cpp-dev               # configuration files
  libboost-program-options-dev  # command lines
  libgtest-dev                  # the test binaries
  nlohmann-json3-dev            # JSON
  libutf8proc-dev               # the tokenizer's Unicode tables
  pkgconf                       # CMake finds utf8proc through pkg-config
)
# Packages (exact names or shell patterns) assumed present on the GPU machine.
base_patterns=(
  'libc6' 'libc6-dev' 'libc-dev-bin' 'linux-libc-dev' 'libgcc-s1' 'libstdc++6' 'libstdc++-*-dev'
  'gcc' 'gcc-*' 'g++' 'g++-*' 'cpp' 'cpp-*' 'libgcc-*-dev' 'binutils*' 'libbinutils'
  'libctf*' 'libgprofng*' 'libsframe*' 'libjansson*' 'libisl*' 'libmpc*' 'libmpfr*' 'libgmp*'
  'libcc1-*' 'libasan*' 'liblsan*' 'libtsan*' 'libubsan*' 'libhwasan*' 'libitm*' 'libatomic*'
  'libquadmath*' 'libgomp*' 'libcrypt1' 'libcrypt-dev' 'libnsl*' 'libtirpc*' 'rpcsvc-proto'
  'perl' 'perl-*' 'libperl*' 'python3*' 'libpython3*' 'debconf*' 'dpkg*' 'tar' 'bash'
  'coreutils' 'debianutils' 'sensible-utils' 'init-system-helpers' 'lsb-base' 'sysvinit-utils'
  'zlib1g' 'libzstd1' 'liblzma5' 'libbz2-1.0' 'libselinux1' 'libpcre2-8-0' 'libaudit*'
  'libcap-ng0' 'libsystemd0' 'libudev1' 'libgcrypt20' 'libgpg-error0' 'liblz4-1' 'libcap2'
  'libssl3' 'openssl' 'ca-certificates' 'libtinfo6' 'libncursesw6' 'libreadline8' 'readline-common'
  'libdb5.3' 'libgdbm*' 'libexpat1' 'libffi8' 'libsqlite3-0' 'libuuid1' 'media-types' 'tzdata'
  'netbase' 'mailcap' 'libmd0' 'libacl1' 'libattr1' 'libseccomp2' 'login' 'passwd' 'adduser'
  'make' 'patch' 'xz-utils' 'bzip2' 'libsemanage*' 'libsepol2' 'libpam*' 'gfortran*'
  'libgfortran-*-dev' 'openssh-client' 'libx11*' 'libxcb*' 'libxau*' 'libxdmcp*' 'libxext*'
  'libedit2' 'libbsd0' 'libfido2*' 'libcbor*' 'libtinfo*' 'zlib1g-dev' 'libssl-dev'
)

is_base() {
  local name=$1 pattern
  for pattern in "${base_patterns[@]}"; do
    # shellcheck disable=SC2053  # the pattern is meant to glob
    [[ $name == $pattern ]] && return 0
  done
  return 1
}

# apt's own resolver on an empty package status: the packages an install on a bare machine
# would take (first choices of alternatives, no recommends), less the base above.
# (An empty archive cache too: apt lists only the packages it would have to download.)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/archives/partial"
: >"$scratch/status"
closure=$(apt-get -o Dir::State::status="$scratch/status" -o Dir::Cache::archives="$scratch/archives" \
  install --no-install-recommends --print-uris -qq "${wanted[@]}" | awk '{print $2}' |
  cut -d_ -f1 | sort -u)
selected=()
for name in $closure; do
  is_base "$name" || selected+=("$name")
done

mkdir -p "$dest"
echo "[fetch_debs] ${#selected[@]} packages into $dest/"
(cd "$dest" && apt-get download -q "${selected[@]}" >/dev/null)
du -sh "$dest"
