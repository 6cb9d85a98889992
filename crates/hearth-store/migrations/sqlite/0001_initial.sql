-- Hearth data model (SPEC §4), SQLite flavour. Append-only: never edit a released migration.
-- Timestamps are UTC epoch milliseconds (BIGINT). JSON columns are TEXT holding JSON.

CREATE TABLE profiles (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    display_name  TEXT,
    created_at    BIGINT  NOT NULL,
    preferences   TEXT    NOT NULL DEFAULT '{}',
    lb_token      TEXT    UNIQUE
);
INSERT INTO profiles (name, display_name, created_at) VALUES ('default', 'Default', 0);

CREATE TABLE speaker_profile_mappings (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    speaker_name  TEXT    NOT NULL UNIQUE,
    profile_id    BIGINT  NOT NULL REFERENCES profiles(id) ON DELETE CASCADE
);

CREATE TABLE tracks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT    NOT NULL,
    artist        TEXT    NOT NULL,
    album         TEXT,
    duration_ms   BIGINT,
    isrc          TEXT,
    mbid          TEXT,
    spotify_id    TEXT,
    itunes_id     TEXT,
    file_path     TEXT,
    preview_url   TEXT,
    provider_uri  TEXT,
    tags          TEXT    NOT NULL DEFAULT '[]',
    norm_key      TEXT    NOT NULL UNIQUE,
    origin        TEXT    NOT NULL CHECK (origin IN ('library', 'discovered', 'history')),
    status        TEXT    NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'candidate', 'approved', 'rejected', 'blacklisted')),
    added_at      BIGINT  NOT NULL
);
CREATE INDEX tracks_spotify_id ON tracks (spotify_id);
CREATE INDEX tracks_file_path ON tracks (file_path);

CREATE TABLE listen_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    track_id      BIGINT  NOT NULL REFERENCES tracks(id),
    profile_id    BIGINT  REFERENCES profiles(id),
    ts            BIGINT  NOT NULL,
    source        TEXT    NOT NULL,
    speaker_name  TEXT,
    ms_played     BIGINT,
    skipped       BOOLEAN NOT NULL DEFAULT FALSE,
    reason_end    TEXT,
    dedup_key     TEXT    UNIQUE
);
CREATE INDEX listen_events_profile_track_ts ON listen_events (profile_id, track_id, ts);
CREATE INDEX listen_events_ts ON listen_events (ts);

CREATE TABLE feedback (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id    BIGINT  NOT NULL REFERENCES profiles(id),
    track_id      BIGINT  NOT NULL REFERENCES tracks(id),
    kind          TEXT    NOT NULL CHECK (kind IN ('play', 'like', 'love', 'favorite', 'dislike', 'hate', 'skip', 'bad_recommendation')),
    rating        DOUBLE PRECISION,
    vibe          TEXT,
    ts            BIGINT  NOT NULL
);
CREATE INDEX feedback_profile_ts ON feedback (profile_id, ts);

CREATE TABLE audio_features (
    track_id      BIGINT  NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    vector        BLOB    NOT NULL,
    tempo_bpm     DOUBLE PRECISION,
    tempo_confidence DOUBLE PRECISION,
    energy        DOUBLE PRECISION,
    danceability  DOUBLE PRECISION,
    acousticness  DOUBLE PRECISION,
    brightness    DOUBLE PRECISION,
    loudness_db   DOUBLE PRECISION,
    key           INTEGER,
    mode          TEXT,
    details       TEXT    NOT NULL DEFAULT '{}',
    analysed_at   BIGINT  NOT NULL,
    PRIMARY KEY (track_id, version)
);

CREATE TABLE embeddings (
    track_id      BIGINT  NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    model         TEXT    NOT NULL,
    dim           INTEGER NOT NULL,
    vector        BLOB    NOT NULL,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (track_id, model)
);

CREATE TABLE taste_profiles (
    profile_id    BIGINT  NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    model         TEXT    NOT NULL,
    centroids     BLOB,
    weights       TEXT    NOT NULL DEFAULT '[]',
    negatives     BLOB,
    state         TEXT    NOT NULL DEFAULT '{}',
    built_at      BIGINT  NOT NULL,
    n_events      BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (profile_id, model)
);

CREATE TABLE playlists (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id    BIGINT  REFERENCES profiles(id),
    name          TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('generated', 'dynamic', 'snapshot')),
    params        TEXT    NOT NULL DEFAULT '{}',
    created_at    BIGINT  NOT NULL
);

CREATE TABLE playlist_items (
    playlist_id   BIGINT  NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    track_id      BIGINT  NOT NULL REFERENCES tracks(id),
    reason        TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (playlist_id, position)
);

CREATE TABLE candidates (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id    BIGINT  NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
    track_id      BIGINT  NOT NULL REFERENCES tracks(id),
    source        TEXT    NOT NULL,
    seed_track_id BIGINT  REFERENCES tracks(id),
    predicted_score DOUBLE PRECISION,
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'trial', 'approved', 'rejected', 'skipped')),
    trial_plays   INTEGER NOT NULL DEFAULT 0,
    trial_skips   INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    UNIQUE (profile_id, track_id)
);

CREATE TABLE clusters (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    description   TEXT,
    centroid      BLOB,
    size          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE track_clusters (
    track_id      BIGINT  NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    cluster_id    BIGINT  NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    PRIMARY KEY (track_id, cluster_id)
);

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL DEFAULT '{}',
    status        TEXT    NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 5,
    run_after     BIGINT  NOT NULL,
    locked_by     TEXT,
    locked_at     BIGINT,
    last_error    TEXT,
    progress      TEXT    NOT NULL DEFAULT '{}',
    result        TEXT,
    dedup_key     TEXT    UNIQUE,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX jobs_status_run_after ON jobs (status, run_after);

-- Files found by the library scanner: incremental rescans compare size + mtime.
CREATE TABLE library_files (
    path          TEXT    PRIMARY KEY,
    size_bytes    BIGINT  NOT NULL,
    mtime_ms      BIGINT  NOT NULL,
    track_id      BIGINT  REFERENCES tracks(id),
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'analysed', 'failed')),
    error         TEXT,
    scanned_at    BIGINT  NOT NULL
);
