#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for Hearth's browser tests.
#
#   chromium.sh ensure   install packages chromium + chromium-driver when
#                        /usr/bin/chromium or /usr/bin/chromedriver is missing;
#                        print ONE line: the chromium path
#
# Only Debian's packages are used: nothing here downloads a browser build.
# Tests start Chromium themselves (headless, --no-sandbox as root, and with
# background networking disabled: this machine has no general network).
set -euo pipefail

CI_SCRIPT_NAME="chromium.sh"
# shellcheck source=scripts/ci/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

{ [ "${1:-}" = ensure ] && [ $# -eq 1 ]; } || {
    printf 'usage: %s ensure\n' "$0" >&2
    exit 2
}

if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ]; then
    ci_require_root "chromium"
    ci_lock chromium-install
    if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ]; then
        t0=$SECONDS
        ci_apt_install chromium chromium-driver
        ci_log "chromium installed in $((SECONDS - t0)) s"
    fi
    ci_unlock
fi
{ [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ]; } || ci_die "chromium or chromedriver still missing after install"
printf '%s\n' "$CHROMIUM"
