//! The one SQL implementation of the store ports, instantiated for SQLite and PostgreSQL by
//! [`impl_store!`]. Statements use `$n` placeholders and the SQL subset both engines accept
//! (`ON CONFLICT`, `RETURNING`, epoch-millisecond BIGINT timestamps, JSON as TEXT). What differs
//! per engine is passed in: the pools (SQLite has one writer connection), the job-claim statement
//! and the per-(profile, track) dedup lock (PostgreSQL takes an advisory lock so several server
//! processes cannot both store a duplicate).

/// Decodes a `profiles` row.
macro_rules! profile_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        hearth_core::model::Profile {
            id: hearth_core::ids::ProfileId(r.try_get("id")?),
            name: r.try_get("name")?,
            display_name: r.try_get("display_name")?,
            created_at: r.try_get("created_at")?,
        }
    }};
}

macro_rules! track_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let tags: String = r.try_get("tags")?;
        let origin: String = r.try_get("origin")?;
        let status: String = r.try_get("status")?;
        hearth_core::model::Track {
            id: hearth_core::ids::TrackId(r.try_get("id")?),
            title: r.try_get("title")?,
            artist: r.try_get("artist")?,
            album: r.try_get("album")?,
            duration_ms: r.try_get("duration_ms")?,
            isrc: r.try_get("isrc")?,
            mbid: r.try_get("mbid")?,
            spotify_id: r.try_get("spotify_id")?,
            itunes_id: r.try_get("itunes_id")?,
            file_path: r.try_get("file_path")?,
            preview_url: r.try_get("preview_url")?,
            provider_uri: r.try_get("provider_uri")?,
            tags: serde_json::from_str(&tags)
                .map_err(|e| crate::StoreError::Corrupt(format!("tracks.tags: {e}")))?,
            norm_key: r.try_get("norm_key")?,
            origin: hearth_core::model::TrackOrigin::parse(&origin)
                .ok_or_else(|| crate::StoreError::Corrupt(format!("tracks.origin {origin:?}")))?,
            status: hearth_core::model::TrackStatus::parse(&status)
                .ok_or_else(|| crate::StoreError::Corrupt(format!("tracks.status {status:?}")))?,
            added_at: r.try_get("added_at")?,
        }
    }};
}

/// Binds one listen's nine `listen_events` columns — track_id, profile_id, ts, source,
/// speaker_name, ms_played, skipped, reason_end, dedup_key — in that order (every multi-row
/// listen INSERT uses this column list). String values are bound as `&str` so they are borrowed.
macro_rules! bind_listen {
    ($q:expr, $l:expr, $track_id:expr) => {
        $q.bind($track_id)
            .bind($l.profile_id.0)
            .bind($l.ts)
            .bind($l.source.as_str())
            .bind($l.speaker_name.as_deref())
            .bind($l.ms_played)
            .bind($l.skipped)
            .bind($l.reason_end.as_deref())
            .bind($l.dedup_key.as_deref())
    };
}

macro_rules! listen_from_row {
    ($row:expr, $default_id:expr) => {{
        use sqlx::Row;
        let r = $row;
        let pid: Option<i64> = r.try_get("profile_id")?;
        let pname: Option<String> = r.try_get("profile_name")?;
        hearth_core::model::ListenEvent {
            id: r.try_get("id")?,
            track_id: hearth_core::ids::TrackId(r.try_get("track_id")?),
            profile_id: hearth_core::ids::ProfileId(pid.unwrap_or($default_id)),
            profile: pname
                .unwrap_or_else(|| hearth_core::profile_name::DEFAULT_PROFILE.to_string()),
            title: r.try_get("title")?,
            artist: r.try_get("artist")?,
            album: r.try_get("album")?,
            ts: r.try_get("ts")?,
            source: r.try_get("source")?,
            speaker_name: r.try_get("speaker_name")?,
            ms_played: r.try_get("ms_played")?,
            skipped: r.try_get("skipped")?,
            reason_end: r.try_get("reason_end")?,
        }
    }};
}

macro_rules! job_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let status: String = r.try_get("status")?;
        let payload: String = r.try_get("payload")?;
        let progress: String = r.try_get("progress")?;
        let result: Option<String> = r.try_get("result")?;
        let json = |s: &str, col: &str| {
            serde_json::from_str::<serde_json::Value>(s)
                .map_err(|e| crate::StoreError::Corrupt(format!("jobs.{col}: {e}")))
        };
        crate::ports::Job {
            id: hearth_core::ids::JobId(r.try_get("id")?),
            kind: r.try_get("kind")?,
            payload: json(&payload, "payload")?,
            status: crate::ports::JobStatus::parse(&status)
                .ok_or_else(|| crate::StoreError::Corrupt(format!("jobs.status {status:?}")))?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
            run_after: r.try_get("run_after")?,
            locked_by: r.try_get("locked_by")?,
            locked_at: r.try_get("locked_at")?,
            last_error: r.try_get("last_error")?,
            progress: json(&progress, "progress")?,
            result: result.as_deref().map(|s| json(s, "result")).transpose()?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        }
    }};
}

macro_rules! features_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let details: String = r.try_get("details")?;
        (
            hearth_core::ids::TrackId(r.try_get("track_id")?),
            crate::ports::FeatureAttributes {
                tempo_bpm: r.try_get("tempo_bpm")?,
                tempo_confidence: r.try_get("tempo_confidence")?,
                energy: r.try_get("energy")?,
                danceability: r.try_get("danceability")?,
                acousticness: r.try_get("acousticness")?,
                brightness: r.try_get("brightness")?,
                loudness_db: r.try_get("loudness_db")?,
                // BIGINT on PostgreSQL, INTEGER on SQLite: decode wide, keep the pitch class.
                key: {
                    let k: Option<i64> = r.try_get("key")?;
                    k.map(|k| {
                        i32::try_from(k).map_err(|_| {
                            crate::StoreError::Corrupt(format!("audio_features.key {k}"))
                        })
                    })
                    .transpose()?
                },
                mode: r.try_get("mode")?,
                details: serde_json::from_str(&details).map_err(|e| {
                    crate::StoreError::Corrupt(format!("audio_features.details: {e}"))
                })?,
            },
        )
    }};
}

macro_rules! library_file_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let status: String = r.try_get("status")?;
        let track: Option<i64> = r.try_get("track_id")?;
        crate::library::LibraryFile {
            path: r.try_get("path")?,
            size_bytes: r.try_get("size_bytes")?,
            mtime_ms: r.try_get("mtime_ms")?,
            track_id: track.map(hearth_core::ids::TrackId),
            status: crate::library::LibraryFileStatus::parse(&status).ok_or_else(|| {
                crate::StoreError::Corrupt(format!("library_files.status {status:?}"))
            })?,
            error: r.try_get("error")?,
            scanned_at: r.try_get("scanned_at")?,
        }
    }};
}

pub(crate) const FEATURE_COLUMNS: &str =
    "track_id, tempo_bpm, tempo_confidence, energy, danceability, acousticness, brightness, \
     loudness_db, key, mode, details";

/// `$start, $start+1, …` — `n` numbered placeholders.
pub(crate) fn placeholders(n: usize, start: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rewrites `$1, $2, …` to anonymous `?` parameters, for SQLite's bulk statements.
///
/// sqlx binds SQLite parameters by asking SQLite for each one's name, and SQLite finds a named
/// parameter (`$N`, `?N`) by walking a list of all of them — quadratic in the parameter count:
/// a 2,700-parameter multi-row INSERT spent most of an import there. Anonymous `?` parameters
/// are not in that list and bind by position. Only valid when every `$N` occurs once and in
/// ascending order, which holds for the statements built with [`placeholders`].
pub(crate) fn positional(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut expected = 1usize;
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) {
            let mut n = 0usize;
            while let Some(&(_, d)) = chars.peek() {
                let Some(v) = d.to_digit(10) else { break };
                n = n * 10 + v as usize;
                chars.next();
            }
            debug_assert_eq!(n, expected, "parameters must appear once, in order: {sql}");
            expected += 1;
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) const LISTEN_SELECT: &str = "SELECT l.id, l.track_id, l.profile_id, p.name AS profile_name, t.title, t.artist, t.album, \
     l.ts, l.source, l.speaker_name, l.ms_played, l.skipped, l.reason_end \
     FROM listen_events l JOIN tracks t ON t.id = l.track_id LEFT JOIN profiles p ON p.id = l.profile_id";

/// `playlists` joined to the profile name, with the item count (`$1`… are left to the caller).
pub(crate) const PLAYLIST_SELECT: &str =
    "SELECT p.id, p.profile_id, pr.name AS profile_name, p.name, p.kind, p.params, p.created_at, \
     (SELECT COUNT(*) FROM playlist_items i WHERE i.playlist_id = p.id) AS item_count \
     FROM playlists p LEFT JOIN profiles pr ON pr.id = p.profile_id";

/// Decodes a [`PLAYLIST_SELECT`] row.
macro_rules! playlist_from_row {
    ($row:expr) => {{
        use sqlx::Row;
        let r = $row;
        let kind: String = r.try_get("kind")?;
        let params: String = r.try_get("params")?;
        let pid: Option<i64> = r.try_get("profile_id")?;
        crate::playlists::PlaylistSummary {
            id: hearth_core::ids::PlaylistId(r.try_get("id")?),
            profile_id: pid.map(hearth_core::ids::ProfileId),
            profile: r.try_get("profile_name")?,
            name: r.try_get("name")?,
            kind: crate::playlists::PlaylistKind::parse(&kind)
                .ok_or_else(|| crate::StoreError::Corrupt(format!("playlists.kind {kind:?}")))?,
            params: serde_json::from_str(&params)
                .map_err(|e| crate::StoreError::Corrupt(format!("playlists.params: {e}")))?,
            created_at: r.try_get("created_at")?,
            item_count: r.try_get("item_count")?,
        }
    }};
}

pub(crate) const JOB_COLUMNS: &str =
    "id, kind, payload, status, attempts, max_attempts, run_after, locked_by, locked_at, \
     last_error, progress, result, created_at, updated_at";

/// Implements every store port for `$store` over database `$db`. The type must provide
/// `fn w(&self) -> &Pool<$db>` (writes), `fn r(&self) -> &Pool<$db>` (reads), `fn default_id(&self)
/// -> i64`, `async fn lock_dedup(tx, profile_id, track_id)`, the bulk-import steps
/// `import_known_tracks(tx, keys)` and `import_insert_listens(tx, batch, track_ids)`
/// (`sqlite_import.rs`, `postgres_import.rs`), `const CLAIM_SQL` and `const BACKEND`.
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        use crate::ports::*;
        use crate::sql::{JOB_COLUMNS, LISTEN_SELECT};
        use crate::StoreError;
        use async_trait::async_trait;
        use hearth_core::clock::UnixMs;
        use hearth_core::ids::{JobId, ProfileId, TrackId};
        use hearth_core::model::*;
        use hearth_core::profile_name::{validate_profile_name, DEFAULT_PROFILE};
        use sqlx::Row;

        impl $store {
            /// One import batch inside `tx` (the body of [`ListenStore::import_listens`] and of
            /// [`ImportSession::import_listens`]); validates the whole batch before any write.
            /// `known` caches `norm_key -> track id` across the batches of a session: tracks are
            /// never deleted and `norm_key` never changes, so an entry stays true whatever other
            /// writers do (a key not in it is looked up).
            async fn import_batch_tx(
                tx: &mut sqlx::Transaction<'static, $db>,
                batch: &[NewListen],
                known: &mut std::collections::HashMap<String, i64>,
            ) -> StoreResult<ImportOutcome> {
                let mut out = ImportOutcome::default();
                if batch.is_empty() {
                    return Ok(out);
                }
                for (i, l) in batch.iter().enumerate() {
                    if l.dedup_key.is_none() {
                        return Err(StoreError::InvalidInput { field: format!("batch[{i}].dedup_key"), reason: "imports need a row key".into() });
                    }
                    if l.track.title.trim().is_empty() || l.track.artist.trim().is_empty() {
                        return Err(StoreError::InvalidInput { field: format!("batch[{i}].track"), reason: "title and artist must not be empty".into() });
                    }
                }
                // norm_key depends on (artist, title) only, and an export repeats the same few
                // thousand recordings: normalise each pair once and give every distinct norm_key
                // a slot, so the per-row work is one hash lookup and no allocation.
                let mut by_pair: std::collections::HashMap<(&str, &str), usize> = std::collections::HashMap::new();
                let mut slot_of_key: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
                let mut uniq: Vec<String> = Vec::new();
                let mut first_row: Vec<usize> = Vec::new();
                let mut slots: Vec<usize> = Vec::with_capacity(batch.len());
                for (i, l) in batch.iter().enumerate() {
                    let pair = (l.track.artist.as_str(), l.track.title.as_str());
                    let slot = *by_pair.entry(pair).or_insert_with(|| {
                        let k = l.track.norm_key();
                        let next = uniq.len();
                        let s = *slot_of_key.entry(k.clone()).or_insert(next);
                        if s == next {
                            uniq.push(k);
                            first_row.push(i);
                        }
                        s
                    });
                    slots.push(slot);
                }
                let keys: Vec<&str> = slots.iter().map(|&s| uniq[s].as_str()).collect();
                // 1. Known tracks: from the session's cache, else from the database (how the
                // rows come back is the backend's business).
                let mut slot_ids: Vec<Option<i64>> = uniq.iter().map(|k| known.get(k).copied()).collect();
                let distinct: Vec<&str> = uniq
                    .iter()
                    .zip(&slot_ids)
                    .filter(|(_, id)| id.is_none())
                    .map(|(k, _)| k.as_str())
                    .collect();
                let found = <$store>::import_known_tracks(tx, &distinct).await?;
                for (s, k) in uniq.iter().enumerate() {
                    if slot_ids[s].is_none() {
                        slot_ids[s] = found.get(k).copied();
                    }
                }
                // 2. New tracks, multi-row inserts (one row per missing slot).
                let missing: Vec<usize> = (0..uniq.len()).filter(|&s| slot_ids[s].is_none()).map(|s| first_row[s]).collect();
                for (key, id) in Self::insert_tracks_tx(tx, batch, &keys, &missing).await? {
                    slot_ids[slot_of_key[&key]] = Some(id);
                    out.new_tracks.push(TrackId(id));
                }
                // Rows another writer created meanwhile: look them up.
                for &i in &missing {
                    if slot_ids[slots[i]].is_none() {
                        let id: i64 = sqlx::query_scalar("SELECT id FROM tracks WHERE norm_key = $1")
                            .bind(keys[i])
                            .fetch_one(&mut **tx)
                            .await?;
                        slot_ids[slots[i]] = Some(id);
                    }
                }
                // 3. Listens; a stored key (or one repeated in the batch) makes the row a duplicate.
                let slot_ids: Vec<i64> = slot_ids.into_iter().map(|id| id.expect("every slot resolved above")).collect();
                let track_ids: Vec<i64> = slots.iter().map(|&s| slot_ids[s]).collect();
                drop(keys);
                if known.len() + uniq.len() > IMPORT_TRACK_CACHE {
                    known.clear();
                }
                known.extend(uniq.into_iter().zip(slot_ids));
                let listen_ids = <$store>::import_insert_listens(tx, batch, &track_ids).await?;
                for (row, id) in listen_ids.into_iter().enumerate() {
                    match id {
                        Some(id) => {
                            out.stored.push((id, TrackId(track_ids[row])));
                            out.stored_rows.push(row);
                        }
                        None => out.duplicates += 1,
                    }
                }
                Ok(out)
            }

            /// Inserts the tracks of `batch[i]` for every `i` in `missing` (their `norm_key`s are
            /// `keys[i]`) in multi-row statements, origin `history`. Returns `(norm_key, id)` of the
            /// rows this call created; a key another writer created meanwhile is not returned.
            async fn insert_tracks_tx<K: AsRef<str> + Sync>(
                tx: &mut sqlx::Transaction<'static, $db>,
                batch: &[NewListen],
                keys: &[K],
                missing: &[usize],
            ) -> StoreResult<Vec<(String, i64)>> {
                const TRACK_COLS: usize = 14;
                let mut created = Vec::with_capacity(missing.len());
                for chunk in missing.chunks(200) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|r| format!("({}, 'history', 'active')", crate::sql::placeholders(TRACK_COLS, 1 + r * TRACK_COLS)))
                        .collect();
                    let sql = format!(
                        "INSERT INTO tracks (title, artist, album, duration_ms, isrc, mbid, spotify_id, itunes_id, file_path, \
                         preview_url, provider_uri, tags, norm_key, added_at, origin, status) VALUES {} \
                         ON CONFLICT (norm_key) DO NOTHING RETURNING id, norm_key",
                        rows.join(", ")
                    );
                    let sql = <$store>::bulk_sql(sql);
                    let mut q = sqlx::query(&sql);
                    for &i in chunk {
                        let t = &batch[i].track;
                        q = q
                            .bind(t.title.trim())
                            .bind(t.artist.trim())
                            .bind(&t.album)
                            .bind(t.duration_ms)
                            .bind(&t.isrc)
                            .bind(&t.mbid)
                            .bind(&t.spotify_id)
                            .bind(&t.itunes_id)
                            .bind(&t.file_path)
                            .bind(&t.preview_url)
                            .bind(&t.provider_uri)
                            .bind(serde_json::to_string(&t.tags).unwrap_or_else(|_| "[]".into()))
                            .bind(keys[i].as_ref())
                            .bind(batch[i].ts);
                    }
                    for r in q.fetch_all(&mut **tx).await? {
                        created.push((r.try_get("norm_key")?, r.try_get("id")?));
                    }
                }
                Ok(created)
            }

            async fn resolve_track_tx(
                tx: &mut sqlx::Transaction<'static, $db>,
                t: &TrackInput,
                origin: TrackOrigin,
                now: UnixMs,
            ) -> StoreResult<(TrackId, bool)> {
                if t.title.trim().is_empty() {
                    return Err(StoreError::InvalidInput { field: "title".into(), reason: "must not be empty".into() });
                }
                if t.artist.trim().is_empty() {
                    return Err(StoreError::InvalidInput { field: "artist".into(), reason: "must not be empty".into() });
                }
                let key = t.norm_key();
                let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM tracks WHERE norm_key = $1")
                    .bind(&key)
                    .fetch_optional(&mut **tx)
                    .await?;
                if let Some(id) = existing {
                    let has_extra = t.album.is_some()
                        || t.duration_ms.is_some()
                        || t.isrc.is_some()
                        || t.mbid.is_some()
                        || t.spotify_id.is_some()
                        || t.itunes_id.is_some()
                        || t.file_path.is_some()
                        || t.preview_url.is_some()
                        || t.provider_uri.is_some();
                    if has_extra {
                        // Fill what the row lacks; never overwrite what is known.
                        sqlx::query(
                            "UPDATE tracks SET album = COALESCE(album, $2), duration_ms = COALESCE(duration_ms, $3), \
                             isrc = COALESCE(isrc, $4), mbid = COALESCE(mbid, $5), spotify_id = COALESCE(spotify_id, $6), \
                             itunes_id = COALESCE(itunes_id, $7), file_path = COALESCE($8, file_path), \
                             preview_url = COALESCE(preview_url, $9), provider_uri = COALESCE(provider_uri, $10) WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&t.album)
                        .bind(t.duration_ms)
                        .bind(&t.isrc)
                        .bind(&t.mbid)
                        .bind(&t.spotify_id)
                        .bind(&t.itunes_id)
                        .bind(&t.file_path)
                        .bind(&t.preview_url)
                        .bind(&t.provider_uri)
                        .execute(&mut **tx)
                        .await?;
                    }
                    return Ok((TrackId(id), false));
                }
                let tags = serde_json::to_string(&t.tags).unwrap_or_else(|_| "[]".into());
                let inserted: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO tracks (title, artist, album, duration_ms, isrc, mbid, spotify_id, itunes_id, file_path, \
                     preview_url, provider_uri, tags, norm_key, origin, status, added_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $15) \
                     ON CONFLICT (norm_key) DO NOTHING RETURNING id",
                )
                .bind(t.title.trim())
                .bind(t.artist.trim())
                .bind(&t.album)
                .bind(t.duration_ms)
                .bind(&t.isrc)
                .bind(&t.mbid)
                .bind(&t.spotify_id)
                .bind(&t.itunes_id)
                .bind(&t.file_path)
                .bind(&t.preview_url)
                .bind(&t.provider_uri)
                .bind(tags)
                .bind(&key)
                .bind(origin.as_str())
                .bind(now)
                .fetch_optional(&mut **tx)
                .await?;
                match inserted {
                    Some(id) => Ok((TrackId(id), true)),
                    None => {
                        // Another process inserted it between our SELECT and INSERT.
                        let id: i64 = sqlx::query_scalar("SELECT id FROM tracks WHERE norm_key = $1")
                            .bind(&key)
                            .fetch_one(&mut **tx)
                            .await?;
                        Ok((TrackId(id), false))
                    }
                }
            }

            async fn profile_by(&self, col: &'static str, value: &str) -> StoreResult<Option<Profile>> {
                let sql = format!("SELECT id, name, display_name, created_at FROM profiles WHERE {col} = $1");
                let row = sqlx::query(&sql).bind(value).fetch_optional(self.r()).await?;
                Ok(match row {
                    Some(r) => Some(profile_from_row!(r)),
                    None => None,
                })
            }
        }

        #[async_trait]
        impl ProfileStore for $store {
            async fn list_profiles(&self) -> StoreResult<Vec<(Profile, ProfileStats)>> {
                let rows = sqlx::query("SELECT id, name, display_name, created_at FROM profiles ORDER BY name")
                    .fetch_all(self.r())
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let p = profile_from_row!(r);
                    let stats = self.profile_stats(p.id).await?;
                    out.push((p, stats));
                }
                Ok(out)
            }

            async fn get_profile(&self, name: &str) -> StoreResult<Option<Profile>> {
                self.profile_by("name", name).await
            }

            async fn profile_stats(&self, id: ProfileId) -> StoreResult<ProfileStats> {
                let is_default = id.0 == self.default_id();
                let filter = if is_default { "(profile_id = $1 OR profile_id IS NULL)" } else { "profile_id = $1" };
                let sql = format!(
                    "SELECT COUNT(*) AS n, COUNT(DISTINCT track_id) AS t, MAX(ts) AS last FROM listen_events WHERE {filter}"
                );
                let row = sqlx::query(&sql).bind(id.0).fetch_one(self.r()).await?;
                let speakers = self.speakers(id).await?;
                Ok(ProfileStats {
                    event_count: row.try_get("n")?,
                    track_count: row.try_get("t")?,
                    last_listen: row.try_get("last")?,
                    speakers,
                })
            }

            async fn create_profile(&self, name: &str, display_name: Option<&str>, now: UnixMs) -> StoreResult<Profile> {
                validate_profile_name(name)?;
                let row = sqlx::query(
                    "INSERT INTO profiles (name, display_name, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO NOTHING RETURNING id, name, display_name, created_at",
                )
                .bind(name)
                .bind(display_name)
                .bind(now)
                .fetch_optional(self.w())
                .await?;
                match row {
                    Some(r) => Ok(profile_from_row!(r)),
                    None => Err(StoreError::Conflict { what: format!("profile {name:?}") }),
                }
            }

            async fn ensure_profile(&self, name: &str, now: UnixMs) -> StoreResult<(Profile, bool)> {
                if let Some(p) = self.get_profile(name).await? {
                    return Ok((p, false));
                }
                match self.create_profile(name, None, now).await {
                    Ok(p) => Ok((p, true)),
                    Err(StoreError::Conflict { .. }) => {
                        let p = self.get_profile(name).await?.ok_or_else(|| StoreError::not_found(format!("profile {name:?}")))?;
                        Ok((p, false))
                    }
                    Err(e) => Err(e),
                }
            }

            async fn delete_profile(&self, name: &str) -> StoreResult<()> {
                if name == DEFAULT_PROFILE {
                    return Err(StoreError::InvalidInput { field: "name".into(), reason: "the default profile cannot be deleted".into() });
                }
                let mut tx = self.w().begin().await?;
                let id: Option<i64> = sqlx::query_scalar("SELECT id FROM profiles WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(id) = id else {
                    return Err(StoreError::not_found(format!("profile {name:?}")));
                };
                let default_id = self.default_id();
                for sql in [
                    "UPDATE listen_events SET profile_id = $2 WHERE profile_id = $1",
                    "UPDATE feedback SET profile_id = $2 WHERE profile_id = $1",
                    "UPDATE playlists SET profile_id = $2 WHERE profile_id = $1",
                ] {
                    sqlx::query(sql).bind(id).bind(default_id).execute(&mut *tx).await?;
                }
                for sql in [
                    "DELETE FROM speaker_profile_mappings WHERE profile_id = $1",
                    "DELETE FROM taste_profiles WHERE profile_id = $1",
                    "DELETE FROM candidates WHERE profile_id = $1",
                    "DELETE FROM profiles WHERE id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn speakers(&self, profile: ProfileId) -> StoreResult<Vec<String>> {
                Ok(sqlx::query_scalar("SELECT speaker_name FROM speaker_profile_mappings WHERE profile_id = $1 ORDER BY speaker_name")
                    .bind(profile.0)
                    .fetch_all(self.r())
                    .await?)
            }

            async fn set_speakers(&self, profile: ProfileId, speakers: &[String]) -> StoreResult<()> {
                for (i, s) in speakers.iter().enumerate() {
                    if s.trim().is_empty() {
                        return Err(StoreError::InvalidInput { field: format!("speakers[{i}]"), reason: "must not be empty".into() });
                    }
                }
                let mut tx = self.w().begin().await?;
                sqlx::query("DELETE FROM speaker_profile_mappings WHERE profile_id = $1")
                    .bind(profile.0)
                    .execute(&mut *tx)
                    .await?;
                for s in speakers {
                    sqlx::query(
                        "INSERT INTO speaker_profile_mappings (speaker_name, profile_id) VALUES ($1, $2) \
                         ON CONFLICT (speaker_name) DO UPDATE SET profile_id = excluded.profile_id",
                    )
                    .bind(s.trim())
                    .bind(profile.0)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn profile_for_speaker(&self, speaker_name: &str) -> StoreResult<Option<Profile>> {
                let row = sqlx::query(
                    "SELECT p.id, p.name, p.display_name, p.created_at FROM speaker_profile_mappings m \
                     JOIN profiles p ON p.id = m.profile_id WHERE m.speaker_name = $1",
                )
                .bind(speaker_name.trim())
                .fetch_optional(self.r())
                .await?;
                Ok(match row {
                    Some(r) => Some(profile_from_row!(r)),
                    None => None,
                })
            }

            async fn preferences(&self, profile: ProfileId) -> StoreResult<serde_json::Value> {
                let s: Option<String> = sqlx::query_scalar("SELECT preferences FROM profiles WHERE id = $1")
                    .bind(profile.0)
                    .fetch_optional(self.r())
                    .await?;
                let s = s.ok_or_else(|| StoreError::not_found(format!("profile #{profile}")))?;
                serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(format!("profiles.preferences: {e}")))
            }

            async fn set_preferences(&self, profile: ProfileId, prefs: &serde_json::Value) -> StoreResult<()> {
                let n = sqlx::query("UPDATE profiles SET preferences = $2 WHERE id = $1")
                    .bind(profile.0)
                    .bind(prefs.to_string())
                    .execute(self.w())
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::not_found(format!("profile #{profile}")));
                }
                Ok(())
            }

            async fn set_token_hash(&self, profile: ProfileId, token_hash: &str) -> StoreResult<()> {
                let n = sqlx::query("UPDATE profiles SET lb_token = $2 WHERE id = $1")
                    .bind(profile.0)
                    .bind(token_hash)
                    .execute(self.w())
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::not_found(format!("profile #{profile}")));
                }
                Ok(())
            }

            async fn profile_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<Profile>> {
                self.profile_by("lb_token", token_hash).await
            }
        }

        /// Track ids an [`ImportSession`] remembers at most (about 100 bytes each); past that the
        /// cache starts over.
        const IMPORT_TRACK_CACHE: usize = 500_000;

        /// [`ImportSession`] over this backend's writer: a transaction opened by the first batch
        /// after a commit, and the `norm_key -> id` cache of the tracks seen so far.
        struct SqlImportSession {
            store: $store,
            tx: Option<sqlx::Transaction<'static, $db>>,
            known: std::collections::HashMap<String, i64>,
        }

        #[async_trait]
        impl ImportSession for SqlImportSession {
            async fn import_listens(&mut self, batch: &[NewListen]) -> StoreResult<ImportOutcome> {
                let tx = match self.tx.as_mut() {
                    Some(tx) => tx,
                    None => self.tx.insert(self.store.w().begin().await?),
                };
                let out = <$store>::import_batch_tx(tx, batch, &mut self.known).await;
                if out.is_err() {
                    // Ids learnt in a transaction that will roll back may not exist.
                    self.known.clear();
                }
                out
            }

            async fn commit(&mut self) -> StoreResult<()> {
                if let Some(tx) = self.tx.take() {
                    if let Err(e) = tx.commit().await {
                        self.known.clear();
                        return Err(e.into());
                    }
                }
                Ok(())
            }
        }

        #[async_trait]
        impl ListenStore for $store {
            async fn record_listens(&self, batch: &[NewListen], dedup_window_ms: i64) -> StoreResult<Vec<ListenOutcome>> {
                // A few statements per batch, not per listen: resolve every track in bulk, look up
                // recent listens of every (profile, track) pair at once, decide duplicates in
                // arrival order in memory, then insert the survivors in multi-row statements.
                if batch.is_empty() {
                    return Ok(Vec::new());
                }
                for l in batch {
                    if l.track.title.trim().is_empty() {
                        return Err(StoreError::InvalidInput { field: "title".into(), reason: "must not be empty".into() });
                    }
                    if l.track.artist.trim().is_empty() {
                        return Err(StoreError::InvalidInput { field: "artist".into(), reason: "must not be empty".into() });
                    }
                }
                let mut tx = self.w().begin().await?;
                // 1. Tracks: known ones in bulk; new or field-filling ones one by one (rare in steady state).
                let keys: Vec<String> = batch.iter().map(|l| l.track.norm_key()).collect();
                let mut ids: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
                let mut uniq: Vec<usize> = Vec::new();
                {
                    let mut seen = std::collections::HashSet::new();
                    for (i, k) in keys.iter().enumerate() {
                        if seen.insert(k.as_str()) {
                            uniq.push(i);
                        }
                    }
                }
                let mut complete: std::collections::HashSet<i64> = std::collections::HashSet::new();
                for chunk in uniq.chunks(500) {
                    let sql = format!(
                        "SELECT id, norm_key, album IS NOT NULL AND duration_ms IS NOT NULL AND spotify_id IS NOT NULL \
                         AND provider_uri IS NOT NULL AND isrc IS NOT NULL AND mbid IS NOT NULL AS full FROM tracks WHERE norm_key IN ({})",
                        crate::sql::placeholders(chunk.len(), 1)
                    );
                    let sql = <$store>::bulk_sql(sql);
                    let mut q = sqlx::query(&sql);
                    for &i in chunk {
                        q = q.bind(&keys[i]);
                    }
                    for r in q.fetch_all(&mut *tx).await? {
                        let id: i64 = r.try_get("id")?;
                        if r.try_get::<bool, _>("full")? {
                            complete.insert(id);
                        }
                        ids.insert(r.try_get("norm_key")?, id);
                    }
                }
                let mut new_tracks: std::collections::HashSet<i64> = std::collections::HashSet::new();
                // New tracks in multi-row inserts (first occurrence's fields).
                let missing: Vec<usize> = uniq.iter().copied().filter(|&i| !ids.contains_key(&keys[i])).collect();
                for (key, id) in Self::insert_tracks_tx(&mut tx, batch, &keys, &missing).await? {
                    new_tracks.insert(id);
                    ids.insert(key, id);
                }
                for (i, l) in batch.iter().enumerate() {
                    let has_extra = l.track.album.is_some()
                        || l.track.duration_ms.is_some()
                        || l.track.isrc.is_some()
                        || l.track.mbid.is_some()
                        || l.track.spotify_id.is_some()
                        || l.track.itunes_id.is_some()
                        || l.track.file_path.is_some()
                        || l.track.preview_url.is_some()
                        || l.track.provider_uri.is_some();
                    let known = ids.get(&keys[i]).copied();
                    let needs_write = match known {
                        None => true,
                        Some(id) => has_extra && !complete.contains(&id) && !new_tracks.contains(&id),
                    };
                    if needs_write {
                        let (id, created) = Self::resolve_track_tx(&mut tx, &l.track, TrackOrigin::History, l.ts).await?;
                        if created {
                            new_tracks.insert(id.0);
                        }
                        ids.insert(keys[i].clone(), id.0);
                    }
                }
                // 2. Recent listens of every (profile, track) pair in the batch.
                let mut pairs: Vec<(i64, i64)> = batch.iter().enumerate().map(|(i, l)| (l.profile_id.0, ids[&keys[i]])).collect();
                pairs.sort_unstable();
                pairs.dedup();
                let mut recent: std::collections::HashMap<(i64, i64), Vec<i64>> = std::collections::HashMap::new();
                let min_ts = batch.iter().map(|l| l.ts).min().unwrap_or(0) - dedup_window_ms;
                let max_ts = batch.iter().map(|l| l.ts).max().unwrap_or(0) + dedup_window_ms;
                for &(p, t) in &pairs {
                    if !new_tracks.contains(&t) {
                        <$store>::lock_dedup(&mut tx, p, t).await?;
                    }
                }
                let old_pairs: Vec<(i64, i64)> = pairs.iter().copied().filter(|(_, t)| !new_tracks.contains(t)).collect();
                for chunk in old_pairs.chunks(300) {
                    let values: Vec<String> = (0..chunk.len()).map(|r| format!("(${}, ${})", 3 + 2 * r, 4 + 2 * r)).collect();
                    let sql = format!(
                        "SELECT profile_id, track_id, ts FROM listen_events WHERE ts > $1 AND ts < $2 AND (profile_id, track_id) IN (VALUES {})",
                        values.join(", ")
                    );
                    let sql = <$store>::bulk_sql(sql);
                    let mut q = sqlx::query(&sql).bind(min_ts).bind(max_ts);
                    for &(p, t) in chunk {
                        q = q.bind(p).bind(t);
                    }
                    for r in q.fetch_all(&mut *tx).await? {
                        let key: (i64, i64) = (r.try_get("profile_id")?, r.try_get("track_id")?);
                        recent.entry(key).or_default().push(r.try_get("ts")?);
                    }
                }
                // 3. Decide, in arrival order (earlier listens of this batch count too).
                let mut keep: Vec<usize> = Vec::new();
                let mut out: Vec<Option<ListenOutcome>> = vec![None; batch.len()];
                for (i, l) in batch.iter().enumerate() {
                    let track = ids[&keys[i]];
                    if l.dedup_key.is_none() {
                        let seen = recent.entry((l.profile_id.0, track)).or_default();
                        if seen.iter().any(|&ts| ts > l.ts - dedup_window_ms && ts < l.ts + dedup_window_ms) {
                            out[i] = Some(ListenOutcome::Duplicate { track_id: TrackId(track) });
                            continue;
                        }
                        seen.push(l.ts);
                    }
                    keep.push(i);
                }
                // 4. Insert the survivors; a stored import key makes its row a duplicate.
                const COLS: usize = 9;
                for chunk in keep.chunks(300) {
                    let rows: Vec<String> = (0..chunk.len()).map(|r| format!("({})", crate::sql::placeholders(COLS, 1 + r * COLS))).collect();
                    let sql = format!(
                        "INSERT INTO listen_events (track_id, profile_id, ts, source, speaker_name, ms_played, skipped, reason_end, dedup_key) \
                         VALUES {} ON CONFLICT (dedup_key) DO NOTHING RETURNING id, profile_id, track_id, ts, dedup_key",
                        rows.join(", ")
                    );
                    let sql = <$store>::bulk_sql(sql);
                    let mut q = sqlx::query(&sql);
                    for &i in chunk {
                        q = bind_listen!(q, batch[i], ids[&keys[i]]);
                    }
                    let mut by_key: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
                    let mut by_tuple: std::collections::HashMap<(i64, i64, i64), i64> = std::collections::HashMap::new();
                    for r in q.fetch_all(&mut *tx).await? {
                        let id: i64 = r.try_get("id")?;
                        match r.try_get::<Option<String>, _>("dedup_key")? {
                            Some(k) => {
                                by_key.insert(k, id);
                            }
                            None => {
                                by_tuple.insert((r.try_get("profile_id")?, r.try_get("track_id")?, r.try_get("ts")?), id);
                            }
                        }
                    }
                    for &i in chunk {
                        let l = &batch[i];
                        let track = ids[&keys[i]];
                        let stored = match &l.dedup_key {
                            Some(k) => by_key.remove(k),
                            None => by_tuple.remove(&(l.profile_id.0, track, l.ts)),
                        };
                        out[i] = Some(match stored {
                            Some(listen_id) => ListenOutcome::Stored {
                                listen_id,
                                track_id: TrackId(track),
                                // Only the first stored listen of a new track reports it as new.
                                new_track: new_tracks.remove(&track),
                            },
                            None => ListenOutcome::Duplicate { track_id: TrackId(track) },
                        });
                    }
                }
                tx.commit().await?;
                Ok(out.into_iter().map(|o| o.expect("every listen has an outcome")).collect())
            }

            async fn import_listens(&self, batch: &[NewListen]) -> StoreResult<ImportOutcome> {
                let mut tx = self.w().begin().await?;
                let out = Self::import_batch_tx(&mut tx, batch, &mut std::collections::HashMap::new()).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn begin_import(&self) -> StoreResult<Box<dyn ImportSession>> {
                Ok(Box::new(SqlImportSession { store: self.clone(), tx: None, known: std::collections::HashMap::new() }))
            }

            async fn recent_listens(&self, profile: Option<ProfileId>, limit: u32) -> StoreResult<Vec<ListenEvent>> {
                let default_id = self.default_id();
                let rows = match profile {
                    None => {
                        let sql = format!("{LISTEN_SELECT} ORDER BY l.ts DESC, l.id DESC LIMIT $1");
                        sqlx::query(&sql).bind(i64::from(limit)).fetch_all(self.r()).await?
                    }
                    Some(p) => {
                        let filter = if p.0 == default_id { "(l.profile_id = $1 OR l.profile_id IS NULL)" } else { "l.profile_id = $1" };
                        let sql = format!("{LISTEN_SELECT} WHERE {filter} ORDER BY l.ts DESC, l.id DESC LIMIT $2");
                        sqlx::query(&sql).bind(p.0).bind(i64::from(limit)).fetch_all(self.r()).await?
                    }
                };
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(listen_from_row!(r, default_id));
                }
                Ok(out)
            }

            async fn listens_of_profile(&self, profile: ProfileId) -> StoreResult<Vec<ListenEvent>> {
                let default_id = self.default_id();
                let filter = if profile.0 == default_id { "(l.profile_id = $1 OR l.profile_id IS NULL)" } else { "l.profile_id = $1" };
                let sql = format!("{LISTEN_SELECT} WHERE {filter} ORDER BY l.ts, l.id");
                let rows = sqlx::query(&sql).bind(profile.0).fetch_all(self.r()).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(listen_from_row!(r, default_id));
                }
                Ok(out)
            }

            async fn listening_days(&self) -> StoreResult<Vec<crate::ports::ListeningDay>> {
                let rows = sqlx::query(
                    "SELECT DISTINCT COALESCE(profile_id, $1) AS profile_id, ts / 86400000 AS day, track_id                      FROM listen_events WHERE NOT skipped ORDER BY 1, 2, 3",
                )
                .bind(self.default_id())
                .fetch_all(self.r())
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(crate::ports::ListeningDay {
                        profile_id: ProfileId(r.try_get("profile_id")?),
                        day: r.try_get("day")?,
                        track_id: TrackId(r.try_get("track_id")?),
                    });
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl crate::stats::StatsStore for $store {
            async fn listening_stats(&self, profile: Option<ProfileId>, now: UnixMs, top_n: u32) -> StoreResult<crate::stats::ListeningStats> {
                use crate::stats::*;
                // `$1` is the profile id (ignored when no profile is asked for).
                let filter = match profile {
                    None => "TRUE",
                    Some(p) if p.0 == self.default_id() => "(l.profile_id = $1 OR l.profile_id IS NULL)",
                    Some(_) => "l.profile_id = $1",
                };
                let pid = profile.map_or(0, |p| p.0);
                const DAY_MS: i64 = 86_400_000;
                let totals = sqlx::query(&format!(
                    "SELECT COUNT(*) AS total, \
                     COALESCE(SUM(CASE WHEN l.ts > $2 AND l.ts <= $4 THEN 1 ELSE 0 END), 0) AS d7, \
                     COALESCE(SUM(CASE WHEN l.ts > $3 AND l.ts <= $4 THEN 1 ELSE 0 END), 0) AS d30, \
                     COALESCE(SUM(CASE WHEN l.skipped THEN 1 ELSE 0 END), 0) AS skipped \
                     FROM listen_events l WHERE {filter} AND $1 = $1"
                ))
                .bind(pid)
                .bind(now - 7 * DAY_MS)
                .bind(now - 30 * DAY_MS)
                .bind(now)
                .fetch_one(self.r())
                .await?;
                let mut out = ListeningStats {
                    listens_total: totals.try_get("total")?,
                    listens_7d: totals.try_get("d7")?,
                    listens_30d: totals.try_get("d30")?,
                    skipped: totals.try_get("skipped")?,
                    ..ListeningStats::default()
                };
                let rows = sqlx::query(&format!(
                    "SELECT COALESCE(p.name, '{DEFAULT_PROFILE}') AS profile, COUNT(*) AS total, \
                     COALESCE(SUM(CASE WHEN l.ts > $2 AND l.ts <= $3 THEN 1 ELSE 0 END), 0) AS d30, \
                     COALESCE(SUM(CASE WHEN l.skipped THEN 1 ELSE 0 END), 0) AS skipped \
                     FROM listen_events l LEFT JOIN profiles p ON p.id = l.profile_id WHERE {filter} AND $1 = $1 \
                     GROUP BY COALESCE(p.name, '{DEFAULT_PROFILE}') ORDER BY total DESC, profile"
                ))
                .bind(pid)
                .bind(now - 30 * DAY_MS)
                .bind(now)
                .fetch_all(self.r())
                .await?;
                for r in rows {
                    out.per_profile.push(ProfileListens {
                        profile: r.try_get("profile")?,
                        listens_total: r.try_get("total")?,
                        listens_30d: r.try_get("d30")?,
                        skipped: r.try_get("skipped")?,
                    });
                }
                let rows = sqlx::query(&format!(
                    "SELECT t.artist AS artist, COUNT(*) AS plays FROM listen_events l JOIN tracks t ON t.id = l.track_id \
                     WHERE {filter} AND $1 = $1 GROUP BY t.artist ORDER BY plays DESC, artist LIMIT $2"
                ))
                .bind(pid)
                .bind(i64::from(top_n))
                .fetch_all(self.r())
                .await?;
                for r in rows {
                    out.top_artists.push(ArtistPlays { artist: r.try_get("artist")?, plays: r.try_get("plays")? });
                }
                let rows = sqlx::query(&format!(
                    "SELECT t.id AS id, t.artist AS artist, t.title AS title, COUNT(*) AS plays FROM listen_events l \
                     JOIN tracks t ON t.id = l.track_id WHERE {filter} AND $1 = $1 \
                     GROUP BY t.id, t.artist, t.title ORDER BY plays DESC, t.id LIMIT $2"
                ))
                .bind(pid)
                .bind(i64::from(top_n))
                .fetch_all(self.r())
                .await?;
                for r in rows {
                    out.top_tracks.push(TrackPlays {
                        track_id: TrackId(r.try_get("id")?),
                        artist: r.try_get("artist")?,
                        title: r.try_get("title")?,
                        plays: r.try_get("plays")?,
                    });
                }
                // Feedback always names a profile (deletes reassign it to `default`).
                let fb_filter = if profile.is_some() { "f.profile_id = $1" } else { "$1 = $1" };
                let rows = sqlx::query(&format!(
                    "SELECT f.kind AS kind, COUNT(*) AS n FROM feedback f WHERE {fb_filter} GROUP BY f.kind ORDER BY f.kind"
                ))
                .bind(pid)
                .fetch_all(self.r())
                .await?;
                for r in rows {
                    out.feedback.push(FeedbackCount { kind: r.try_get("kind")?, count: r.try_get("n")? });
                }
                Ok(out)
            }

            async fn system_health(&self) -> StoreResult<crate::stats::SystemHealth> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM profiles) AS profiles, (SELECT COUNT(*) FROM tracks) AS tracks, \
                     (SELECT COUNT(DISTINCT track_id) FROM audio_features) AS analysed, \
                     (SELECT COUNT(*) FROM jobs WHERE status = 'queued') AS queued, \
                     (SELECT COUNT(*) FROM jobs WHERE status = 'running') AS running, \
                     (SELECT COUNT(*) FROM jobs WHERE status = 'failed') AS failed",
                )
                .fetch_one(self.r())
                .await?;
                let db_size_bytes: i64 = sqlx::query_scalar(<$store>::DB_SIZE_SQL).fetch_one(self.r()).await?;
                Ok(crate::stats::SystemHealth {
                    backend: <$store>::BACKEND.to_string(),
                    db_size_bytes,
                    profiles: row.try_get("profiles")?,
                    tracks: row.try_get("tracks")?,
                    analysed: row.try_get("analysed")?,
                    queued_jobs: row.try_get("queued")?,
                    running_jobs: row.try_get("running")?,
                    failed_jobs: row.try_get("failed")?,
                })
            }
        }

        #[async_trait]
        impl TrackStore for $store {
            async fn get_track(&self, id: TrackId) -> StoreResult<Option<Track>> {
                let row = sqlx::query("SELECT * FROM tracks WHERE id = $1").bind(id.0).fetch_optional(self.r()).await?;
                Ok(match row {
                    Some(r) => Some(track_from_row!(r)),
                    None => None,
                })
            }

            async fn upsert_track(&self, input: &TrackInput, origin: TrackOrigin, now: UnixMs) -> StoreResult<(TrackId, bool)> {
                let mut tx = self.w().begin().await?;
                let r = Self::resolve_track_tx(&mut tx, input, origin, now).await?;
                tx.commit().await?;
                Ok(r)
            }

            async fn search_tracks(&self, query: &str, limit: u32) -> StoreResult<Vec<Track>> {
                let escaped = query.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                let pattern = format!("%{escaped}%");
                let rows = sqlx::query(
                    "SELECT * FROM tracks WHERE LOWER(title) LIKE $1 ESCAPE '\\' OR LOWER(artist) LIKE $1 ESCAPE '\\' \
                     OR LOWER(COALESCE(album, '')) LIKE $1 ESCAPE '\\' ORDER BY artist, title LIMIT $2",
                )
                .bind(pattern)
                .bind(i64::from(limit))
                .fetch_all(self.r())
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(track_from_row!(r));
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl FeedbackStore for $store {
            async fn add_feedback(&self, f: &Feedback) -> StoreResult<i64> {
                if let Some(r) = f.rating {
                    if !(0.0..=1.0).contains(&r) {
                        return Err(StoreError::InvalidInput { field: "rating".into(), reason: format!("{r} is outside [0.0, 1.0]") });
                    }
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO feedback (profile_id, track_id, kind, rating, vibe, ts) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(f.profile_id.0)
                .bind(f.track_id.0)
                .bind(f.kind.as_str())
                .bind(f.rating)
                .bind(&f.vibe)
                .bind(f.ts)
                .fetch_one(self.w())
                .await?;
                Ok(id)
            }

            async fn feedback_of_profile(&self, profile: ProfileId) -> StoreResult<Vec<Feedback>> {
                let rows = sqlx::query("SELECT profile_id, track_id, kind, rating, vibe, ts FROM feedback WHERE profile_id = $1 ORDER BY ts, id")
                    .bind(profile.0)
                    .fetch_all(self.r())
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let kind: String = r.try_get("kind")?;
                    out.push(Feedback {
                        profile_id: ProfileId(r.try_get("profile_id")?),
                        track_id: TrackId(r.try_get("track_id")?),
                        kind: FeedbackKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("feedback.kind {kind:?}")))?,
                        rating: r.try_get("rating")?,
                        vibe: r.try_get("vibe")?,
                        ts: r.try_get("ts")?,
                    });
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl crate::dynamic::DynamicStore for $store {
            async fn living_playlist(&self, profile: ProfileId) -> StoreResult<Option<crate::dynamic::LivingPlaylist>> {
                let row = sqlx::query("SELECT playlist_id, created_at, updated_at FROM living_playlists WHERE profile_id = $1 AND playlist_id IS NOT NULL")
                    .bind(profile.0)
                    .fetch_optional(self.r())
                    .await?;
                let Some(row) = row else { return Ok(None) };
                let playlist_id: i64 = row.try_get("playlist_id")?;
                let items = self.playlist_living_items(playlist_id).await?;
                Ok(Some(crate::dynamic::LivingPlaylist {
                    playlist_id: hearth_core::ids::PlaylistId(playlist_id),
                    items,
                    created_at: row.try_get("created_at")?,
                    updated_at: row.try_get("updated_at")?,
                }))
            }

            async fn save_refresh(&self, profile: ProfileId, refresh: &crate::dynamic::NewRefresh, now: UnixMs) -> StoreResult<crate::dynamic::RefreshRecord> {
                let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("living refresh serialisation: {e}"));
                let mut tx = self.w().begin().await?;
                let existing: Option<Option<i64>> = sqlx::query_scalar("SELECT playlist_id FROM living_playlists WHERE profile_id = $1")
                    .bind(profile.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                let playlist_id = match existing.flatten() {
                    Some(id) => id,
                    None => {
                        let name: String = sqlx::query_scalar("SELECT name FROM profiles WHERE id = $1")
                            .bind(profile.0)
                            .fetch_optional(&mut *tx)
                            .await?
                            .ok_or_else(|| StoreError::not_found(format!("profile {profile}")))?;
                        sqlx::query_scalar(
                            "INSERT INTO playlists (profile_id, name, kind, params, created_at) VALUES ($1, $2, 'dynamic', '{}', $3) RETURNING id",
                        )
                        .bind(profile.0)
                        .bind(format!("Living playlist ({name})"))
                        .bind(now)
                        .fetch_one(&mut *tx)
                        .await?
                    }
                };
                sqlx::query(
                    "INSERT INTO living_playlists (profile_id, playlist_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                     ON CONFLICT (profile_id) DO UPDATE SET playlist_id = $2, updated_at = $3",
                )
                .bind(profile.0)
                .bind(playlist_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                Self::replace_living_items_tx(&mut tx, playlist_id, &refresh.items).await?;
                let restored = refresh.restored_from.map(|r| serde_json::to_string(&r)).transpose().map_err(corrupt)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO living_refreshes (profile_id, kind, items, added, removed, budget, aggressiveness, restored_from, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(profile.0)
                .bind(refresh.kind.as_str())
                .bind(serde_json::to_string(&refresh.items).map_err(corrupt)?)
                .bind(serde_json::to_string(&refresh.added).map_err(corrupt)?)
                .bind(serde_json::to_string(&refresh.removed).map_err(corrupt)?)
                .bind(refresh.budget.map(|b| b as i64))
                .bind(refresh.aggressiveness as i32)
                .bind(restored)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(crate::dynamic::RefreshRecord {
                    id,
                    profile_id: profile,
                    kind: refresh.kind,
                    items: refresh.items.clone(),
                    added: refresh.added.clone(),
                    removed: refresh.removed.clone(),
                    budget: refresh.budget,
                    aggressiveness: refresh.aggressiveness,
                    restored_from: refresh.restored_from,
                    created_at: now,
                })
            }

            async fn refreshes(&self, profile: ProfileId, limit: u32) -> StoreResult<Vec<crate::dynamic::RefreshRecord>> {
                let rows = sqlx::query("SELECT * FROM living_refreshes WHERE profile_id = $1 ORDER BY id DESC LIMIT $2")
                    .bind(profile.0)
                    .bind(i64::from(limit))
                    .fetch_all(self.r())
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(refresh_from_row!(r));
                }
                Ok(out)
            }

            async fn get_refresh(&self, profile: ProfileId, id: i64) -> StoreResult<Option<crate::dynamic::RefreshRecord>> {
                let row = sqlx::query("SELECT * FROM living_refreshes WHERE profile_id = $1 AND id = $2")
                    .bind(profile.0)
                    .bind(id)
                    .fetch_optional(self.r())
                    .await?;
                Ok(match row {
                    Some(r) => Some(refresh_from_row!(r)),
                    None => None,
                })
            }

            async fn save_snapshot(
                &self,
                profile: ProfileId,
                name: &str,
                items: &[hearth_core::dynamic::LivingItem],
                refresh_id: Option<i64>,
                now: UnixMs,
            ) -> StoreResult<hearth_core::ids::PlaylistId> {
                let params = serde_json::json!({ "source": "living", "refresh_id": refresh_id }).to_string();
                let mut tx = self.w().begin().await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO playlists (profile_id, name, kind, params, created_at) VALUES ($1, $2, 'snapshot', $3, $4) RETURNING id",
                )
                .bind(profile.0)
                .bind(name)
                .bind(params)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                Self::replace_living_items_tx(&mut tx, id, items).await?;
                tx.commit().await?;
                Ok(hearth_core::ids::PlaylistId(id))
            }

            async fn snapshots(&self, profile: ProfileId) -> StoreResult<Vec<crate::dynamic::SnapshotInfo>> {
                let rows = sqlx::query(
                    "SELECT p.id, p.name, p.params, p.created_at, (SELECT COUNT(*) FROM playlist_items i WHERE i.playlist_id = p.id) AS n \
                     FROM playlists p WHERE p.profile_id = $1 AND p.kind = 'snapshot' ORDER BY p.created_at DESC, p.id DESC",
                )
                .bind(profile.0)
                .fetch_all(self.r())
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let params: String = r.try_get("params")?;
                    let params: serde_json::Value = serde_json::from_str(&params)
                        .map_err(|e| StoreError::Corrupt(format!("playlists.params: {e}")))?;
                    out.push(crate::dynamic::SnapshotInfo {
                        id: hearth_core::ids::PlaylistId(r.try_get("id")?),
                        name: r.try_get("name")?,
                        created_at: r.try_get("created_at")?,
                        track_count: r.try_get("n")?,
                        refresh_id: params.get("refresh_id").and_then(serde_json::Value::as_i64),
                    });
                }
                Ok(out)
            }

            async fn snapshot_items(&self, profile: ProfileId, id: hearth_core::ids::PlaylistId) -> StoreResult<Option<Vec<hearth_core::dynamic::LivingItem>>> {
                let found: Option<i64> = sqlx::query_scalar("SELECT id FROM playlists WHERE id = $1 AND profile_id = $2 AND kind = 'snapshot'")
                    .bind(id.0)
                    .bind(profile.0)
                    .fetch_optional(self.r())
                    .await?;
                match found {
                    Some(pid) => Ok(Some(self.playlist_living_items(pid).await?)),
                    None => Ok(None),
                }
            }

            async fn cycling_aggressiveness(&self, profile: ProfileId) -> StoreResult<Option<u32>> {
                let v: Option<Option<i32>> = sqlx::query_scalar("SELECT aggressiveness FROM living_playlists WHERE profile_id = $1")
                    .bind(profile.0)
                    .fetch_optional(self.r())
                    .await?;
                Ok(v.flatten().map(|n| n as u32))
            }

            async fn set_cycling_aggressiveness(&self, profile: ProfileId, aggressiveness: u32, now: UnixMs) -> StoreResult<()> {
                let n = hearth_core::dynamic::validate_aggressiveness(i64::from(aggressiveness))?;
                sqlx::query(
                    "INSERT INTO living_playlists (profile_id, playlist_id, aggressiveness, created_at, updated_at) VALUES ($1, NULL, $2, $3, $3) \
                     ON CONFLICT (profile_id) DO UPDATE SET aggressiveness = $2",
                )
                .bind(profile.0)
                .bind(n as i32)
                .bind(now)
                .execute(self.w())
                .await?;
                Ok(())
            }

            async fn add_candidates(&self, profile: ProfileId, candidates: &[crate::dynamic::NewCandidate], now: UnixMs) -> StoreResult<u64> {
                let mut tx = self.w().begin().await?;
                let mut added = 0;
                for c in candidates {
                    if c.source.trim().is_empty() {
                        return Err(StoreError::InvalidInput { field: "source".into(), reason: "must not be empty".into() });
                    }
                    let reasons = serde_json::to_string(&c.reasons).map_err(|e| StoreError::Corrupt(format!("candidate reasons: {e}")))?;
                    added += sqlx::query(
                        "INSERT INTO candidates (profile_id, track_id, source, seed_track_id, predicted_score, status, reasons, created_at) \
                         VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) ON CONFLICT (profile_id, track_id) DO NOTHING",
                    )
                    .bind(profile.0)
                    .bind(c.track_id.0)
                    .bind(c.source.trim())
                    .bind(c.seed_track_id.map(|t| t.0))
                    .bind(c.predicted_score)
                    .bind(reasons)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn candidates(&self, profile: ProfileId, statuses: &[crate::dynamic::CandidateStatus]) -> StoreResult<Vec<crate::dynamic::QueueCandidate>> {
                if statuses.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT * FROM candidates WHERE profile_id = $1 AND status IN ({}) ORDER BY COALESCE(predicted_score, -1.0) DESC, id",
                    crate::sql::placeholders(statuses.len(), 2)
                );
                let mut q = sqlx::query(&sql).bind(profile.0);
                for s in statuses {
                    q = q.bind(s.as_str());
                }
                let mut out = Vec::new();
                for r in q.fetch_all(self.r()).await? {
                    out.push(candidate_from_row!(r));
                }
                Ok(out)
            }

            async fn get_candidate(&self, id: i64) -> StoreResult<Option<crate::dynamic::QueueCandidate>> {
                let row = sqlx::query("SELECT * FROM candidates WHERE id = $1").bind(id).fetch_optional(self.r()).await?;
                Ok(match row {
                    Some(r) => Some(candidate_from_row!(r)),
                    None => None,
                })
            }

            async fn next_candidate(&self, profile: ProfileId, verdict_after: u32) -> StoreResult<Option<crate::dynamic::QueueCandidate>> {
                let row = sqlx::query(
                    "SELECT * FROM candidates WHERE profile_id = $1 AND status IN ('pending', 'trial', 'skipped') \
                     ORDER BY CASE WHEN status = 'skipped' THEN 2 WHEN trial_plays + trial_skips >= $2 THEN 0 ELSE 1 END, \
                     CASE WHEN status = 'skipped' THEN COALESCE(decided_at, 0) ELSE 0 END, \
                     COALESCE(predicted_score, -1.0) DESC, id LIMIT 1",
                )
                .bind(profile.0)
                .bind(i64::from(verdict_after))
                .fetch_optional(self.r())
                .await?;
                Ok(match row {
                    Some(r) => Some(candidate_from_row!(r)),
                    None => None,
                })
            }

            async fn set_candidate_status(&self, id: i64, status: crate::dynamic::CandidateStatus, now: UnixMs) -> StoreResult<crate::dynamic::QueueCandidate> {
                let row = sqlx::query("UPDATE candidates SET status = $2, decided_at = $3 WHERE id = $1 RETURNING *")
                    .bind(id)
                    .bind(status.as_str())
                    .bind(now)
                    .fetch_optional(self.w())
                    .await?
                    .ok_or_else(|| StoreError::not_found(format!("candidate {id}")))?;
                Ok(candidate_from_row!(row))
            }

            async fn start_trials(&self, profile: ProfileId, tracks: &[TrackId], now: UnixMs) -> StoreResult<u64> {
                let mut changed = 0;
                let mut tx = self.w().begin().await?;
                for chunk in tracks.chunks(500) {
                    let ids = crate::sql::placeholders(chunk.len(), 3);
                    let sql = format!(
                        "UPDATE candidates SET status = CASE WHEN status = 'pending' THEN 'trial' ELSE status END, \
                         trial_started_at = COALESCE(trial_started_at, $2) \
                         WHERE profile_id = $1 AND status IN ('pending', 'trial', 'skipped') AND track_id IN ({ids}) \
                         AND (status = 'pending' OR trial_started_at IS NULL)"
                    );
                    let mut q = sqlx::query(&sql).bind(profile.0).bind(now);
                    for t in chunk {
                        q = q.bind(t.0);
                    }
                    changed += q.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(changed)
            }

            async fn update_trial_counts(&self, profile: ProfileId) -> StoreResult<()> {
                // Listens stored without a profile belong to `default` (haunt-fm compatibility).
                let mine = "(l.profile_id = candidates.profile_id OR (l.profile_id IS NULL AND candidates.profile_id = $2))";
                let sql = format!(
                    "UPDATE candidates SET \
                     trial_plays = (SELECT COUNT(*) FROM listen_events l WHERE l.track_id = candidates.track_id AND {mine} \
                        AND l.ts >= candidates.trial_started_at AND l.skipped = FALSE), \
                     trial_skips = (SELECT COUNT(*) FROM listen_events l WHERE l.track_id = candidates.track_id AND {mine} \
                        AND l.ts >= candidates.trial_started_at AND l.skipped = TRUE) \
                     WHERE profile_id = $1 AND trial_started_at IS NOT NULL AND status IN ('pending', 'trial', 'skipped')"
                );
                sqlx::query(&sql).bind(profile.0).bind(self.default_id()).execute(self.w()).await?;
                Ok(())
            }
        }

        impl $store {
            /// The entries of a living or snapshot playlist, in order.
            async fn playlist_living_items(&self, playlist_id: i64) -> StoreResult<Vec<hearth_core::dynamic::LivingItem>> {
                let rows = sqlx::query("SELECT track_id, reason FROM playlist_items WHERE playlist_id = $1 ORDER BY position")
                    .bind(playlist_id)
                    .fetch_all(self.r())
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let reason: String = r.try_get("reason")?;
                    let reason: crate::dynamic::ItemReason = serde_json::from_str(&reason)
                        .map_err(|e| StoreError::Corrupt(format!("playlist_items.reason of playlist {playlist_id}: {e}")))?;
                    out.push(hearth_core::dynamic::LivingItem {
                        track_id: TrackId(r.try_get("track_id")?),
                        section: reason.section,
                        reasons: reason.reasons,
                    });
                }
                Ok(out)
            }

            /// Replaces a playlist's items with `items` (positions 0..n).
            async fn replace_living_items_tx(
                tx: &mut sqlx::Transaction<'static, $db>,
                playlist_id: i64,
                items: &[hearth_core::dynamic::LivingItem],
            ) -> StoreResult<()> {
                sqlx::query("DELETE FROM playlist_items WHERE playlist_id = $1").bind(playlist_id).execute(&mut **tx).await?;
                for (chunk_no, chunk) in items.chunks(200).enumerate() {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|r| format!("({})", crate::sql::placeholders(4, 1 + r * 4)))
                        .collect();
                    let sql = format!("INSERT INTO playlist_items (playlist_id, position, track_id, reason) VALUES {}", rows.join(", "));
                    let mut q = sqlx::query(&sql);
                    for (i, it) in chunk.iter().enumerate() {
                        let reason = serde_json::to_string(&crate::dynamic::ItemReason { section: it.section, reasons: it.reasons.clone() })
                            .map_err(|e| StoreError::Corrupt(format!("playlist item reason: {e}")))?;
                        q = q.bind(playlist_id).bind((chunk_no * 200 + i) as i64).bind(it.track_id.0).bind(reason);
                    }
                    q.execute(&mut **tx).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl JobStore for $store {
            async fn enqueue(&self, job: &NewJob, now: UnixMs) -> StoreResult<JobId> {
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_after, progress, dedup_key, created_at, updated_at) \
                     VALUES ($1, $2, 'queued', 0, $3, $4, '{}', $5, $6, $6) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                )
                .bind(&job.kind)
                .bind(job.payload.to_string())
                .bind(job.max_attempts.max(1))
                .bind(job.run_after)
                .bind(&job.dedup_key)
                .bind(now)
                .fetch_optional(self.w())
                .await?;
                match id {
                    Some(id) => Ok(JobId(id)),
                    None => {
                        let id: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE dedup_key = $1")
                            .bind(&job.dedup_key)
                            .fetch_one(self.r())
                            .await?;
                        Ok(JobId(id))
                    }
                }
            }

            async fn claim(&self, kinds: &[&str], worker: &str, now: UnixMs) -> StoreResult<Option<Job>> {
                if kinds.is_empty() {
                    return Ok(None);
                }
                let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
                let sql = <$store>::CLAIM_SQL.replace("{kinds}", &placeholders.join(", ")).replace("{cols}", JOB_COLUMNS);
                let mut q = sqlx::query(&sql).bind(worker).bind(now);
                for k in kinds {
                    q = q.bind(*k);
                }
                let row = q.fetch_optional(self.w()).await?;
                Ok(match row {
                    Some(r) => Some(job_from_row!(r)),
                    None => None,
                })
            }

            async fn heartbeat(&self, id: JobId, worker: &str, progress: &serde_json::Value, now: UnixMs) -> StoreResult<()> {
                let n = sqlx::query(
                    "UPDATE jobs SET locked_at = $3, progress = $4, updated_at = $3 WHERE id = $1 AND locked_by = $2 AND status = 'running'",
                )
                .bind(id.0)
                .bind(worker)
                .bind(now)
                .bind(progress.to_string())
                .execute(self.w())
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict { what: format!("job {id} is not held by {worker}") });
                }
                Ok(())
            }

            async fn complete(&self, id: JobId, worker: &str, result: &serde_json::Value, now: UnixMs) -> StoreResult<()> {
                let n = sqlx::query(
                    "UPDATE jobs SET status = 'done', result = $3, locked_by = NULL, locked_at = NULL, updated_at = $4 \
                     WHERE id = $1 AND locked_by = $2 AND status = 'running'",
                )
                .bind(id.0)
                .bind(worker)
                .bind(result.to_string())
                .bind(now)
                .execute(self.w())
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict { what: format!("job {id} is not held by {worker}") });
                }
                Ok(())
            }

            async fn fail(&self, id: JobId, worker: &str, error: &str, retry_at: UnixMs, now: UnixMs) -> StoreResult<JobStatus> {
                let status: Option<String> = sqlx::query_scalar(
                    "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
                     run_after = $4, last_error = $3, locked_by = NULL, locked_at = NULL, updated_at = $5 \
                     WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING status",
                )
                .bind(id.0)
                .bind(worker)
                .bind(error)
                .bind(retry_at)
                .bind(now)
                .fetch_optional(self.w())
                .await?;
                let status = status.ok_or_else(|| StoreError::Conflict { what: format!("job {id} is not held by {worker}") })?;
                JobStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("jobs.status {status:?}")))
            }

            async fn requeue_stale(&self, stale_before: UnixMs, now: UnixMs) -> StoreResult<u64> {
                Ok(sqlx::query(
                    "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END, \
                     last_error = COALESCE(last_error, 'worker lost (lease expired)'), locked_by = NULL, locked_at = NULL, \
                     updated_at = $2 WHERE status = 'running' AND locked_at < $1",
                )
                .bind(stale_before)
                .bind(now)
                .execute(self.w())
                .await?
                .rows_affected())
            }

            async fn get_job(&self, id: JobId) -> StoreResult<Option<Job>> {
                let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
                let row = sqlx::query(&sql).bind(id.0).fetch_optional(self.r()).await?;
                Ok(match row {
                    Some(r) => Some(job_from_row!(r)),
                    None => None,
                })
            }

            async fn list_jobs(&self, limit: u32) -> StoreResult<Vec<Job>> {
                let sql = format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY id DESC LIMIT $1");
                let rows = sqlx::query(&sql).bind(i64::from(limit)).fetch_all(self.r()).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(job_from_row!(r));
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl crate::library::LibraryStore for $store {
            async fn library_files(&self, version: i32) -> StoreResult<Vec<crate::library::LibraryFileState>> {
                let rows = sqlx::query(
                    "SELECT f.path, f.size_bytes, f.mtime_ms, f.track_id, f.status, f.error, f.scanned_at, \
                     CASE WHEN EXISTS (SELECT 1 FROM audio_features a WHERE a.track_id = f.track_id AND a.version = $1) \
                     THEN 1 ELSE 0 END AS has_features FROM library_files f ORDER BY f.path",
                )
                .bind(version)
                .fetch_all(self.r())
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let has: i32 = r.try_get("has_features")?;
                    out.push(crate::library::LibraryFileState { file: library_file_from_row!(r), has_features: has == 1 });
                }
                Ok(out)
            }

            async fn library_file(&self, path: &str) -> StoreResult<Option<crate::library::LibraryFile>> {
                let row = sqlx::query(
                    "SELECT path, size_bytes, mtime_ms, track_id, status, error, scanned_at FROM library_files WHERE path = $1",
                )
                .bind(path)
                .fetch_optional(self.r())
                .await?;
                Ok(match row {
                    Some(r) => Some(library_file_from_row!(r)),
                    None => None,
                })
            }

            async fn put_library_file(
                &self,
                path: &str,
                size_bytes: i64,
                mtime_ms: i64,
                track: TrackId,
                now: UnixMs,
            ) -> StoreResult<crate::library::LibraryFile> {
                if path.is_empty() {
                    return Err(StoreError::InvalidInput { field: "path".into(), reason: "must not be empty".into() });
                }
                let row = sqlx::query(
                    "INSERT INTO library_files (path, size_bytes, mtime_ms, track_id, status, error, scanned_at) \
                     VALUES ($1, $2, $3, $4, 'pending', NULL, $5) \
                     ON CONFLICT (path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_ms = excluded.mtime_ms, \
                     track_id = excluded.track_id, status = 'pending', error = NULL, scanned_at = excluded.scanned_at \
                     RETURNING path, size_bytes, mtime_ms, track_id, status, error, scanned_at",
                )
                .bind(path)
                .bind(size_bytes)
                .bind(mtime_ms)
                .bind(track.0)
                .bind(now)
                .fetch_one(self.w())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::not_found(format!("track {track}")),
                    _ => e.into(),
                })?;
                Ok(library_file_from_row!(row))
            }

            async fn set_library_file_status(
                &self,
                path: &str,
                size_bytes: i64,
                mtime_ms: i64,
                status: crate::library::LibraryFileStatus,
                error: Option<&str>,
                now: UnixMs,
            ) -> StoreResult<bool> {
                let n = sqlx::query(
                    "UPDATE library_files SET status = $4, error = $5, scanned_at = $6 \
                     WHERE path = $1 AND size_bytes = $2 AND mtime_ms = $3",
                )
                .bind(path)
                .bind(size_bytes)
                .bind(mtime_ms)
                .bind(status.as_str())
                .bind(error)
                .bind(now)
                .execute(self.w())
                .await?
                .rows_affected();
                Ok(n > 0)
            }

            async fn library_counts(&self) -> StoreResult<crate::library::LibraryCounts> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM library_files) AS total, \
                     (SELECT COUNT(*) FROM library_files WHERE status = 'pending') AS pending, \
                     (SELECT COUNT(*) FROM library_files WHERE status = 'analysed') AS analysed, \
                     (SELECT COUNT(*) FROM library_files WHERE status = 'failed') AS failed, \
                     (SELECT COUNT(*) FROM jobs WHERE kind = 'analyze' AND status = 'queued') AS jq, \
                     (SELECT COUNT(*) FROM jobs WHERE kind = 'analyze' AND status = 'running') AS jr, \
                     (SELECT COUNT(*) FROM jobs WHERE kind = 'analyze' AND status = 'failed') AS jf",
                )
                .fetch_one(self.r())
                .await?;
                Ok(crate::library::LibraryCounts {
                    files_total: row.try_get("total")?,
                    files_pending: row.try_get("pending")?,
                    files_analysed: row.try_get("analysed")?,
                    files_failed: row.try_get("failed")?,
                    analyze_queued: row.try_get("jq")?,
                    analyze_running: row.try_get("jr")?,
                    analyze_failed: row.try_get("jf")?,
                })
            }

            async fn running_jobs(&self, kind: &str) -> StoreResult<Vec<Job>> {
                let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 AND status = 'running' ORDER BY id");
                let rows = sqlx::query(&sql).bind(kind).fetch_all(self.r()).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(job_from_row!(r));
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl RecoStore for $store {
            async fn save_audio_features(
                &self,
                track: TrackId,
                version: i32,
                vector: &[f32],
                attrs: &FeatureAttributes,
                now: UnixMs,
            ) -> StoreResult<()> {
                if vector.is_empty() || vector.iter().any(|x| !x.is_finite()) {
                    return Err(StoreError::InvalidInput {
                        field: "vector".into(),
                        reason: format!("track {track}: a vector must be non-empty and finite ({} values)", vector.len()),
                    });
                }
                if let Some(m) = attrs.mode.as_deref() {
                    if m != "major" && m != "minor" {
                        return Err(StoreError::InvalidInput { field: "mode".into(), reason: format!("{m:?} is not major or minor") });
                    }
                }
                sqlx::query(
                    "INSERT INTO audio_features (track_id, version, vector, tempo_bpm, tempo_confidence, energy, danceability, \
                     acousticness, brightness, loudness_db, key, mode, details, analysed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
                     ON CONFLICT (track_id, version) DO UPDATE SET vector = excluded.vector, tempo_bpm = excluded.tempo_bpm, \
                     tempo_confidence = excluded.tempo_confidence, energy = excluded.energy, danceability = excluded.danceability, \
                     acousticness = excluded.acousticness, brightness = excluded.brightness, loudness_db = excluded.loudness_db, \
                     key = excluded.key, mode = excluded.mode, details = excluded.details, analysed_at = excluded.analysed_at",
                )
                .bind(track.0)
                .bind(version)
                .bind(vector_to_bytes(vector))
                .bind(attrs.tempo_bpm)
                .bind(attrs.tempo_confidence)
                .bind(attrs.energy)
                .bind(attrs.danceability)
                .bind(attrs.acousticness)
                .bind(attrs.brightness)
                .bind(attrs.loudness_db)
                .bind(attrs.key.map(i64::from))
                .bind(&attrs.mode)
                .bind(if attrs.details.is_null() { "{}".to_string() } else { attrs.details.to_string() })
                .bind(now)
                .execute(self.w())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::not_found(format!("track {track}")),
                    _ => e.into(),
                })?;
                Ok(())
            }

            async fn audio_vectors(&self, version: i32) -> StoreResult<Vec<(TrackId, Vec<f32>)>> {
                let rows = sqlx::query("SELECT track_id, vector FROM audio_features WHERE version = $1 ORDER BY track_id")
                    .bind(version)
                    .fetch_all(self.r())
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let bytes: Vec<u8> = r.try_get("vector")?;
                    out.push((TrackId(r.try_get("track_id")?), vector_from_bytes(&bytes)?));
                }
                Ok(out)
            }

            async fn track_features(&self, ids: &[TrackId], version: i32) -> StoreResult<Vec<(TrackId, FeatureAttributes)>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let sql = format!(
                        "SELECT {} FROM audio_features WHERE version = $1 AND track_id IN ({}) ORDER BY track_id",
                        crate::sql::FEATURE_COLUMNS,
                        crate::sql::placeholders(chunk.len(), 2)
                    );
                    let sql = <$store>::bulk_sql(sql);
                    let mut q = sqlx::query(&sql).bind(version);
                    for id in chunk {
                        q = q.bind(id.0);
                    }
                    for r in q.fetch_all(self.r()).await? {
                        out.push(features_from_row!(r));
                    }
                }
                Ok(out)
            }

            async fn all_track_features(&self, version: i32) -> StoreResult<Vec<(TrackId, FeatureAttributes)>> {
                let sql = format!(
                    "SELECT {} FROM audio_features WHERE version = $1 ORDER BY track_id",
                    crate::sql::FEATURE_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(version).fetch_all(self.r()).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(features_from_row!(r));
                }
                Ok(out)
            }

            async fn save_taste_profile(&self, t: &StoredTaste) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO taste_profiles (profile_id, model, state, built_at, n_events) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (profile_id, model) DO UPDATE SET state = excluded.state, built_at = excluded.built_at, \
                     n_events = excluded.n_events",
                )
                .bind(t.profile_id.0)
                .bind(&t.model)
                .bind(t.state.to_string())
                .bind(t.built_at)
                .bind(t.n_events)
                .execute(self.w())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::not_found(format!("profile {}", t.profile_id)),
                    _ => e.into(),
                })?;
                Ok(())
            }

            async fn load_taste_profile(&self, profile: ProfileId, model: &str) -> StoreResult<Option<StoredTaste>> {
                let row = sqlx::query("SELECT state, built_at, n_events FROM taste_profiles WHERE profile_id = $1 AND model = $2")
                    .bind(profile.0)
                    .bind(model)
                    .fetch_optional(self.r())
                    .await?;
                let Some(r) = row else { return Ok(None) };
                let state: String = r.try_get("state")?;
                Ok(Some(StoredTaste {
                    profile_id: profile,
                    model: model.to_string(),
                    state: serde_json::from_str(&state).map_err(|e| StoreError::Corrupt(format!("taste_profiles.state: {e}")))?,
                    n_events: r.try_get("n_events")?,
                    built_at: r.try_get("built_at")?,
                }))
            }

            async fn set_mood_override(&self, profile: ProfileId, mood: &MoodOverride) -> StoreResult<()> {
                if mood.text.trim().is_empty() {
                    return Err(StoreError::InvalidInput { field: "mood".into(), reason: "must not be empty".into() });
                }
                if mood.expires_at <= mood.set_at {
                    return Err(StoreError::InvalidInput { field: "expires_at".into(), reason: "must be after set_at".into() });
                }
                sqlx::query(
                    "INSERT INTO profile_moods (profile_id, mood_text, set_at, expires_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (profile_id) DO UPDATE SET mood_text = excluded.mood_text, set_at = excluded.set_at, \
                     expires_at = excluded.expires_at",
                )
                .bind(profile.0)
                .bind(&mood.text)
                .bind(mood.set_at)
                .bind(mood.expires_at)
                .execute(self.w())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::not_found(format!("profile {profile}")),
                    _ => e.into(),
                })?;
                Ok(())
            }

            async fn mood_override(&self, profile: ProfileId, now: UnixMs) -> StoreResult<Option<MoodOverride>> {
                let row = sqlx::query("SELECT mood_text, set_at, expires_at FROM profile_moods WHERE profile_id = $1 AND expires_at > $2")
                    .bind(profile.0)
                    .bind(now)
                    .fetch_optional(self.r())
                    .await?;
                Ok(match row {
                    Some(r) => Some(MoodOverride { text: r.try_get("mood_text")?, set_at: r.try_get("set_at")?, expires_at: r.try_get("expires_at")? }),
                    None => None,
                })
            }

            async fn tracks_by_ids(&self, ids: &[TrackId]) -> StoreResult<Vec<Track>> {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let sql = format!("SELECT * FROM tracks WHERE id IN ({}) ORDER BY id", crate::sql::placeholders(chunk.len(), 1));
                    let sql = <$store>::bulk_sql(sql);
                    let mut q = sqlx::query(&sql);
                    for id in chunk {
                        q = q.bind(id.0);
                    }
                    for r in q.fetch_all(self.r()).await? {
                        out.push(track_from_row!(r));
                    }
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl StatusStore for $store {
            async fn ping(&self) -> StoreResult<()> {
                let _: i64 = sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(self.r()).await?;
                Ok(())
            }

            async fn status_counts(&self) -> StoreResult<StatusCounts> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM listen_events) AS listens, (SELECT COUNT(*) FROM tracks) AS tracks, \
                     (SELECT COUNT(DISTINCT track_id) FROM audio_features) AS analysed, \
                     (SELECT COUNT(*) FROM jobs WHERE status = 'queued') AS queued, \
                     (SELECT COUNT(*) FROM jobs WHERE status = 'running') AS running, \
                     (SELECT COUNT(*) FROM jobs WHERE status = 'failed') AS failed, \
                     (SELECT COUNT(*) FROM candidates WHERE status IN ('pending', 'trial')) AS candidates, \
                     (SELECT COUNT(*) FROM profiles) AS profiles, (SELECT COUNT(*) FROM feedback) AS feedback, \
                     (SELECT MAX(updated_at) FROM jobs WHERE kind = 'discover' AND status = 'done') AS last_discovery",
                )
                .fetch_one(self.r())
                .await?;
                let emb = sqlx::query("SELECT model, COUNT(*) AS n FROM embeddings GROUP BY model ORDER BY model")
                    .fetch_all(self.r())
                    .await?;
                let mut embeddings = Vec::with_capacity(emb.len());
                for r in emb {
                    embeddings.push((r.try_get("model")?, r.try_get("n")?));
                }
                Ok(StatusCounts {
                    listens: row.try_get("listens")?,
                    tracks: row.try_get("tracks")?,
                    analysed: row.try_get("analysed")?,
                    queued_jobs: row.try_get("queued")?,
                    running_jobs: row.try_get("running")?,
                    failed_jobs: row.try_get("failed")?,
                    candidates: row.try_get("candidates")?,
                    profiles: row.try_get("profiles")?,
                    feedback: row.try_get("feedback")?,
                    embeddings,
                    last_discovery_run: row.try_get("last_discovery")?,
                })
            }

            fn backend(&self) -> &'static str {
                <$store>::BACKEND
            }
        }

        #[async_trait]
        impl crate::playlists::PlaylistStore for $store {
            async fn save_playlist(&self, p: &crate::playlists::NewPlaylist) -> StoreResult<hearth_core::ids::PlaylistId> {
                if p.name.trim().is_empty() {
                    return Err(StoreError::InvalidInput { field: "name".into(), reason: "must not be empty".into() });
                }
                let mut tx = self.w().begin().await?;
                if let Some(pid) = p.profile_id {
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM profiles WHERE id = $1")
                        .bind(pid.0)
                        .fetch_one(&mut *tx)
                        .await?;
                    if n == 0 {
                        return Err(StoreError::not_found(format!("profile {pid}")));
                    }
                }
                // Unknown tracks are reported by id (not as a foreign-key failure).
                let mut ids: Vec<i64> = p.items.iter().map(|i| i.track_id.0).collect();
                ids.sort_unstable();
                ids.dedup();
                for chunk in ids.chunks(500) {
                    let sql = format!("SELECT id FROM tracks WHERE id IN ({})", crate::sql::placeholders(chunk.len(), 1));
                    let mut q = sqlx::query_scalar::<_, i64>(&sql);
                    for id in chunk {
                        q = q.bind(*id);
                    }
                    let found: std::collections::HashSet<i64> = q.fetch_all(&mut *tx).await?.into_iter().collect();
                    if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
                        return Err(StoreError::not_found(format!("track {missing}")));
                    }
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO playlists (profile_id, name, kind, params, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(p.profile_id.map(|x| x.0))
                .bind(p.name.trim())
                .bind(p.kind.as_str())
                .bind(p.params.to_string())
                .bind(p.created_at)
                .fetch_one(&mut *tx)
                .await?;
                let indexed: Vec<(usize, &crate::playlists::NewPlaylistItem)> = p.items.iter().enumerate().collect();
                for chunk in indexed.chunks(200) {
                    let rows: Vec<String> =
                        (0..chunk.len()).map(|r| format!("({})", crate::sql::placeholders(4, 1 + r * 4))).collect();
                    let sql = format!("INSERT INTO playlist_items (playlist_id, position, track_id, reason) VALUES {}", rows.join(", "));
                    let mut q = sqlx::query(&sql);
                    for (pos, item) in chunk {
                        q = q.bind(id).bind(*pos as i64).bind(item.track_id.0).bind(item.reason.to_string());
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(hearth_core::ids::PlaylistId(id))
            }

            async fn list_playlists(&self, profile: Option<ProfileId>, limit: u32) -> StoreResult<Vec<crate::playlists::PlaylistSummary>> {
                let filter = if profile.is_some() { "WHERE p.profile_id = $2" } else { "" };
                let sql = format!("{} {filter} ORDER BY p.created_at DESC, p.id DESC LIMIT $1", crate::sql::PLAYLIST_SELECT);
                let mut q = sqlx::query(&sql).bind(i64::from(limit));
                if let Some(pid) = profile {
                    q = q.bind(pid.0);
                }
                let rows = q.fetch_all(self.r()).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(playlist_from_row!(r));
                }
                Ok(out)
            }

            async fn get_playlist(&self, id: hearth_core::ids::PlaylistId) -> StoreResult<Option<crate::playlists::StoredPlaylist>> {
                let sql = format!("{} WHERE p.id = $1", crate::sql::PLAYLIST_SELECT);
                let Some(row) = sqlx::query(&sql).bind(id.0).fetch_optional(self.r()).await? else {
                    return Ok(None);
                };
                let summary = playlist_from_row!(row);
                let rows = sqlx::query(
                    "SELECT i.position, i.reason, t.* FROM playlist_items i JOIN tracks t ON t.id = i.track_id \
                     WHERE i.playlist_id = $1 ORDER BY i.position",
                )
                .bind(id.0)
                .fetch_all(self.r())
                .await?;
                let mut items = Vec::with_capacity(rows.len());
                for r in rows {
                    let reason: String = r.try_get("reason")?;
                    let position: i64 = r.try_get("position")?;
                    items.push(crate::playlists::StoredPlaylistItem {
                        position,
                        reason: serde_json::from_str(&reason)
                            .map_err(|e| StoreError::Corrupt(format!("playlist_items.reason: {e}")))?,
                        track: track_from_row!(r),
                    });
                }
                Ok(Some(crate::playlists::StoredPlaylist { summary, items }))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn positional_rewrites_numbered_parameters_in_order() {
        assert_eq!(
            super::positional("SELECT a FROM t WHERE x > $1 AND y IN ($2, $3) AND z = '$'"),
            "SELECT a FROM t WHERE x > ? AND y IN (?, ?) AND z = '$'"
        );
        let many = super::placeholders(12, 1);
        assert_eq!(super::positional(&many), ["?"; 12].join(", "));
    }
}
