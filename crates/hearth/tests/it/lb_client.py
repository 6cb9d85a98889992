"""Drives a running `hearth serve` with liblistenbrainz, the official ListenBrainz client.

Usage: lb_client.py API_ROOT TOKEN WRONG_TOKEN
Prints one JSON object with what each step observed; the Rust test asserts on it and on the
store. Exits non-zero on any unexpected behaviour.
"""
import json
import sys

import liblistenbrainz
from liblistenbrainz import errors

root, token, wrong = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}

client = liblistenbrainz.ListenBrainz(api_base_url=root)
client.set_auth_token(token)  # calls GET /1/validate-token and raises when invalid
out["validated"] = True

single = liblistenbrainz.Listen(track_name="Dayvan Cowboy", artist_name="Boards of Canada",
                                release_name="The Campfire Headphase", listened_at=1700000000)
out["single"] = client.submit_single_listen(single)
# A client retry of the same listen must not store it twice.
out["single_again"] = client.submit_single_listen(single)

batch = [
    liblistenbrainz.Listen(track_name="Windowlicker", artist_name="Aphex Twin", listened_at=1699990000),
    liblistenbrainz.Listen(track_name="Avril 14th", artist_name="Aphex Twin", listened_at=1699980000),
    liblistenbrainz.Listen(track_name="Roygbiv", artist_name="Boards of Canada", listened_at=1699970000),
]
out["import"] = client.submit_multiple_listens(batch)
out["playing_now"] = client.submit_playing_now(
    liblistenbrainz.Listen(track_name="Olson", artist_name="Boards of Canada"))

bad = liblistenbrainz.ListenBrainz(api_base_url=root)
try:
    bad.set_auth_token(wrong)
    out["wrong_token_validate"] = "accepted"
except errors.InvalidAuthTokenException:
    out["wrong_token_validate"] = "refused"
bad.set_auth_token(wrong, check_validity=False)
try:
    bad.submit_single_listen(single)
    out["wrong_token_submit"] = "accepted"
except errors.ListenBrainzAPIException as e:
    out["wrong_token_submit"] = {"status": e.status_code, "message": e.message}

print(json.dumps(out))
