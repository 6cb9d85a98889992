-- The per-profile listen index is keyed (profile, ts, track) instead of (profile, track, ts)
-- (issue 3). Listens arrive in time order — live, and from chronological export files — so new
-- entries now land at the right edge of each profile's range instead of on a random leaf page
-- per row; a 1M-row import no longer rewrites most of the index on every commit. Every query
-- that used the old index bounds `ts` as well (dedup window, staleness window, trial counts since
-- the trial started) or reads the profile's whole range (stats, taste rebuilds), which the new
-- key serves as well.
DROP INDEX IF EXISTS listen_events_profile_track_ts;
CREATE INDEX listen_events_profile_ts_track ON listen_events (profile_id, ts, track_id);
