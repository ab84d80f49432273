# Sourced by the checks in this folder (not a check itself: .ci/run only runs *.sh).
# ensure_apt <command> <package>: installs the Debian package when the command is missing; runs
# `apt-get update` at most once per CI run. Debian's prometheus package may try to start a systemd
# service on install; without systemd that just does not happen, which is fine here.
ensure_apt() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  local marker="${TMPDIR:-/tmp}/hft-ci-apt-updated"
  if [ ! -f "$marker" ]; then
    echo "apt-get update"
    $sudo apt-get update -qq && touch "$marker" || return 1
  fi
  echo "apt-get install -y $pkg"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >/dev/null || return 1
  command -v "$cmd" >/dev/null 2>&1
}
