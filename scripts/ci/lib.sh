# shellcheck shell=bash
# Shared helpers for the scripts in scripts/ci/ (sourced, never run).
#
# Why a shared file: every CI script installs its own Debian packages when they
# are missing, and all of them need the same care: wait for the apt/dpkg lock
# (other processes on the machine may be installing too), never prompt, never
# let a freshly installed package start its system service, and keep stdout
# clean because each script prints exactly one machine-readable line there.

# All human-readable output goes to stderr; stdout is reserved for the result.
ci_log() {
    printf '[%s] %s\n' "${CI_SCRIPT_NAME:-ci}" "$*" >&2
}

ci_die() {
    ci_log "ERROR: $*"
    exit 1
}

# Turn interrupts into a normal exit so EXIT traps (cleanup) always run.
trap 'exit 130' INT
trap 'exit 143' TERM

# Cache for downloaded/built sources that should survive between runs.
CI_CACHE_DIR="${HEARTH_CI_CACHE:-/var/cache/hearth-ci}"

ci_require_root() {
    if [ "$(id -u)" -ne 0 ]; then
        ci_die "$1 is missing and installing it needs root (apt-get); run as root or install it by hand"
    fi
}

# apt-get with the options every install here wants. The lock timeout makes
# concurrent installs (another test run, another engineer) wait instead of fail.
ci_apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get \
        -o DPkg::Lock::Timeout=900 \
        -o Acquire::Retries=3 \
        -o Dpkg::Options::=--force-confdef \
        -o Dpkg::Options::=--force-confold \
        "$@"
}

# apt-get update, retried once: mirrors occasionally answer mid-sync. Done at
# most once per script run unless a caller changes the sources (and then
# resets CI_APT_UPDATED to 0).
CI_APT_UPDATED=0
ci_apt_update() {
    if [ "$CI_APT_UPDATED" -eq 1 ]; then
        return 0
    fi
    ci_log "apt-get update"
    if ! ci_apt_get update -qq >&2; then
        sleep 5
        ci_apt_get update -qq >&2 || ci_die "apt-get update failed"
    fi
    CI_APT_UPDATED=1
}

# Install Debian packages without recommends, after an apt-get update, with
# service start-up suppressed: a package such as mpd or postgresql must not
# leave a system daemon running (or bound to its default port) on the machine.
ci_apt_install() {
    ci_require_root "packages $*"
    ci_apt_update
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
        # invoke-rc.d consults this hook; exit 101 means "action forbidden".
        printf '#!/bin/sh\n# temporary, written by hearth scripts/ci/lib.sh\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        created_policy=1
        # Do not leave it behind if the install is interrupted.
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    ci_log "apt-get install --no-install-recommends $*"
    # dpkg is chatty even with -qq; keep its output out of the test log unless
    # something goes wrong.
    local rc=0 out
    out="$(mktemp)"
    ci_apt_get install -y -qq --no-install-recommends "$@" >"$out" 2>&1 || rc=$?
    if [ "$created_policy" -eq 1 ]; then
        rm -f "$policy"
        trap - EXIT
    fi
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$out" >&2
        rm -f "$out"
        ci_die "apt-get install $* failed (exit $rc)"
    fi
    rm -f "$out"
}

# Print a TCP port on 127.0.0.1 that is free right now. The kernel picks it
# (bind to port 0), so it never collides with well-known ports such as 5432.
# There is an unavoidable window between picking and binding; callers retry.
ci_free_port() {
    local py
    for py in python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null 2>&1; then
            "$py" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' && return 0
        fi
    done
    # Fallback without python: probe random high ports until one refuses.
    local port _
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    ci_die "could not find a free TCP port"
}

# Refuse to delete a directory that this tooling did not create: stop commands
# take a path from the command line and must never remove anything else.
ci_remove_state_dir() {
    local dir="$1" marker="$2"
    if [ ! -e "$dir" ]; then
        return 0
    fi
    if [ ! -e "$dir/$marker" ]; then
        ci_die "refusing to remove $dir: it has no $marker marker, so it was not made by this script"
    fi
    rm -rf -- "$dir"
}

# Print those of the given Debian packages that are not installed.
ci_missing_pkgs() {
    local pkg status
    for pkg in "$@"; do
        status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
        if [ "$status" != "install ok installed" ]; then
            printf '%s\n' "$pkg"
        fi
    done
}

# Install those of the given packages that are missing (no apt call if none).
ci_ensure_pkgs() {
    local missing
    missing="$(ci_missing_pkgs "$@")"
    if [ -n "$missing" ]; then
        # shellcheck disable=SC2086 # one package name per word, by construction
        ci_apt_install $missing
    fi
}

# Serialise an install/build step across concurrent runs of these scripts.
# Usage: ci_lock NAME ... ci_unlock. Always unlock before starting a daemon:
# it would inherit fd 9 and hold the lock for its whole life.
ci_lock() {
    mkdir -p "$CI_CACHE_DIR"
    exec 9>"$CI_CACHE_DIR/$1.lock"
    if ! flock -w 1800 9; then
        ci_die "timed out waiting for lock $CI_CACHE_DIR/$1.lock"
    fi
}

ci_unlock() {
    flock -u 9 2>/dev/null || true
    exec 9>&-
}
