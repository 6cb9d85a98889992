-- Explicit mood overrides (`PUT /api/profiles/{name}/mood`): one row per profile, valid until
-- `expires_at` (epoch ms). The detected mood is computed from recent listens and is not stored.
CREATE TABLE profile_moods (
    profile_id    BIGINT  NOT NULL PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
    mood_text     TEXT    NOT NULL,
    set_at        BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL
);
