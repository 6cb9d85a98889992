#!/usr/bin/env bash
# Throwaway MPD (Music Player Daemon) server for Hearth's tests.
#
#   mpd.sh start <state-dir> <music-dir>   install mpd if missing, start a private
#                                          instance, print ONE line: mpd://127.0.0.1:<port>
#   mpd.sh stop <state-dir>                stop that instance and delete <state-dir>
#   mpd.sh install                         only install mpd if missing; print ONE
#                                          line: the mpd binary path
#
# The instance listens on 127.0.0.1 at a free port, plays to a "null" output
# (no sound card needed), has no zeroconf, and keeps its database, state, log
# and pid files in <state-dir>. The Debian package's own system service is
# never started (installs run with service start-up forbidden) nor used.
# All progress output goes to stderr.
set -euo pipefail

CI_SCRIPT_NAME="mpd.sh"
# shellcheck source=scripts/ci/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

MPD_BIN=/usr/bin/mpd
MARKER=.hearth-ci-mpd

usage() {
    printf 'usage: %s start <state-dir> <music-dir> | stop <state-dir> | install\n' "$0" >&2
    exit 2
}

install_mpd() {
    if [ -x "$MPD_BIN" ]; then
        return 0
    fi
    ci_require_root "mpd"
    ci_lock mpd-install
    if [ ! -x "$MPD_BIN" ]; then
        local t0=$SECONDS
        ci_apt_install mpd
        ci_log "mpd installed in $((SECONDS - t0)) s"
        # Belt and braces for machines whose init ignores policy-rc.d: if the
        # package's system daemon did come up, stop it; tests never use it.
        if [ -f /run/mpd/pid ]; then
            local syspid
            syspid="$(cat /run/mpd/pid 2>/dev/null || true)"
            if [ -n "$syspid" ] && kill -0 "$syspid" 2>/dev/null; then
                ci_log "stopping the system mpd service started by the package (pid $syspid)"
                kill "$syspid" 2>/dev/null || true
            fi
        fi
    fi
    ci_unlock
}

# Succeeds once the server at 127.0.0.1:$1 greets with "OK MPD". Runs in a
# subshell so a refused connection cannot end the calling script.
mpd_answers() (
    port="$1" greeting=""
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    IFS= read -r -t 2 greeting <&3 || true
    printf 'close\n' >&3 2>/dev/null || true
    exec 3>&- 3<&-
    [[ "$greeting" == "OK MPD "* ]]
)

start_mpd() {
    local state="$1" music="$2"
    [ -d "$music" ] || ci_die "music directory $music does not exist"
    music="$(cd -- "$music" && pwd -P)"
    [ -e "$state/$MARKER" ] && ci_die "$state already holds an mpd instance; stop it first"
    mkdir -p -- "$state"
    state="$(cd -- "$state" && pwd -P)"
    touch "$state/$MARKER"
    mkdir -p "$state/playlists"

    local attempt port=""
    for attempt in 1 2 3; do
        port="$(ci_free_port)"
        # mpd's config syntax quotes values with "..."; refuse paths that
        # would need escaping rather than write a broken config.
        case "$music$state" in *'"'* | *\\*) ci_die "paths with quotes or backslashes are not supported" ;; esac
        cat >"$state/mpd.conf" <<EOF
# Written by hearth scripts/ci/mpd.sh: private test instance.
music_directory     "$music"
playlist_directory  "$state/playlists"
db_file             "$state/database"
state_file          "$state/state"
sticker_file        "$state/sticker.sql"
log_file            "$state/mpd.log"
pid_file            "$state/mpd.pid"
bind_to_address     "127.0.0.1"
port                "$port"
log_level           "default"
auto_update         "no"
zeroconf_enabled    "no"
restore_paused      "yes"
filesystem_charset  "UTF-8"
audio_output {
    type    "null"
    name    "null"
}
EOF
        rm -f "$state/mpd.pid"
        # mpd daemonises by default and writes pid_file; started from / so it
        # holds no reference to the caller's working directory.
        if (cd / && "$MPD_BIN" "$state/mpd.conf") >>"$state/mpd.stderr" 2>&1; then
            local _
            for _ in $(seq 1 100); do
                if mpd_answers "$port" 2>/dev/null; then
                    break 2
                fi
                sleep 0.1
            done
        fi
        ci_log "mpd start attempt $attempt failed; log tail:"
        tail -n 5 "$state/mpd.log" "$state/mpd.stderr" >&2 2>/dev/null || true
        stop_process "$state"
        port=""
    done
    [ -n "$port" ] || ci_die "mpd did not start (see $state/mpd.log)"
    printf '%s\n' "$port" >"$state/port"
    ci_log "mpd $("$MPD_BIN" --version 2>/dev/null | head -n 1 | sed 's/^Music Player Daemon //') on 127.0.0.1:$port, music $music"
    printf 'mpd://127.0.0.1:%s\n' "$port"
}

# Stop the daemon recorded in <state-dir>/mpd.pid, waiting up to 10 s.
stop_process() {
    local state="$1" pid=""
    pid="$(cat "$state/mpd.pid" 2>/dev/null || true)"
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    local _
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    ci_log "mpd $pid ignored SIGTERM; killing it"
    kill -9 "$pid" 2>/dev/null || true
}

stop_mpd() {
    local state="$1"
    if [ ! -e "$state" ]; then
        ci_log "$state does not exist; nothing to stop"
        return 0
    fi
    [ -e "$state/$MARKER" ] || ci_die "$state was not made by this script (no $MARKER)"
    stop_process "$state"
    ci_remove_state_dir "$state" "$MARKER"
}

case "${1:-}" in
    start)
        [ $# -eq 3 ] || usage
        install_mpd
        start_mpd "$2" "$3"
        ;;
    stop)
        [ $# -eq 2 ] || usage
        stop_mpd "$2"
        ;;
    install)
        [ $# -eq 1 ] || usage
        install_mpd
        printf '%s\n' "$MPD_BIN"
        ;;
    *) usage ;;
esac
