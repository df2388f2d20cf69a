#!/usr/bin/env bash
# The GPU checks in one run, for a bare GPU machine without network (docs/GPU.md): prints
# what the machine has, builds moe-embed with CUDA and NCCL against the installed PyTorch's
# LibTorch, runs the GPU tests, makes the Hugging Face parity fixture, runs the speed
# comparison with sentence-transformers, and writes OUT/report.md. Meant to finish in under
# 8 minutes on 16 cores; each step has its own time limit, and a failed step is reported
# without stopping the steps that do not need it.
#
#   launch/gpu/check.sh [--debs DIR] [--out DIR] [--skip-bench] [--no-cuda] [--limit-scale N]
#
# --debs: the Debian packages from launch/gpu/fetch_debs.sh (default .deb), unpacked into a
# private prefix (nothing is installed system-wide). --out: where the report, logs and the
# fixture archive go (default $OUT, else gpu-check/). --no-cuda: a rehearsal on a machine
# without a GPU (the development machine): the same prefix and configure, CUDA off.
# --limit-scale: every step's time limit times N (a rehearsal on 2 cores builds for longer).
# Each step runs as this script again with --step FUNCTION, under its own time limit.
set -uo pipefail
script=$(realpath "$0")
cd "$(dirname "$script")/../.." || exit 2
repo=$PWD
arguments=("$@")
debs=.deb
out=${OUT:-$repo/gpu-check}
bench=true
cuda=ON
only=""
limit_scale=1
while (($#)); do
  case $1 in
    --debs) debs=$(realpath "$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --skip-bench) bench=false; shift ;;
    --no-cuda) cuda=OFF; bench=false; shift ;;
    --limit-scale) limit_scale=$2; shift 2 ;;
    --step) only=$2; shift 2 ;;
    *) echo "check.sh: unknown argument $1 (see the header of $script)" >&2; exit 2 ;;
  esac
done
log=$out/check.log

# --- The environment every step shares ---------------------------------------------------------
prefix=/tmp/moe-deps
usr=$prefix/usr
arch=x86_64-linux-gnu
ompi=$usr/lib/$arch/openmpi
export OPAL_PREFIX=$usr          # relocated OpenMPI finds its components, help and wrappers
export LD_LIBRARY_PATH=$usr/lib/$arch:$ompi/lib:$usr/lib/$arch/hdf5/serial${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export PKG_CONFIG_PATH=$usr/lib/$arch/pkgconfig:$usr/share/pkgconfig
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# One host: mpiexec starts no remote daemon, but refuses to run without an ssh it can name.
export OMPI_MCA_plm_rsh_agent=false
# Shared memory and TCP only: the fabric components (UCX, OFI, PSM) need libraries that
# Debian's alternatives link and dpkg -x leaves out; PMIx's missing help file only warns.
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader,tcp OMPI_MCA_mtl=^ofi,psm,psm2
export PMIX_MCA_pcompress_base_silence_warning=1
build=$repo/build-gpu
fixture=$repo/tests/fixtures/hf_parity
shape=(--hidden 768 --layers 12 --heads 12 --intermediate 3072 --vocab 30522 --seq 256
  --batch 64 --steps 20 --warmup-steps 5 --seed 0 --dropout 0.1)
peak=989  # H100 SXM dense bf16 TFLOP/s (the H200 is the same chip)

# NCCL: CUDA's own, or the nvidia-nccl wheel PyTorch brings.
find_nccl() {
  local dir wheel
  wheel=$(python3 -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__ or nvidia.nccl.__path__[0]))' 2>/dev/null)
  for dir in /usr/local/cuda /usr/local/cuda/targets/x86_64-linux /usr "$wheel"; do
    [[ -n $dir && -e $dir/include/nccl.h ]] || continue
    nccl_include=$dir/include
    nccl_library=$(find "$dir/lib" "$dir/lib64" "$dir/lib/$arch" -maxdepth 1 -name 'libnccl.so*' \
      2>/dev/null | sort | head -1)
    [[ -n $nccl_library ]] && return 0
  done
  return 1
}

# --- Steps ---------------------------------------------------------------------------------------
inventory() {
  echo "host: $(uname -srm), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  else
    echo "nvidia-smi: (missing)"
  fi
  if command -v nvcc >/dev/null; then nvcc --version | tail -1; else echo "nvcc: (missing)"; fi
  for tool in cmake ninja g++ python3 pkg-config mpiexec h5cc dpkg; do
    printf '%-10s %s\n' "$tool" "$(command -v "$tool" || echo '(missing)')"
  done
  python3 - <<'EOF'
import importlib
for name in ("torch", "transformers", "sentence_transformers", "safetensors", "numpy", "h5py"):
    try:
        module = importlib.import_module(name)
        print(f"{name:22s} {getattr(module, '__version__', '?')}")
    except Exception as e:  # a missing piece is reported, not fatal here
        print(f"{name:22s} (missing: {e})")
import torch
print("torch cuda", torch.version.cuda, "available", torch.cuda.is_available(),
      "cxx11 abi", torch._C._GLIBCXX_USE_CXX11_ABI)
print("torch cmake prefix", torch.utils.cmake_prefix_path)
EOF
  for lib in libmpi.so libhdf5.so libyaml-cpp.so libboost_program_options.so libutf8proc.so \
    libnccl.so; do
    printf '%-30s %s\n' "$lib" "$(ldconfig -p | grep -m1 "$lib" | awk '{print $NF}')"
  done
  if find_nccl; then echo "NCCL: $nccl_include, $nccl_library"; else echo "NCCL: (not found)"; fi
  echo "carried .deb files in $debs: $(find "$debs" -maxdepth 1 -name '*.deb' 2>/dev/null | wc -l)"
}

unpack() {
  rm -rf "$prefix" && mkdir -p "$prefix" || return 1
  local f
  for f in "$debs"/*.deb; do dpkg -x "$f" "$prefix" || return 1; done
  # Debian's alternatives (libmpi.so, mpiexec) are made by maintainer scripts, which dpkg -x
  # does not run: the real files are used instead.
  test -e "$ompi/lib/libmpi.so" && test -x "$usr/bin/orterun"
}

configure() {
  local torch_prefix nccl_flags=()
  torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') || return 1
  if [[ $cuda == ON ]]; then
    find_nccl || { echo "no nccl.h with libnccl.so* found" >&2; return 1; }
    nccl_flags=(-DNCCL_INCLUDE_DIR="$nccl_include" -DNCCL_LIBRARY="$nccl_library")
  fi
  # MPI and HDF5 by path: their compiler wrappers carry Debian's absolute paths.
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOE_WITH_CUDA="$cuda" \
    -DMOE_WITH_ONEDNN=OFF -DCMAKE_PREFIX_PATH="$torch_prefix;$usr" \
    -DCMAKE_CXX_FLAGS="-isystem $usr/include" \
    -DCMAKE_INCLUDE_PATH="$usr/include/hdf5/serial" \
    -DCMAKE_LIBRARY_PATH="$usr/lib/$arch/hdf5/serial;$usr/lib/$arch" \
    -DHDF5_C_COMPILER_EXECUTABLE=/nonexistent \
    -DMPI_SKIP_COMPILER_WRAPPER=ON -DMPI_CXX_SKIP_MPICXX=ON \
    -DMPI_CXX_ADDITIONAL_INCLUDE_DIRS="$ompi/include" \
    -DMPI_CXX_LIB_NAMES=mpi -DMPI_mpi_LIBRARY="$ompi/lib/libmpi.so" \
    -DMPIEXEC_EXECUTABLE="$usr/bin/orterun" -DPKG_CONFIG_EXECUTABLE="$usr/bin/pkgconf" \
    "${nccl_flags[@]}"
}

compile() {
  local targets=(train_tests moe_bench)
  [[ $cuda == ON ]] && targets+=(gpu_tests)
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
}

gpu_tests() { ctest --test-dir "$build" -R '^gpu_tests\.np1$' --output-on-failure; }

make_fixture() {
  rm -rf "$fixture" && python3 tests/python/make_hf_parity_fixture.py "$fixture" &&
    tar -C "$repo/tests/fixtures" -cf "$out/hf_parity.tar" hf_parity
}

parity() { "$build/bin/train_tests" --gtest_filter='HfParity.*'; }

# The CPU side needs no GPU: it is also the rehearsal's check that the prefix's libraries run.
cpu_unit_tests() { "$build/bin/train_tests" --gtest_brief=1; }

# The relocated MPI runtime: 2 CPU ranks of a tiny moe_bench under the prefix's mpiexec.
mpi_launch() {
  "$usr/bin/orterun" --oversubscribe -np 2 "$build/bin/moe_bench" --hidden 32 --layers 2 \
    --heads 4 --intermediate 64 --vocab 500 --seq 16 --batch 8 --experts 2 --steps 2 \
    --warmup-steps 1 --threads 1
}

bench_moe() {
  "$build/bin/moe_bench" "${shape[@]}" --device cuda --precision bf16 --attention fused \
    --threads 4 --peak-tflops "$peak"
}

bench_st() {
  python3 bench/python/st_train_step.py "${shape[@]}" --device cuda --precision bf16 \
    --peak-tflops "$peak"
}

if [[ -n $only ]]; then
  "$only"
  exit
fi

# --- The run ---------------------------------------------------------------------------------
mkdir -p "$out"
: >"$log"
start_all=$(date +%s)
results=()
say() { echo "[check] $*" | tee -a "$log"; }

# step TITLE LIMIT_SECONDS FUNCTION: runs it (this script with --step) with its output in the
# log, and records the result.
step() {
  local title=$1 limit=$(($2 * limit_scale)) t0 status took
  say "== $title (limit ${limit}s)"
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" bash "$script" "${arguments[@]}" --step "$3" >>"$log" 2>&1
  status=$?
  took=$(($(date +%s) - t0))
  case $status in
    0) results+=("| $title | ok | ${took}s |") ;;
    77) results+=("| $title | skipped (exit 77) | ${took}s |") ;;
    124 | 137) results+=("| $title | TIMED OUT after ${limit}s | ${took}s |") ;;
    *) results+=("| $title | FAILED (exit $status) | ${took}s |") ;;
  esac
  say "-- $title: exit $status in ${took}s"
  return "$status"
}

say "inventory"
inventory 2>&1 | tee -a "$log"
step "unpack .deb packages" 60 unpack
if step "configure (CUDA $cuda)" 120 configure && step "build" 300 compile; then
  step "CPU unit tests (train layer, on the prefix's libraries)" 120 cpu_unit_tests
  step "MPI launch (2 CPU ranks, the prefix's mpiexec)" 60 mpi_launch
  [[ $cuda == ON ]] && step "GPU tests (1 rank)" 120 gpu_tests
fi
step "HF parity fixture (transformers, sentence-transformers)" 120 make_fixture &&
  [[ -x $build/bin/train_tests ]] && step "C++ side against the fixture" 60 parity
if $bench && [[ -x $build/bin/moe_bench ]]; then
  step "moe_bench, BERT-base bf16" 180 bench_moe
  step "sentence-transformers, BERT-base bf16" 180 bench_st
fi

{
  echo "# GPU check, $(date -u +%Y-%m-%dT%H:%MZ), $(($(date +%s) - start_all)) s"
  echo
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name --format=csv,noheader | sed 's/^/GPU: /'
  echo
  echo "| step | result | time |"
  echo "|---|---|---|"
  printf '%s\n' "${results[@]}"
  echo
  echo "Throughput (each benchmark's line; model FLOPs from stderr):"
  echo '```'
  grep -E '^(samples_per_s=|\[moe_bench\] model FLOPs|\[st_train_step\])' "$log"
  echo '```'
  echo
  echo "Test summaries:"
  echo '```'
  grep -E '(tests passed|PASSED|FAILED|SKIPPED)' "$log" | tail -20
  echo '```'
} >"$out/report.md"
cat "$out/report.md"
