//! QFZZ PersonalizedDJ semantics (SPEC §7.3, seeds `002_*.txt` / `003_*.txt`), exactly:
//!
//! - **Track score** = genre + artist + energy + tempo + mood, clamped to `[0, 1]`, where
//!   genre = `weight × 0.30` when the track's genre is in the preferences, else `0.5 × 0.30` when it
//!   is in the similar-genre list of any preferred genre, else 0 (`calculate_track_score`);
//!   artist = `weight × 0.25`; energy = `(1 − |track.energy − energy_level|) × 0.20`;
//!   tempo = `0.15` when the track's tempo class equals the preference or the preference is
//!   `varied`; mood = `weight × 0.10`.
//! - **Discovery**: sort by score (stable), keep the top `split = max(1, ⌊n(1 − f)⌋)`, then append
//!   `min(⌊split·f / (1 − f + 0.01)⌋, n − split)` tracks drawn at random from the rest. Unlike seed
//!   002's prose ("shuffle results") nothing is shuffled: with `f = 0` the ranked list comes back.
//! - **Feedback** moves the weight of the track's genre, artist and mood (default 0.5 when absent,
//!   clamped to `[0, 1]`) by favorite +0.2, like +0.1, play +0.05, skip −0.05, dislike −0.1, or
//!   `(rating − 0.5) × 0.2` when a rating is given. Hearth's extra kinds: love +0.2 (as favorite),
//!   hate −0.2 (mirror of favorite), bad_recommendation −0.1 (as dislike). Feedback on a track the
//!   catalogue does not know is logged and changes no weight. History keeps the last 1000 entries.
//!
//! Hearth tracks carry several tags where QFZZ has one genre and one mood: a [`QfzzTrack`] may list
//! several genres and moods, and each term takes the best-scoring one (with one genre this is
//! QFZZ's formula unchanged). A track without a known energy gets no energy term.

use crate::clock::UnixMs;
use crate::explore::SeededRng;
use crate::model::FeedbackKind;
use crate::prefs::{Preferences, TempoPreference};
use crate::vibe::TempoClass;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

pub const GENRE_WEIGHT: f64 = 0.30;
pub const ARTIST_WEIGHT: f64 = 0.25;
pub const ENERGY_WEIGHT: f64 = 0.20;
pub const TEMPO_WEIGHT: f64 = 0.15;
pub const MOOD_WEIGHT: f64 = 0.10;
/// Share of the genre weight a similar genre earns.
pub const SIMILAR_GENRE_SHARE: f64 = 0.5;
/// Weight assumed for a genre/artist/mood the profile has never rated.
pub const DEFAULT_PREFERENCE: f64 = 0.5;
/// Interaction history length.
pub const HISTORY_CAP: usize = 1000;

/// QFZZ's genre similarity map (seed 002 "Genre Similarity Mappings").
pub const GENRE_SIMILARITY: &[(&str, &[&str])] = &[
    ("rock", &["alternative", "indie", "punk", "metal"]),
    ("pop", &["dance", "electronic", "indie-pop", "synth-pop"]),
    ("jazz", &["blues", "soul", "funk", "swing"]),
    (
        "classical",
        &["orchestral", "baroque", "romantic", "contemporary"],
    ),
    ("hip-hop", &["rap", "trap", "r&b", "urban"]),
    ("electronic", &["techno", "house", "trance", "ambient"]),
    (
        "folk",
        &["acoustic", "country", "americana", "singer-songwriter"],
    ),
    (
        "metal",
        &["hard-rock", "progressive", "death-metal", "black-metal"],
    ),
];

/// Genres similar to `genre` (empty when it has no entry).
pub fn similar_genres(genre: &str) -> &'static [&'static str] {
    GENRE_SIMILARITY
        .iter()
        .find(|(g, _)| *g == genre)
        .map(|(_, s)| *s)
        .unwrap_or(&[])
}

/// A catalogue track as QFZZ sees it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QfzzTrack {
    pub track_id: String,
    pub title: String,
    pub artist: String,
    pub genres: Vec<String>,
    pub moods: Vec<String>,
    /// In `[0, 1]`.
    pub energy: Option<f64>,
    pub tempo: Option<TempoClass>,
    pub duration_s: Option<u32>,
}

impl QfzzTrack {
    /// Checks the fields QFZZ's `add_content` requires.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.track_id.trim().is_empty() {
            return Err(CoreError::invalid("track_id", "must not be empty"));
        }
        if self.artist.trim().is_empty() {
            return Err(CoreError::invalid(
                "artist",
                format!("track {} has no artist", self.track_id),
            ));
        }
        if let Some(e) = self.energy {
            if !(e.is_finite() && (0.0..=1.0).contains(&e)) {
                return Err(CoreError::invalid(
                    "energy",
                    format!("track {}: {e} is outside [0.0, 1.0]", self.track_id),
                ));
            }
        }
        Ok(())
    }
}

/// The five terms of a track's score (before clamping) and the preferences that produced them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QfzzBreakdown {
    pub genre: f64,
    pub artist: f64,
    pub energy: f64,
    pub tempo: f64,
    pub mood: f64,
    /// The genre that earned the genre term and whether it was via similarity
    /// (`(genre, Some(preferred))` for a similar genre).
    pub genre_match: Option<(String, Option<String>)>,
    pub mood_match: Option<String>,
    /// The clamped total.
    pub score: f64,
}

/// QFZZ `calculate_track_score` with its breakdown.
pub fn score_track(prefs: &Preferences, track: &QfzzTrack) -> QfzzBreakdown {
    let mut b = QfzzBreakdown::default();
    for g in &track.genres {
        let (value, why) = if let Some(w) = prefs.genres.get(g) {
            (w * GENRE_WEIGHT, (g.clone(), None))
        } else if let Some(pref) = prefs
            .genres
            .keys()
            .find(|p| similar_genres(p).contains(&g.as_str()))
        {
            (
                SIMILAR_GENRE_SHARE * GENRE_WEIGHT,
                (g.clone(), Some(pref.clone())),
            )
        } else {
            continue;
        };
        if b.genre_match.is_none() || value > b.genre {
            b.genre = value;
            b.genre_match = Some(why);
        }
    }
    if let Some(w) = prefs.artists.get(&track.artist) {
        b.artist = w * ARTIST_WEIGHT;
    }
    if let Some(e) = track.energy {
        b.energy = (1.0 - (e - prefs.energy_level).abs()) * ENERGY_WEIGHT;
    }
    let tempo_ok = match prefs.tempo_preference {
        TempoPreference::Varied => true,
        TempoPreference::Slow => track.tempo == Some(TempoClass::Slow),
        TempoPreference::Medium => track.tempo == Some(TempoClass::Medium),
        TempoPreference::Fast => track.tempo == Some(TempoClass::Fast),
    };
    if tempo_ok {
        b.tempo = TEMPO_WEIGHT;
    }
    for m in &track.moods {
        if let Some(w) = prefs.moods.get(m) {
            if b.mood_match.is_none() || w * MOOD_WEIGHT > b.mood {
                b.mood = w * MOOD_WEIGHT;
                b.mood_match = Some(m.clone());
            }
        }
    }
    b.score = (b.genre + b.artist + b.energy + b.tempo + b.mood).clamp(0.0, 1.0);
    b
}

/// A recommended catalogue entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QfzzPick {
    /// Index into the catalogue passed in.
    pub index: usize,
    pub score: f64,
    /// True when it came from the random discovery draw rather than the ranked head.
    pub discovery: bool,
}

/// The number of ranked tracks kept and random discovery picks added for `n` candidates.
pub fn discovery_split(n: usize, discovery_factor: f64) -> (usize, usize) {
    if n == 0 {
        return (0, 0);
    }
    let f = discovery_factor.clamp(0.0, 1.0);
    let split = ((n as f64 * (1.0 - f)).floor() as usize).clamp(1, n);
    let extra = ((split as f64 * f / (1.0 - f + 0.01)).floor() as usize).min(n - split);
    (split, extra)
}

/// QFZZ `recommend` over a catalogue: score all, sort, apply the discovery factor with a seeded
/// draw. Empty catalogue → empty list.
pub fn recommend(prefs: &Preferences, catalog: &[QfzzTrack], seed: u64) -> Vec<QfzzPick> {
    let mut scored: Vec<(usize, f64)> = catalog
        .iter()
        .enumerate()
        .map(|(i, t)| (i, score_track(prefs, t).score))
        .collect();
    // Stable: equal scores keep catalogue order (Python's sort is stable too).
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (split, extra) = discovery_split(scored.len(), prefs.discovery_factor);
    let mut out: Vec<QfzzPick> = scored[..split]
        .iter()
        .map(|&(index, score)| QfzzPick {
            index,
            score,
            discovery: false,
        })
        .collect();
    let rest = &scored[split..];
    let mut rng = SeededRng::new(seed);
    for i in rng.sample_indices(rest.len(), extra) {
        out.push(QfzzPick {
            index: rest[i].0,
            score: rest[i].1,
            discovery: true,
        });
    }
    out
}

/// The weight change of one interaction: the rating's `(rating − 0.5) × 0.2` when a rating is
/// given, else the kind's strength. A rating outside `[0, 1]` is refused.
pub fn feedback_strength(kind: FeedbackKind, rating: Option<f64>) -> Result<f64, CoreError> {
    if let Some(r) = rating {
        if !(r.is_finite() && (0.0..=1.0).contains(&r)) {
            return Err(CoreError::invalid(
                "rating",
                format!("{r} is outside [0.0, 1.0]"),
            ));
        }
        return Ok((r - 0.5) * 0.2);
    }
    Ok(match kind {
        FeedbackKind::Favorite | FeedbackKind::Love => 0.2,
        FeedbackKind::Like => 0.1,
        FeedbackKind::Play => 0.05,
        FeedbackKind::Skip => -0.05,
        FeedbackKind::Dislike | FeedbackKind::BadRecommendation => -0.1,
        FeedbackKind::Hate => -0.2,
    })
}

/// What a feedback changed: `(field, name, old, new)` per touched weight.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FeedbackEffect {
    pub strength: f64,
    pub changes: Vec<WeightChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightChange {
    /// `genres`, `artists` or `moods`.
    pub field: String,
    pub name: String,
    pub old: Option<f64>,
    pub new: f64,
}

/// Applies QFZZ `update_from_feedback` to preferences. `track` is `None` for a track the
/// catalogue does not know (no weight changes).
pub fn apply_feedback(
    prefs: &mut Preferences,
    track: Option<&QfzzTrack>,
    kind: FeedbackKind,
    rating: Option<f64>,
) -> Result<FeedbackEffect, CoreError> {
    let strength = feedback_strength(kind, rating)?;
    let mut effect = FeedbackEffect {
        strength,
        changes: Vec::new(),
    };
    let Some(track) = track else {
        return Ok(effect);
    };
    let mut bump = |field: &str, map: &mut BTreeMap<String, f64>, name: &str| {
        if name.trim().is_empty() {
            return;
        }
        let old = map.get(name).copied();
        let new = (old.unwrap_or(DEFAULT_PREFERENCE) + strength).clamp(0.0, 1.0);
        map.insert(name.to_string(), new);
        effect.changes.push(WeightChange {
            field: field.to_string(),
            name: name.to_string(),
            old,
            new,
        });
    };
    for g in &track.genres {
        bump("genres", &mut prefs.genres, g);
    }
    bump("artists", &mut prefs.artists, &track.artist);
    for m in &track.moods {
        bump("moods", &mut prefs.moods, m);
    }
    Ok(effect)
}

/// One logged interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub track_id: String,
    pub kind: FeedbackKind,
    pub rating: Option<f64>,
    pub ts: UnixMs,
}

/// A QFZZ `UserProfile`: preferences plus interaction history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QfzzProfile {
    pub user_id: String,
    pub preferences: Preferences,
    pub interaction_history: VecDeque<Interaction>,
    pub created_at: UnixMs,
    pub updated_at: UnixMs,
}

impl QfzzProfile {
    pub fn new(user_id: &str, preferences: Preferences, now_ms: UnixMs) -> Result<Self, CoreError> {
        if user_id.trim().is_empty() {
            return Err(CoreError::invalid("user_id", "must not be empty"));
        }
        preferences.validate()?;
        Ok(QfzzProfile {
            user_id: user_id.to_string(),
            preferences,
            interaction_history: VecDeque::new(),
            created_at: now_ms,
            updated_at: now_ms,
        })
    }

    /// Appends to the history, keeping the last [`HISTORY_CAP`] entries.
    pub fn add_interaction(&mut self, i: Interaction) {
        self.updated_at = self.updated_at.max(i.ts);
        self.interaction_history.push_back(i);
        while self.interaction_history.len() > HISTORY_CAP {
            self.interaction_history.pop_front();
        }
    }

    pub fn top_genres(&self, limit: usize) -> Vec<String> {
        self.preferences.top_genres(limit)
    }
    pub fn top_artists(&self, limit: usize) -> Vec<String> {
        self.preferences.top_artists(limit)
    }
}

/// QFZZ's `PersonalizedDJ` as a value: profiles and a catalogue in memory. The server keeps
/// preferences in the store and calls the free functions; this type serves library users and
/// tests of the whole QFZZ flow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonalizedDj {
    profiles: BTreeMap<String, QfzzProfile>,
    catalog: Vec<QfzzTrack>,
}

impl PersonalizedDj {
    pub fn new() -> Self {
        Self::default()
    }

    /// The profile, created with `initial` preferences (validated) when missing. Existing
    /// profiles are returned unchanged (`initial` is ignored, as in QFZZ).
    pub fn get_or_create_profile(
        &mut self,
        user_id: &str,
        initial: Option<Preferences>,
        now_ms: UnixMs,
    ) -> Result<&mut QfzzProfile, CoreError> {
        if !self.profiles.contains_key(user_id) {
            let p = QfzzProfile::new(user_id, initial.unwrap_or_default(), now_ms)?;
            self.profiles.insert(user_id.to_string(), p);
        }
        Ok(self
            .profiles
            .get_mut(user_id)
            .expect("profile inserted above"))
    }

    pub fn get_profile(&self, user_id: &str) -> Option<&QfzzProfile> {
        self.profiles.get(user_id)
    }

    /// Adds tracks to the catalogue after validating every one (nothing is added on error).
    pub fn add_content(&mut self, tracks: Vec<QfzzTrack>) -> Result<(), CoreError> {
        for t in &tracks {
            t.validate()?;
        }
        self.catalog.extend(tracks);
        Ok(())
    }

    pub fn catalog(&self) -> &[QfzzTrack] {
        &self.catalog
    }

    /// Recommendations for a user (profile created on demand), optionally with real-time
    /// preferences that override the stored ones for this call only.
    pub fn recommend(
        &mut self,
        user_id: &str,
        override_prefs: Option<&Preferences>,
        seed: u64,
        now_ms: UnixMs,
    ) -> Result<Vec<(QfzzTrack, QfzzPick)>, CoreError> {
        if let Some(p) = override_prefs {
            p.validate()?;
        }
        let profile = self.get_or_create_profile(user_id, None, now_ms)?;
        let prefs = override_prefs
            .cloned()
            .unwrap_or_else(|| profile.preferences.clone());
        Ok(recommend(&prefs, &self.catalog, seed)
            .into_iter()
            .map(|p| (self.catalog[p.index].clone(), p))
            .collect())
    }

    /// Records feedback: logs it and moves the preferences of the track's genre, artist and mood.
    pub fn record_feedback(
        &mut self,
        user_id: &str,
        track_id: &str,
        kind: FeedbackKind,
        rating: Option<f64>,
        now_ms: UnixMs,
    ) -> Result<FeedbackEffect, CoreError> {
        let track = self
            .catalog
            .iter()
            .find(|t| t.track_id == track_id)
            .cloned();
        let profile = self.get_or_create_profile(user_id, None, now_ms)?;
        let effect = apply_feedback(&mut profile.preferences, track.as_ref(), kind, rating)?;
        profile.add_interaction(Interaction {
            track_id: track_id.to_string(),
            kind,
            rating,
            ts: now_ms,
        });
        Ok(effect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn track(
        id: &str,
        artist: &str,
        genre: &str,
        mood: &str,
        energy: f64,
        tempo: TempoClass,
    ) -> QfzzTrack {
        QfzzTrack {
            track_id: id.into(),
            title: format!("Title {id}"),
            artist: artist.into(),
            genres: vec![genre.into()],
            moods: vec![mood.into()],
            energy: Some(energy),
            tempo: Some(tempo),
            duration_s: Some(200),
        }
    }

    fn jazz_fan() -> Preferences {
        Preferences {
            genres: BTreeMap::from([("jazz".to_string(), 0.9)]),
            artists: BTreeMap::from([("Miles Davis".to_string(), 0.8)]),
            moods: BTreeMap::from([("calm".to_string(), 0.6)]),
            energy_level: 0.4,
            tempo_preference: TempoPreference::Slow,
            discovery_factor: 0.0,
        }
    }

    #[test]
    fn score_is_the_exact_qfzz_sum() {
        let p = jazz_fan();
        let t = track("1", "Miles Davis", "jazz", "calm", 0.3, TempoClass::Slow);
        let b = score_track(&p, &t);
        // 0.9·0.30 + 0.8·0.25 + (1 − 0.1)·0.20 + 0.15 + 0.6·0.10
        let want = 0.27 + 0.2 + 0.18 + 0.15 + 0.06;
        assert!((b.score - want).abs() < 1e-12, "{}", b.score);
        assert!((b.genre - 0.27).abs() < 1e-12);
        assert_eq!(b.genre_match, Some(("jazz".into(), None)));
    }

    #[test]
    fn similar_genre_earns_half_the_genre_weight() {
        let p = jazz_fan();
        let blues = track("2", "X", "blues", "sad", 0.4, TempoClass::Fast);
        let b = score_track(&p, &blues);
        assert!((b.genre - 0.15).abs() < 1e-12);
        assert_eq!(b.genre_match, Some(("blues".into(), Some("jazz".into()))));
        // energy exact (0.2) + genre 0.15, no tempo, artist or mood.
        assert!((b.score - 0.35).abs() < 1e-12);
    }

    #[test]
    fn exact_match_outranks_mismatch_and_similar_outranks_unrelated() {
        let p = jazz_fan();
        let cat = vec![
            track("metal", "Y", "metal", "angry", 0.4, TempoClass::Slow),
            track("blues", "Y", "blues", "angry", 0.4, TempoClass::Slow),
            track("jazz", "Y", "jazz", "angry", 0.4, TempoClass::Slow),
        ];
        let recs = recommend(&p, &cat, 1);
        let order: Vec<&str> = recs
            .iter()
            .map(|r| cat[r.index].track_id.as_str())
            .collect();
        assert_eq!(order, vec!["jazz", "blues", "metal"]);
    }

    #[test]
    fn varied_tempo_matches_anything_and_score_is_clamped() {
        let p = Preferences {
            genres: BTreeMap::from([("rock".into(), 1.0)]),
            artists: BTreeMap::from([("A".into(), 1.0)]),
            moods: BTreeMap::from([("happy".into(), 1.0)]),
            energy_level: 0.5,
            tempo_preference: TempoPreference::Varied,
            discovery_factor: 0.3,
        };
        let mut t = track("1", "A", "rock", "happy", 0.5, TempoClass::Fast);
        t.tempo = None;
        let b = score_track(&p, &t);
        assert!((b.tempo - 0.15).abs() < 1e-12);
        assert!((b.score - 1.0).abs() < 1e-12);
    }

    #[rstest]
    #[case(0, 0.3, (0, 0))]
    #[case(10, 0.0, (10, 0))]
    // split = ⌊10·0.7⌋ = 7, extra = min(⌊7·0.3/0.71⌋ = 2, 3) = 2.
    #[case(10, 0.3, (7, 2))]
    // split = max(1, 0) = 1, extra = min(⌊1·1/0.01⌋, 9) = 9.
    #[case(10, 1.0, (1, 9))]
    // split = ⌊100·0.5⌋ = 50, extra = min(⌊50·0.5/0.51⌋ = 49, 50) = 49.
    #[case(100, 0.5, (50, 49))]
    #[case(1, 0.9, (1, 0))]
    fn discovery_split_formula(#[case] n: usize, #[case] f: f64, #[case] want: (usize, usize)) {
        assert_eq!(discovery_split(n, f), want);
    }

    #[test]
    fn discovery_zero_keeps_the_ranked_list_and_empty_gives_empty() {
        let p = jazz_fan();
        let cat: Vec<QfzzTrack> = (0..20)
            .map(|i| {
                track(
                    &i.to_string(),
                    "Z",
                    "pop",
                    "x",
                    i as f64 / 20.0,
                    TempoClass::Medium,
                )
            })
            .collect();
        let recs = recommend(&p, &cat, 9);
        assert_eq!(recs.len(), 20);
        assert!(recs.iter().all(|r| !r.discovery));
        assert!(recs.windows(2).all(|w| w[0].score >= w[1].score));
        assert!(recommend(&p, &[], 9).is_empty());
    }

    #[test]
    fn discovery_picks_come_from_the_tail_and_are_seeded() {
        let mut p = jazz_fan();
        p.discovery_factor = 0.3;
        let cat: Vec<QfzzTrack> = (0..20)
            .map(|i| {
                track(
                    &i.to_string(),
                    "Z",
                    "pop",
                    "x",
                    i as f64 / 20.0,
                    TempoClass::Medium,
                )
            })
            .collect();
        let a = recommend(&p, &cat, 4);
        let b = recommend(&p, &cat, 4);
        assert_eq!(a, b);
        // split 14, extra min(⌊14·0.3/0.71⌋ = 5, 6) = 5.
        assert_eq!(a.len(), 19);
        assert_eq!(a.iter().filter(|r| r.discovery).count(), 5);
        let head_min = a[..14]
            .iter()
            .map(|r| r.score)
            .fold(f64::INFINITY, f64::min);
        assert!(a[14..].iter().all(|r| r.score <= head_min));
        let mut idx: Vec<usize> = a.iter().map(|r| r.index).collect();
        idx.sort();
        idx.dedup();
        assert_eq!(idx.len(), 19);
    }

    fn dj_with(track: QfzzTrack) -> PersonalizedDj {
        let mut dj = PersonalizedDj::new();
        dj.add_content(vec![track]).unwrap();
        dj
    }

    #[test]
    fn like_moves_genre_artist_and_mood_from_default_to_0_6() {
        let mut dj = dj_with(track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow));
        let e = dj
            .record_feedback("u", "t1", FeedbackKind::Like, None, 1)
            .unwrap();
        assert_eq!(e.changes.len(), 3);
        let p = &dj.get_profile("u").unwrap().preferences;
        for w in [p.genres["jazz"], p.artists["Art"], p.moods["calm"]] {
            assert!((w - 0.6).abs() < 1e-12, "{w}");
        }
    }

    #[test]
    fn dislike_then_skip_takes_0_6_to_0_5_then_0_45() {
        let mut dj = dj_with(track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow));
        dj.record_feedback("u", "t1", FeedbackKind::Like, None, 1)
            .unwrap();
        dj.record_feedback("u", "t1", FeedbackKind::Dislike, None, 2)
            .unwrap();
        let w = dj.get_profile("u").unwrap().preferences.genres["jazz"];
        assert!((w - 0.5).abs() < 1e-12, "{w}");
        dj.record_feedback("u", "t1", FeedbackKind::Skip, None, 3)
            .unwrap();
        let p = &dj.get_profile("u").unwrap().preferences;
        for w in [p.genres["jazz"], p.artists["Art"], p.moods["calm"]] {
            assert!((w - 0.45).abs() < 1e-12, "{w}");
        }
    }

    #[rstest]
    #[case(FeedbackKind::Favorite, None, 0.2)]
    #[case(FeedbackKind::Love, None, 0.2)]
    #[case(FeedbackKind::Like, None, 0.1)]
    #[case(FeedbackKind::Play, None, 0.05)]
    #[case(FeedbackKind::Skip, None, -0.05)]
    #[case(FeedbackKind::Dislike, None, -0.1)]
    #[case(FeedbackKind::BadRecommendation, None, -0.1)]
    #[case(FeedbackKind::Hate, None, -0.2)]
    #[case(FeedbackKind::Play, Some(1.0), 0.1)]
    #[case(FeedbackKind::Like, Some(0.2), -0.06)]
    #[case(FeedbackKind::Skip, Some(0.5), 0.0)]
    fn strengths(#[case] kind: FeedbackKind, #[case] rating: Option<f64>, #[case] want: f64) {
        assert!((feedback_strength(kind, rating).unwrap() - want).abs() < 1e-12);
    }

    #[test]
    fn favorite_gives_0_2_and_rating_one_gives_0_1() {
        let mut dj = dj_with(track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow));
        dj.record_feedback("u", "t1", FeedbackKind::Favorite, None, 1)
            .unwrap();
        assert!((dj.get_profile("u").unwrap().preferences.artists["Art"] - 0.7).abs() < 1e-12);
        dj.record_feedback("v", "t1", FeedbackKind::Play, Some(1.0), 1)
            .unwrap();
        assert!((dj.get_profile("v").unwrap().preferences.artists["Art"] - 0.6).abs() < 1e-12);
    }

    #[test]
    fn weights_are_clamped() {
        let mut dj = dj_with(track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow));
        for _ in 0..10 {
            dj.record_feedback("u", "t1", FeedbackKind::Favorite, None, 1)
                .unwrap();
            dj.record_feedback("w", "t1", FeedbackKind::Hate, None, 1)
                .unwrap();
        }
        assert_eq!(dj.get_profile("u").unwrap().preferences.genres["jazz"], 1.0);
        assert_eq!(dj.get_profile("w").unwrap().preferences.genres["jazz"], 0.0);
    }

    #[test]
    fn bad_rating_is_refused_and_changes_nothing() {
        let mut dj = dj_with(track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow));
        let err = dj
            .record_feedback("u", "t1", FeedbackKind::Play, Some(1.5), 1)
            .unwrap_err();
        assert!(matches!(err, CoreError::InvalidInput { ref field, .. } if field == "rating"));
        let p = dj.get_profile("u").unwrap();
        assert!(p.preferences.genres.is_empty() && p.interaction_history.is_empty());
    }

    #[test]
    fn feedback_on_unknown_track_is_logged_but_changes_no_weight() {
        let mut dj = dj_with(track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow));
        let before = dj
            .get_or_create_profile("u", Some(jazz_fan()), 0)
            .unwrap()
            .preferences
            .clone();
        let e = dj
            .record_feedback("u", "nope", FeedbackKind::Like, None, 5)
            .unwrap();
        assert!(e.changes.is_empty());
        let p = dj.get_profile("u").unwrap();
        assert_eq!(p.preferences, before);
        assert_eq!(p.interaction_history.len(), 1);
        assert_eq!(p.interaction_history[0].track_id, "nope");
    }

    #[test]
    fn history_keeps_the_last_1000() {
        let mut dj = dj_with(track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow));
        for i in 0..1005 {
            dj.record_feedback("u", &format!("x{i}"), FeedbackKind::Play, None, i)
                .unwrap();
        }
        let h = &dj.get_profile("u").unwrap().interaction_history;
        assert_eq!(h.len(), 1000);
        assert_eq!(h.front().unwrap().track_id, "x5");
        assert_eq!(h.back().unwrap().track_id, "x1004");
    }

    #[test]
    fn profiles_validate_and_are_cached() {
        let mut dj = PersonalizedDj::new();
        let bad = Preferences {
            energy_level: 2.0,
            ..Preferences::default()
        };
        assert!(dj.get_or_create_profile("u", Some(bad), 0).is_err());
        assert!(dj.get_profile("u").is_none());
        assert!(dj.get_or_create_profile("", None, 0).is_err());
        dj.get_or_create_profile("u", Some(jazz_fan()), 0).unwrap();
        // A second call ignores the new initial preferences.
        let p = dj
            .get_or_create_profile("u", Some(Preferences::default()), 0)
            .unwrap();
        assert_eq!(p.preferences, jazz_fan());
        assert_eq!(p.top_genres(5), vec!["jazz"]);
        assert_eq!(p.top_artists(5), vec!["Miles Davis"]);
    }

    #[test]
    fn add_content_validates() {
        let mut dj = PersonalizedDj::new();
        let mut t = track("t1", "Art", "jazz", "calm", 0.5, TempoClass::Slow);
        t.energy = Some(1.5);
        assert!(dj.add_content(vec![t]).is_err());
        assert!(dj.catalog().is_empty());
    }

    #[test]
    fn dj_recommend_uses_override_preferences() {
        let mut dj = PersonalizedDj::new();
        dj.add_content(vec![
            track("j", "A", "jazz", "calm", 0.4, TempoClass::Slow),
            track("r", "B", "rock", "calm", 0.4, TempoClass::Slow),
        ])
        .unwrap();
        dj.get_or_create_profile("u", Some(jazz_fan()), 0).unwrap();
        let recs = dj.recommend("u", None, 1, 0).unwrap();
        assert_eq!(recs[0].0.track_id, "j");
        let rock = Preferences {
            genres: BTreeMap::from([("rock".into(), 1.0)]),
            discovery_factor: 0.0,
            ..Preferences::default()
        };
        let recs = dj.recommend("u", Some(&rock), 1, 0).unwrap();
        assert_eq!(recs[0].0.track_id, "r");
    }

    proptest::proptest! {
        #[test]
        fn scores_and_weights_stay_in_unit_interval(
            energy in 0.0f64..=1.0, level in 0.0f64..=1.0, gw in 0.0f64..=1.0,
            kinds in proptest::collection::vec(0usize..8, 0..30),
        ) {
            let mut p = jazz_fan();
            p.energy_level = level;
            p.genres.insert("pop".into(), gw);
            let t = track("1", "Miles Davis", "pop", "calm", energy, TempoClass::Slow);
            let s = score_track(&p, &t).score;
            proptest::prop_assert!(s.is_finite() && (0.0..=1.0).contains(&s));
            for k in kinds {
                apply_feedback(&mut p, Some(&t), FeedbackKind::ALL[k], None).unwrap();
            }
            proptest::prop_assert!(p.validate().is_ok());
        }
    }
}
