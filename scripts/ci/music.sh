#!/usr/bin/env bash
# Real, freely licensed music files for Hearth's audio-analysis tests.
#
#   music.sh ensure   install Debian's pushover-data when missing; print ONE
#                     line: the directory holding its .ogg files
#
# pushover-data (bookworm, ~32 MB, no dependencies) is the soundtrack of the
# game Pushover: 10 Ogg Vorbis stereo tracks of 1-5 minutes, composed by
# Roberto Lorenz, licensed GPL-3+. The files are test input read from the
# system; they are never copied into the repository.
set -euo pipefail

CI_SCRIPT_NAME="music.sh"
# shellcheck source=scripts/ci/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

PACKAGE=pushover-data
MUSIC_DIR=/usr/share/pushover/themes

{ [ "${1:-}" = ensure ] && [ $# -eq 1 ]; } || {
    printf 'usage: %s ensure\n' "$0" >&2
    exit 2
}

has_music() {
    compgen -G "$MUSIC_DIR/*.ogg" >/dev/null
}

if ! has_music; then
    ci_require_root "$PACKAGE"
    ci_lock music-install
    if ! has_music; then
        t0=$SECONDS
        ci_apt_install "$PACKAGE"
        ci_log "$PACKAGE installed in $((SECONDS - t0)) s"
    fi
    ci_unlock
fi
has_music || ci_die "no .ogg files in $MUSIC_DIR after installing $PACKAGE"
printf '%s\n' "$MUSIC_DIR"
