# Sourced by end-to-end scripts: expect_exit STATUS TEXT COMMAND... runs COMMAND and fails the
# script unless it exits with STATUS and its output (stdout and stderr) contains TEXT.
expect_exit() {
  local want=$1 text=$2 out
  shift 2
  out=$(mktemp)
  set +e
  "$@" > "$out" 2>&1
  local status=$?
  set -e
  if [[ $status != "$want" ]]; then
    echo "expected exit $want, got $status: $*" >&2
    cat "$out" >&2
    rm -f "$out"
    return 1
  fi
  if ! grep -qF -- "$text" "$out"; then
    echo "missing '$text' in the output of: $*" >&2
    cat "$out" >&2
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}
