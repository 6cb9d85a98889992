#!/usr/bin/env bash
# Throwaway PostgreSQL 15 + pgvector server for Hearth's tests.
#
#   postgres.sh start <state-dir>   install if missing, start a private cluster,
#                                   print ONE line: postgres://postgres@127.0.0.1:<port>/hearth_test
#   postgres.sh stop  <state-dir>   stop that cluster and delete <state-dir>
#
# Installs (when missing) Debian bookworm's postgresql-15 and builds pgvector
# from Debian's own trixie source package (bookworm ships no pgvector binary),
# keeping the source in $HEARTH_CI_CACHE (default /var/cache/hearth-ci).
# The cluster lives entirely in <state-dir>: listens on 127.0.0.1 at a free
# port (never 5432), unix socket in <state-dir>, trust auth, fsync off; it is
# run as the `postgres` system user when invoked as root (initdb refuses root).
# The Debian "main" cluster is never created, started or used. All progress
# output goes to stderr.
set -euo pipefail

CI_SCRIPT_NAME="postgres.sh"
# shellcheck source=scripts/ci/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

PG_MAJOR=15
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_CONFIG="$PG_BIN/pg_config"
VECTOR_CONTROL="/usr/share/postgresql/$PG_MAJOR/extension/vector.control"
VECTOR_SO="/usr/lib/postgresql/$PG_MAJOR/lib/vector.so"
TRIXIE_SRC_LIST=/etc/apt/sources.list.d/hearth-ci-trixie-src.sources
MARKER=.hearth-ci-postgres
DB_NAME=hearth_test

usage() {
    printf 'usage: %s start <state-dir> | stop <state-dir>\n' "$0" >&2
    exit 2
}

install_server() {
    if [ -x "$PG_BIN/postgres" ] && [ -x "$PG_CONFIG" ] && [ -x "$PG_BIN/psql" ]; then
        return 0
    fi
    ci_require_root "PostgreSQL $PG_MAJOR"
    ci_lock postgres-install
    if [ ! -x "$PG_BIN/postgres" ] || [ ! -x "$PG_CONFIG" ] || [ ! -x "$PG_BIN/psql" ]; then
        # Tell postgresql-common not to create (and so not to start) the
        # default "main" cluster on port 5432 when it is first installed.
        mkdir -p /etc/postgresql-common/createcluster.d
        printf '# written by hearth scripts/ci/postgres.sh: tests use private clusters\ncreate_main_cluster = false\n' \
            >/etc/postgresql-common/createcluster.d/hearth-ci.conf
        local t0=$SECONDS
        ci_apt_install "postgresql-$PG_MAJOR" "postgresql-client-$PG_MAJOR"
        ci_log "PostgreSQL $PG_MAJOR installed in $((SECONDS - t0)) s"
    fi
    ci_unlock
}

# Debian's pgvector source package lives in trixie (and later) only. A deb-src
# entry affects `apt-get source` alone; no binary package can come from it.
ensure_trixie_source_list() {
    if [ -f "$TRIXIE_SRC_LIST" ]; then
        return 0
    fi
    ci_log "adding trixie deb-src entry (source packages only) in $TRIXIE_SRC_LIST"
    CI_APT_UPDATED=0
    cat >"$TRIXIE_SRC_LIST" <<'EOF'
# Written by hearth scripts/ci/postgres.sh to build pgvector from Debian's
# source package. deb-src ONLY: never add a binary (deb) trixie entry here.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

install_pgvector() {
    if [ -f "$VECTOR_CONTROL" ] && [ -f "$VECTOR_SO" ]; then
        return 0
    fi
    ci_require_root "pgvector"
    ci_lock pgvector-build
    if [ -f "$VECTOR_CONTROL" ] && [ -f "$VECTOR_SO" ]; then
        ci_unlock
        return 0
    fi
    local t0=$SECONDS
    local build_root="$CI_CACHE_DIR/pgvector"
    mkdir -p "$build_root"
    local src
    src="$(find "$build_root" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | sort -V | tail -n 1)"
    local need_source=0
    if [ -z "$src" ] || [ ! -f "$src/Makefile" ] || [ ! -f "$src/vector.control" ]; then
        need_source=1
        # Before the install below, so that its one apt-get update covers it.
        ensure_trixie_source_list
    fi
    ci_ensure_pkgs "postgresql-server-dev-$PG_MAJOR" dpkg-dev make gcc

    if [ "$need_source" -eq 1 ]; then
        ci_apt_update
        # Start from a clean directory: a half-finished earlier download must
        # not be mistaken for a source tree.
        find "$build_root" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
        # apt downloads as the unprivileged _apt user when it can write here.
        if id _apt >/dev/null 2>&1; then
            chown _apt "$build_root"
        fi
        ci_log "apt-get source pgvector (Debian trixie) into $build_root"
        (cd "$build_root" && ci_apt_get source -qq pgvector >&2) ||
            ci_die "apt-get source pgvector failed"
        src="$(find "$build_root" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | sort -V | tail -n 1)"
        { [ -n "$src" ] && [ -f "$src/Makefile" ]; } || ci_die "no pgvector source tree in $build_root after apt-get source"
    else
        ci_log "reusing cached pgvector source $src"
    fi
    ci_log "building $(basename -- "$src") for PostgreSQL $PG_MAJOR"
    local build_log="$CI_CACHE_DIR/pgvector-build.log"
    if ! { make -C "$src" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" &&
        make -C "$src" install PG_CONFIG="$PG_CONFIG"; } >"$build_log" 2>&1; then
        tail -n 40 "$build_log" >&2
        ci_die "pgvector build/install failed (full log: $build_log)"
    fi
    { [ -f "$VECTOR_CONTROL" ] && [ -f "$VECTOR_SO" ]; } || ci_die "pgvector installed but $VECTOR_CONTROL or $VECTOR_SO is missing"
    ci_log "pgvector built and installed in $((SECONDS - t0)) s"
    ci_unlock
}

# Run a PostgreSQL program as the cluster owner: `postgres` when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

psql_at() {
    local port="$1" db="$2"
    shift 2
    "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

start_cluster() {
    local state="$1"
    [ -e "$state/$MARKER" ] && ci_die "$state already holds a cluster; stop it first"
    mkdir -p -- "$state"
    state="$(cd -- "$state" && pwd -P)"
    touch "$state/$MARKER"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$state"
        runuser -u postgres -- test -w "$state" ||
            ci_die "user postgres cannot write $state (is a parent directory private to root?)"
    fi
    # Programs run as `postgres` must not start in a directory they cannot read.
    cd -- "$state"

    as_owner "$PG_BIN/initdb" -D "$state/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$state/initdb.log" 2>&1 ||
        { cat "$state/initdb.log" >&2; ci_die "initdb failed"; }

    # Unix socket paths are limited to 107 bytes; skip the socket rather than
    # fail when <state-dir> is deep. Everything here connects over TCP anyway.
    local sockdir="$state"
    if [ "${#state}" -gt 80 ]; then
        sockdir=""
    fi
    cat >>"$state/data/postgresql.conf" <<EOF

# --- hearth scripts/ci/postgres.sh: throwaway test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockdir'
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF

    local attempt port=""
    for attempt in 1 2 3; do
        port="$(ci_free_port)"
        if as_owner "$PG_BIN/pg_ctl" -D "$state/data" -l "$state/postgres.log" -w -t 60 \
            -o "-p $port" start >&2; then
            break
        fi
        port=""
        ci_log "start attempt $attempt failed; log tail:"
        tail -n 5 "$state/postgres.log" >&2 || true
    done
    [ -n "$port" ] || ci_die "PostgreSQL did not start (see $state/postgres.log)"
    printf '%s\n' "$port" >"$state/port"

    psql_at "$port" postgres -c "CREATE DATABASE $DB_NAME" ||
        ci_die "CREATE DATABASE $DB_NAME failed"
    # Prove pgvector loads, then drop it again so the test database is exactly
    # what a fresh deployment gets: migrations must create the extension.
    local ver
    ver="$(psql_at "$port" "$DB_NAME" -c 'CREATE EXTENSION vector' \
        -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'" \
        -c 'DROP EXTENSION vector')" || ci_die "CREATE EXTENSION vector failed"
    ci_log "PostgreSQL $PG_MAJOR on 127.0.0.1:$port (data $state/data), pgvector $ver works"

    local url="postgres://postgres@127.0.0.1:$port/$DB_NAME"
    printf '%s\n' "$url" >"$state/url"
    printf '%s\n' "$url"
}

stop_cluster() {
    local state="$1"
    if [ ! -e "$state" ]; then
        ci_log "$state does not exist; nothing to stop"
        return 0
    fi
    [ -e "$state/$MARKER" ] || ci_die "$state was not made by this script (no $MARKER)"
    state="$(cd -- "$state" && pwd -P)"
    if [ -f "$state/data/postmaster.pid" ]; then
        cd -- "$state"
        if ! as_owner "$PG_BIN/pg_ctl" -D "$state/data" -m fast -w -t 60 stop >&2; then
            local pid
            pid="$(head -n 1 "$state/data/postmaster.pid" 2>/dev/null || true)"
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                ci_log "pg_ctl stop failed; killing postmaster $pid"
                kill -9 "$pid" 2>/dev/null || true
            fi
        fi
        cd /
    fi
    ci_remove_state_dir "$state" "$MARKER"
}

[ $# -eq 2 ] || usage
case "$1" in
    start)
        install_server
        install_pgvector
        start_cluster "$2"
        ;;
    stop)
        stop_cluster "$2"
        ;;
    *) usage ;;
esac
