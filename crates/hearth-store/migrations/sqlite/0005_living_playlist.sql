-- The living playlist (SPEC §8.3) and the approval queue (§8.4), SQLite flavour.
-- The current list itself is a `playlists` row of kind 'dynamic' with its `playlist_items`;
-- snapshots are `playlists` rows of kind 'snapshot'.

-- One row per profile that has a living playlist: which playlist row is the live one and the
-- profile's own cycling aggressiveness (NULL: the configured default).
CREATE TABLE living_playlists (
    profile_id     BIGINT  NOT NULL PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    playlist_id    BIGINT  REFERENCES playlists(id) ON DELETE SET NULL,
    aggressiveness INTEGER CHECK (aggressiveness BETWEEN 1 AND 10),
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);

-- Every refresh and rollback: the full list after it (so any of them can be restored exactly)
-- and its diff. JSON columns are TEXT holding JSON.
CREATE TABLE living_refreshes (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id     BIGINT  NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('refresh', 'rollback')),
    items          TEXT    NOT NULL,
    added          TEXT    NOT NULL DEFAULT '[]',
    removed        TEXT    NOT NULL DEFAULT '[]',
    budget         BIGINT,
    aggressiveness INTEGER NOT NULL,
    restored_from  TEXT,
    created_at     BIGINT  NOT NULL
);
CREATE INDEX living_refreshes_profile ON living_refreshes (profile_id, id);

-- The approval queue: why a candidate is suggested, when its trial began (listens since then
-- count as trial plays / skips) and when it was last decided on (skips go to the back).
ALTER TABLE candidates ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE candidates ADD COLUMN trial_started_at BIGINT;
ALTER TABLE candidates ADD COLUMN decided_at BIGINT;
CREATE INDEX candidates_profile_status ON candidates (profile_id, status);
