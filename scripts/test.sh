#!/usr/bin/env bash
# Run Hearth's whole test suite: the ONE command for developers and CI.
#
#   bash scripts/test.sh
#
# Steps: cargo fmt --check; cargo clippy -D warnings; bring up the test
# services (throwaway PostgreSQL 15 + pgvector, mpd, Chromium, a venv with
# liblistenbrainz, a package of real music files), installing them from
# Debian/PyPI when missing; then doc tests, then the test suite (cargo nextest
# when installed, else cargo test), whose summary is the last thing printed.
# Everything started here is stopped again on exit or interrupt.
#
# Environment:
#   HEARTH_TEST_SKIP_SYSTEM=1   skip the services (quick local run); the tests
#                               that need them print that they skipped.
#   HEARTH_TEST_PG_URL, HEARTH_TEST_LB_PYTHON, HEARTH_TEST_CHROMIUM,
#   HEARTH_TEST_CHROMEDRIVER, HEARTH_TEST_MUSIC_DIR: when already set, used
#                               as given instead of being provisioned here.
#   HEARTH_SHARED_DATA          test data (default: ../shared/data beside the checkout)
#   HEARTH_CI_CACHE             cache for pgvector sources and the venv
#                               (default /var/cache/hearth-ci)
#   CARGO_TARGET_DIR            honoured as usual.
#
# Exported to the tests (absent when skipped):
#   HEARTH_TEST_PG_URL          postgres://postgres@127.0.0.1:<port>/hearth_test
#                               (superuser: tests may CREATE DATABASE freely)
#   HEARTH_TEST_MPD_SCRIPT      absolute path of scripts/ci/mpd.sh: a test runs
#                               `start <state-dir> <music-dir>` (prints mpd://127.0.0.1:<port>)
#                               and `stop <state-dir>` itself
#   HEARTH_TEST_MPD_BIN         the mpd binary
#   HEARTH_TEST_LB_PYTHON       python with liblistenbrainz importable
#   HEARTH_TEST_CHROMIUM, HEARTH_TEST_CHROMEDRIVER
#   HEARTH_TEST_MUSIC_DIR       directory of real .ogg music files
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
CI_DIR="$ROOT/scripts/ci"
START_S=$SECONDS

section() {
    printf '\n==== %s  [t+%ss] ====\n' "$*" "$((SECONDS - START_S))"
}

if [ -z "${HEARTH_CI_CACHE:-}" ]; then
    if [ -w /var/cache ]; then
        HEARTH_CI_CACHE=/var/cache/hearth-ci
    else
        HEARTH_CI_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/hearth-ci"
    fi
fi
export HEARTH_CI_CACHE

# --- cleanup of everything this script started --------------------------------
PG_STATE=""
# shellcheck disable=SC2317 # invoked through the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$PG_STATE" ]; then
        local out
        # Quiet on success: the test runner's summary must stay the last output.
        if ! out="$(bash "$CI_DIR/postgres.sh" stop "$PG_STATE" 2>&1)"; then
            printf '%s\n' "$out" >&2
            printf 'test.sh: stopping PostgreSQL in %s failed\n' "$PG_STATE" >&2
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- static checks (fail fast, before installing anything) ------------------
section "cargo fmt --all --check"
cargo fmt --all --check

section "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

# --- test services -----------------------------------------------------------
if [ "${HEARTH_TEST_SKIP_SYSTEM:-0}" = 1 ]; then
    section "test services: SKIPPED (HEARTH_TEST_SKIP_SYSTEM=1)"
else
    section "PostgreSQL 15 + pgvector"
    if [ -n "${HEARTH_TEST_PG_URL:-}" ]; then
        echo "using HEARTH_TEST_PG_URL from the environment"
    else
        # mktemp's directory is the state dir itself (not a parent): the
        # postgres user must be able to reach it, and root's private
        # mktemp parents would block that.
        PG_STATE="$(mktemp -d "${TMPDIR:-/tmp}/hearth-pg.XXXXXX")"
        rmdir "$PG_STATE" # postgres.sh creates and marks it
        HEARTH_TEST_PG_URL="$(bash "$CI_DIR/postgres.sh" start "$PG_STATE")"
        export HEARTH_TEST_PG_URL
    fi
    echo "HEARTH_TEST_PG_URL=$HEARTH_TEST_PG_URL"

    section "mpd"
    # Installs mpd when missing; the tests start private instances through
    # the script, each with its own music directory.
    HEARTH_TEST_MPD_BIN="$(bash "$CI_DIR/mpd.sh" install)"
    export HEARTH_TEST_MPD_BIN
    export HEARTH_TEST_MPD_SCRIPT="$CI_DIR/mpd.sh"
    echo "HEARTH_TEST_MPD_SCRIPT=$HEARTH_TEST_MPD_SCRIPT"
    echo "HEARTH_TEST_MPD_BIN=$HEARTH_TEST_MPD_BIN"

    section "liblistenbrainz venv"
    if [ -z "${HEARTH_TEST_LB_PYTHON:-}" ]; then
        HEARTH_TEST_LB_PYTHON="$(bash "$CI_DIR/lb-venv.sh" ensure "$HEARTH_CI_CACHE/lb-venv")"
        export HEARTH_TEST_LB_PYTHON
    fi
    echo "HEARTH_TEST_LB_PYTHON=$HEARTH_TEST_LB_PYTHON"

    section "chromium"
    if [ -z "${HEARTH_TEST_CHROMIUM:-}" ]; then
        HEARTH_TEST_CHROMIUM="$(bash "$CI_DIR/chromium.sh" ensure)"
        export HEARTH_TEST_CHROMIUM
    fi
    export HEARTH_TEST_CHROMEDRIVER="${HEARTH_TEST_CHROMEDRIVER:-/usr/bin/chromedriver}"
    echo "HEARTH_TEST_CHROMIUM=$HEARTH_TEST_CHROMIUM"
    echo "HEARTH_TEST_CHROMEDRIVER=$HEARTH_TEST_CHROMEDRIVER"

    section "music files"
    if [ -z "${HEARTH_TEST_MUSIC_DIR:-}" ]; then
        HEARTH_TEST_MUSIC_DIR="$(bash "$CI_DIR/music.sh" ensure)"
        export HEARTH_TEST_MUSIC_DIR
    fi
    echo "HEARTH_TEST_MUSIC_DIR=$HEARTH_TEST_MUSIC_DIR"
fi

if [ -z "${HEARTH_SHARED_DATA:-}" ]; then
    HEARTH_SHARED_DATA="$ROOT/../shared/data"
    if [ -d "$HEARTH_SHARED_DATA" ]; then
        HEARTH_SHARED_DATA="$(cd -- "$HEARTH_SHARED_DATA" && pwd -P)"
    fi
fi
export HEARTH_SHARED_DATA
if [ -d "$HEARTH_SHARED_DATA" ]; then
    echo "HEARTH_SHARED_DATA=$HEARTH_SHARED_DATA"
else
    echo "HEARTH_SHARED_DATA=$HEARTH_SHARED_DATA (absent: tests that need it skip)"
fi

# --- tests ---------------------------------------------------------------------
# Doc tests first so that the main runner's summary line closes the output.
section "cargo test --workspace --doc"
doc_rc=0
cargo test --workspace --doc || doc_rc=$?

test_rc=0
if cargo nextest --version >/dev/null 2>&1; then
    section "cargo nextest run --workspace --no-fail-fast"
    cargo nextest run --workspace --no-fail-fast || test_rc=$?
else
    section "cargo test --workspace --no-fail-fast (cargo-nextest not installed)"
    cargo test --workspace --no-fail-fast || test_rc=$?
fi

if [ "$doc_rc" -ne 0 ]; then
    echo "test.sh: doc tests FAILED (exit $doc_rc), see above" >&2
    exit "$doc_rc"
fi
exit "$test_rc"
