# Sourced by the checks in this folder (not a check itself: .ci/run only runs *.sh).
# ensure_apt <command> <package>: installs the Debian package when the command is missing (and does
# nothing when it is there); runs `apt-get update` at most once per CI run. Another install holding
# the dpkg lock is waited for (up to 10 minutes), not treated as a failure. Debian's prometheus
# package may try to start a systemd service on install; without systemd that just does not happen.
APT_LOCK_WAIT_S=${APT_LOCK_WAIT_S:-600}
# Process names (pgrep -x pattern) that mean "another install holds the lock". Settable so a test can
# stand up its own holder without a real install elsewhere on the machine changing its outcome.
APT_LOCK_HOLDERS=${APT_LOCK_HOLDERS:-'apt-get|apt|dpkg|unattended-upgr'}

# apt_get <args...>: apt-get that waits for the dpkg lock; `update` (whose lists lock the option does
# not cover) is retried while another apt holds it.
apt_get() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  local tries=$((APT_LOCK_WAIT_S / 5))
  for ((i = 0; i <= tries; i++)); do
    if DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT_S" "$@"; then
      return 0
    fi
    # retry only while some other apt/dpkg process holds a lock; any other failure is final
    pgrep -x "$APT_LOCK_HOLDERS" >/dev/null 2>&1 || return 1
    echo "apt-get $1: another package install is running; waiting for it"
    sleep 5
  done
  return 1
}

ensure_apt() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 && return 0
  local marker="${TMPDIR:-/tmp}/hft-ci-apt-updated"
  if [ ! -f "$marker" ]; then
    echo "apt-get update"
    apt_get update -qq && touch "$marker" || return 1
  fi
  echo "apt-get install -y $pkg"
  apt_get install -y -qq "$pkg" >/dev/null || return 1
  command -v "$cmd" >/dev/null 2>&1
}
