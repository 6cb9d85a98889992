#!/usr/bin/env bash
# Python virtualenv holding liblistenbrainz, for Hearth's ListenBrainz-API
# compatibility tests (the official client library talks to our server).
#
#   lb-venv.sh ensure <venv-dir>   create the venv if needed and pip-install
#                                  liblistenbrainz into it (from PyPI); print
#                                  ONE line: the venv's python path
#
# Uses whichever python3 is first on PATH (e.g. a pyenv build); if that cannot
# make a venv, falls back to Debian's python3 + python3-venv via apt.
# HEARTH_LB_VERSION overrides the pinned liblistenbrainz version.
set -euo pipefail

CI_SCRIPT_NAME="lb-venv.sh"
# shellcheck source=scripts/ci/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

LB_VERSION="${HEARTH_LB_VERSION:-0.7.0}"

{ [ "${1:-}" = ensure ] && [ $# -eq 2 ]; } || {
    printf 'usage: %s ensure <venv-dir>\n' "$0" >&2
    exit 2
}
venv="$2"

lb_importable() {
    [ -x "$venv/bin/python" ] &&
        "$venv/bin/python" -c 'import liblistenbrainz' >/dev/null 2>&1
}

# Try to create the venv with the given interpreter; leave nothing behind on failure.
make_venv() {
    local py="$1"
    command -v "$py" >/dev/null 2>&1 || return 1
    ci_log "creating venv $venv with $(command -v "$py") ($("$py" --version 2>&1))"
    if "$py" -m venv "$venv" >&2 && [ -x "$venv/bin/python" ] &&
        "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    ci_log "$py could not create a working venv"
    rm -rf -- "$venv"
    return 1
}

if ! lb_importable; then
    ci_lock lb-venv
    if ! lb_importable; then
        t0=$SECONDS
        if [ -e "$venv" ] && ! { [ -f "$venv/pyvenv.cfg" ] && [ -x "$venv/bin/python" ] &&
            "$venv/bin/python" -m pip --version >/dev/null 2>&1; }; then
            # Only ever delete something that is recognisably a (broken) venv.
            [ -f "$venv/pyvenv.cfg" ] || ci_die "$venv exists and is not a virtualenv; refusing to touch it"
            ci_log "removing broken venv $venv"
            rm -rf -- "$venv"
        fi
        if [ ! -e "$venv" ]; then
            mkdir -p -- "$(dirname -- "$venv")"
            if ! make_venv python3; then
                ci_require_root "python3-venv"
                ci_ensure_pkgs python3 python3-venv
                make_venv /usr/bin/python3 || ci_die "cannot create a venv even with Debian's python3"
            fi
        fi
        ci_log "pip install liblistenbrainz==$LB_VERSION"
        "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
            "liblistenbrainz==$LB_VERSION" >&2 || ci_die "pip install liblistenbrainz failed"
        lb_importable || ci_die "liblistenbrainz installed but not importable in $venv"
        ci_log "venv ready in $((SECONDS - t0)) s"
    fi
    ci_unlock
fi
printf '%s\n' "$(cd -- "$venv" && pwd -P)/bin/python"
