# shellcheck shell=bash
# Sourced by the launch scripts (not run): find_flopwall prints the flopwall
# binary to launch, the first found of $FLOPWALL_BIN, the repository's
# build/flopwall ($repo_dir, set by the sourcing script) and flopwall on
# PATH; none, or a FLOPWALL_BIN that is no executable: the sourcing script's
# usage_error (one line, exit 2).
find_flopwall() {
  if [[ -n ${FLOPWALL_BIN:-} ]]; then
    [[ -x $FLOPWALL_BIN ]] || usage_error "FLOPWALL_BIN '$FLOPWALL_BIN' is not an executable file"
    echo "$FLOPWALL_BIN"
  elif [[ -x $repo_dir/build/flopwall ]]; then
    echo "$repo_dir/build/flopwall"
  elif command -v flopwall >/dev/null; then
    command -v flopwall
  else
    usage_error "no flopwall binary: set FLOPWALL_BIN, build $repo_dir/build/flopwall (launch/build.sh), or put flopwall on PATH"
  fi
}
