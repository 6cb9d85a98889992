//! Playlist assembly (SPEC §8.1): known favourites and new discoveries, mixed and ordered.
//!
//! Pure: the caller hands in candidate lists (already scored and annotated with what the profile
//! did with each track) and gets back an ordered list where every item carries its kind and the
//! reasons it is there, plus the rules that could not be met and why.
//!
//! The phases, in order:
//! 1. **Filter** — drop what the profile hated (latest sentiment negative) or skipped at least
//!    [`SKIPS_TO_EXCLUDE`] times in the caller's recent window ([`RECENT_SKIP_WINDOW_MS`]), and
//!    keep one version per recording key (a known version wins over a discovered one).
//! 2. **Rank** — known tracks in tiers: liked and not played for [`REDISCOVER_AFTER_MS`] first,
//!    then liked, then merely often played; within a tier by play count with a little seeded
//!    jitter (so two seeds give two different, equally good lists). Discoveries by their score.
//! 3. **Select** — fill `total_tracks` (or, with `duration_min`, the target duration) taking the
//!    next known track whenever the known share would fall below `known_pct`, respecting
//!    `max_per_artist` (raised one step at a time only when the candidates cannot fill the list
//!    otherwise). With a duration, a small local search (swap / add / remove) brings the total
//!    within ±[`DURATION_TOLERANCE`].
//! 4. **Order** — a depth-first search whose candidate order at each position is the greedy
//!    nearest-neighbour choice (energy and tempo distance to the previous track, distance to the
//!    energy arc, and the evenly spread known/discovery slot pattern), with the artist spacing as
//!    a hard constraint and a feasibility bound that prunes dead ends early. Without backtracking
//!    it is exactly the greedy chain; backtracking only happens when the chain would paint itself
//!    into a corner. When no order within a node budget exists the spacing is relaxed by one and
//!    the result says so.
//!
//! Spacing semantics: `min_artist_spacing = 4` means at least four *other* tracks between two
//! tracks of one artist (their positions differ by at least 5).

use crate::clock::UnixMs;
use crate::config::PlaylistConfig;
use crate::explore::SeededRng;
use crate::ids::TrackId;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Known tracks liked but not played for this long come first ("rediscover").
pub const REDISCOVER_AFTER_MS: i64 = 60 * 86_400_000;
/// The window in which callers count skips for [`KnownTrack::recent_skips`].
pub const RECENT_SKIP_WINDOW_MS: i64 = 30 * 86_400_000;
/// A track skipped this many times within the recent window is left out.
pub const SKIPS_TO_EXCLUDE: u32 = 2;
/// `duration_min` is honoured within this fraction (±5 %).
pub const DURATION_TOLERANCE: f64 = 0.05;
/// Planning length of a track whose duration is unknown (3:30).
pub const ASSUMED_TRACK_MS: i64 = 210_000;
/// Upper bound of `total_tracks`.
pub const MAX_TRACKS: usize = 500;
/// Nodes the ordering search may visit per spacing attempt before relaxing the spacing.
const ORDER_NODE_BUDGET: usize = 20_000;
/// Double moves of the duration search are tried on selections up to this long (longer lists
/// have a tolerance of several tracks, which single moves reach)…
const DOUBLE_MOVE_MAX_LEN: usize = 120;
/// …and among this many best-ranked leftovers per pool.
const DOUBLE_MOVE_POOL: usize = 60;

/// Optional energy shape over the playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnergyArc {
    #[default]
    None,
    /// Calm to energetic.
    BuildUp,
    /// Energetic to calm.
    WindDown,
}

impl EnergyArc {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(EnergyArc::None),
            "build_up" => Some(EnergyArc::BuildUp),
            "wind_down" => Some(EnergyArc::WindDown),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EnergyArc::None => "none",
            EnergyArc::BuildUp => "build_up",
            EnergyArc::WindDown => "wind_down",
        }
    }

    /// Target energy at position `p` of `n`, or `None` without an arc.
    fn target(self, p: usize, n: usize) -> Option<f32> {
        let t = if n <= 1 {
            0.0
        } else {
            p as f32 / (n - 1) as f32
        };
        match self {
            EnergyArc::None => None,
            EnergyArc::BuildUp => Some(0.2 + 0.7 * t),
            EnergyArc::WindDown => Some(0.9 - 0.7 * t),
        }
    }
}

/// Whether an item is one of the profile's favourites or a new discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Known,
    Discovery,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Known => "known",
            ItemKind::Discovery => "discovery",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "known" => Some(ItemKind::Known),
            "discovery" => Some(ItemKind::Discovery),
            _ => None,
        }
    }
}

/// What assembly needs to know about any track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackTraits {
    pub track_id: TrackId,
    /// Normalised artist (`norm::norm_artist`): the unit of the per-artist rules.
    pub artist_key: String,
    /// Normalised recording (`norm::norm_key`): two versions of one recording share it.
    pub recording_key: String,
    pub duration_ms: Option<i64>,
    /// Audio energy in `[0, 1]`, when analysed.
    pub energy: Option<f32>,
    pub tempo_bpm: Option<f32>,
}

/// A track the profile already knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnownTrack {
    pub traits: TrackTraits,
    /// Latest sentiment feedback is like / love / favorite.
    pub liked: bool,
    /// Listens that were not skips.
    pub play_count: u32,
    pub last_played_ms: Option<UnixMs>,
    /// Skips within [`RECENT_SKIP_WINDOW_MS`] before now.
    pub recent_skips: u32,
    /// Latest sentiment feedback is negative (hate / dislike / bad recommendation).
    pub hated: bool,
}

/// A track the ranker proposes as new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    pub traits: TrackTraits,
    pub score: f32,
    pub reasons: Vec<String>,
    pub recent_skips: u32,
    pub hated: bool,
}

/// The knobs of one generation (defaults from `[playlist]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaylistParams {
    pub total_tracks: usize,
    /// Share of known favourites, 0–100.
    pub known_pct: u32,
    /// Target total duration in minutes; when set, the track count follows from it.
    pub duration_min: Option<f64>,
    pub max_per_artist: usize,
    /// Other tracks required between two tracks of one artist.
    pub min_artist_spacing: usize,
    pub arc: EnergyArc,
    pub seed: u64,
}

impl PlaylistParams {
    pub fn from_config(c: &PlaylistConfig, seed: u64) -> Self {
        PlaylistParams {
            total_tracks: c.total_tracks as usize,
            known_pct: c.known_pct,
            duration_min: None,
            max_per_artist: c.max_per_artist as usize,
            min_artist_spacing: c.min_artist_spacing as usize,
            arc: EnergyArc::None,
            seed,
        }
    }

    /// Range checks; errors name the field.
    pub fn validate(&self) -> Result<(), CoreError> {
        if !(1..=MAX_TRACKS).contains(&self.total_tracks) {
            return Err(CoreError::invalid(
                "total_tracks",
                format!("{} is outside 1..={MAX_TRACKS}", self.total_tracks),
            ));
        }
        if self.known_pct > 100 {
            return Err(CoreError::invalid(
                "known_pct",
                format!("{} is outside 0..=100", self.known_pct),
            ));
        }
        if let Some(d) = self.duration_min {
            if !(d.is_finite() && d > 0.0 && d <= 24.0 * 60.0) {
                return Err(CoreError::invalid(
                    "duration_min",
                    format!("{d} is outside (0, 1440] minutes"),
                ));
            }
        }
        if self.max_per_artist == 0 {
            return Err(CoreError::invalid("max_per_artist", "must be at least 1"));
        }
        if self.min_artist_spacing > 100 {
            return Err(CoreError::invalid(
                "min_artist_spacing",
                format!("{} is outside 0..=100", self.min_artist_spacing),
            ));
        }
        Ok(())
    }
}

/// One entry of the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaylistItem {
    pub track_id: TrackId,
    pub kind: ItemKind,
    /// Human sentences; never empty.
    pub reasons: Vec<String>,
    pub artist_key: String,
    pub duration_ms: Option<i64>,
    pub energy: Option<f32>,
    pub tempo_bpm: Option<f32>,
}

/// A rule that could not be met, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmet {
    /// The parameter or rule: `total_tracks`, `known_pct`, `max_per_artist`,
    /// `min_artist_spacing`, `duration_min`.
    pub rule: String,
    pub detail: String,
}

/// An assembled playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Playlist {
    pub items: Vec<PlaylistItem>,
    pub unmet: Vec<Unmet>,
    /// Candidates left out because the profile hated them.
    pub excluded_hated: usize,
    /// Candidates left out because they were skipped repeatedly of late.
    pub excluded_skipped: usize,
    /// Candidates left out as another version of a recording already chosen.
    pub duplicate_versions: usize,
}

impl Playlist {
    pub fn known_count(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.kind == ItemKind::Known)
            .count()
    }

    pub fn discovery_count(&self) -> usize {
        self.items.len() - self.known_count()
    }

    /// Sum of the known durations.
    pub fn duration_ms(&self) -> i64 {
        self.items.iter().filter_map(|i| i.duration_ms).sum()
    }

    pub fn unmet_rule(&self, rule: &str) -> Option<&Unmet> {
        self.unmet.iter().find(|u| u.rule == rule)
    }
}

/// The first pair of positions where one artist appears closer than `min_artist_spacing`
/// allows, if any.
pub fn spacing_violation(artists: &[&str], min_artist_spacing: usize) -> Option<(usize, usize)> {
    let mut last: BTreeMap<&str, usize> = BTreeMap::new();
    for (p, a) in artists.iter().enumerate() {
        if let Some(&q) = last.get(a) {
            if p - q <= min_artist_spacing {
                return Some((q, p));
            }
        }
        last.insert(a, p);
    }
    None
}

/// A filtered, ranked candidate.
#[derive(Debug, Clone)]
struct Pooled {
    traits: TrackTraits,
    kind: ItemKind,
    reasons: Vec<String>,
}

impl Pooled {
    fn planned_ms(&self) -> i64 {
        self.traits.duration_ms.unwrap_or(ASSUMED_TRACK_MS)
    }
}

/// Assembles a playlist from candidates (see the module docs for the phases).
pub fn assemble(
    known: &[KnownTrack],
    discoveries: &[Discovery],
    params: &PlaylistParams,
    now: UnixMs,
) -> Result<Playlist, CoreError> {
    params.validate()?;
    let mut rng = SeededRng::new(params.seed);
    let mut out = Playlist {
        items: Vec::new(),
        unmet: Vec::new(),
        excluded_hated: 0,
        excluded_skipped: 0,
        duplicate_versions: 0,
    };

    // Phase 1 + 2: filter and rank.
    // Recordings left out on the known side stay out when the ranker proposes them again.
    let mut hated_recordings: HashSet<&str> = HashSet::new();
    let mut skipped_recordings: HashSet<&str> = HashSet::new();
    let mut ranked_known: Vec<(u8, f64, &KnownTrack)> = Vec::new();
    for k in known {
        if k.hated {
            out.excluded_hated += 1;
            hated_recordings.insert(&k.traits.recording_key);
            continue;
        }
        if k.recent_skips >= SKIPS_TO_EXCLUDE {
            out.excluded_skipped += 1;
            skipped_recordings.insert(&k.traits.recording_key);
            continue;
        }
        let dormant = k
            .last_played_ms
            .is_none_or(|t| now.saturating_sub(t) >= REDISCOVER_AFTER_MS);
        let tier = match (k.liked, dormant) {
            (true, true) => 0,
            (true, false) => 1,
            (false, _) => 2,
        };
        let key = (1.0 + f64::from(k.play_count)).ln() + 0.75 * rng.next_f64();
        ranked_known.push((tier, key, k));
    }
    ranked_known.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.traits.track_id.cmp(&b.2.traits.track_id))
    });
    let mut seen_recordings: HashSet<String> = HashSet::new();
    let mut seen_ids: HashSet<TrackId> = HashSet::new();
    let mut known_pool: Vec<Pooled> = Vec::new();
    for (_, _, k) in ranked_known {
        if !seen_ids.insert(k.traits.track_id)
            || !seen_recordings.insert(k.traits.recording_key.clone())
        {
            out.duplicate_versions += 1;
            continue;
        }
        known_pool.push(Pooled {
            traits: k.traits.clone(),
            kind: ItemKind::Known,
            reasons: known_reasons(k, now),
        });
    }
    let mut ranked_disc: Vec<&Discovery> = Vec::new();
    for d in discoveries {
        let key = d.traits.recording_key.as_str();
        if d.hated || hated_recordings.contains(key) {
            out.excluded_hated += 1;
            continue;
        }
        if d.recent_skips >= SKIPS_TO_EXCLUDE || skipped_recordings.contains(key) {
            out.excluded_skipped += 1;
            continue;
        }
        ranked_disc.push(d);
    }
    ranked_disc.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.traits.track_id.cmp(&b.traits.track_id))
    });
    let mut disc_pool: Vec<Pooled> = Vec::new();
    for d in ranked_disc {
        if !seen_ids.insert(d.traits.track_id)
            || !seen_recordings.insert(d.traits.recording_key.clone())
        {
            out.duplicate_versions += 1;
            continue;
        }
        let mut reasons = d.reasons.clone();
        if reasons.is_empty() {
            reasons.push(format!("new to you (score {:.2})", d.score));
        }
        disc_pool.push(Pooled {
            traits: d.traits.clone(),
            kind: ItemKind::Discovery,
            reasons,
        });
    }

    // Phase 3: select.
    let target = match params.duration_min {
        Some(m) => Target::Duration((m * 60_000.0).round() as i64),
        None => Target::Count(params.total_tracks),
    };
    let pools = [&known_pool, &disc_pool];
    // In n slots with spacing s an artist fits at most (n-1)/(s+1)+1 times: choosing more of one
    // artist would make the spacing unsatisfiable although other artists could fill the list.
    let planned_n = match target {
        Target::Count(n) => n,
        Target::Duration(t) => {
            let all: Vec<i64> = known_pool
                .iter()
                .chain(&disc_pool)
                .map(Pooled::planned_ms)
                .collect();
            let mean = all.iter().sum::<i64>() / (all.len().max(1) as i64);
            usize::try_from(t / mean.max(1)).unwrap_or(1).max(1)
        }
    };
    let spacing_cap = (planned_n - 1) / (params.min_artist_spacing + 1) + 1;
    let mut cap = params.max_per_artist.min(spacing_cap);
    // First try a selection that keeps the spacing satisfiable; give that up before the cap.
    let mut spacing_aware = true;
    let sel = loop {
        let slots = spacing_aware.then_some((planned_n, params.min_artist_spacing + 1));
        let sel = fill(pools, target, params.known_pct, cap, slots);
        if sel.reached {
            break sel;
        }
        if spacing_aware && sel.spacing_blocked {
            spacing_aware = false;
        } else if sel.cap_blocked {
            cap += 1;
        } else {
            break sel;
        }
    };
    let mut sel = sel;
    if cap > params.max_per_artist {
        let artists: HashSet<&str> = known_pool
            .iter()
            .chain(&disc_pool)
            .map(|p| p.traits.artist_key.as_str())
            .collect();
        out.unmet.push(Unmet {
            rule: "max_per_artist".into(),
            detail: format!(
                "only {} artists among {} eligible tracks: max_per_artist relaxed from {} to {}",
                artists.len(),
                known_pool.len() + disc_pool.len(),
                params.max_per_artist,
                cap
            ),
        });
    }
    if let Target::Duration(t) = target {
        fit_duration(&mut sel, pools, t, params.known_pct, cap);
    }
    let chosen: Vec<&Pooled> = sel.chosen.iter().map(|&(k, i)| &pools[k][i]).collect();

    let eligible = known_pool.len() + disc_pool.len();
    let leftout = format!(
        "{} hated, {} skipped repeatedly, {} other versions left out",
        out.excluded_hated, out.excluded_skipped, out.duplicate_versions
    );
    match target {
        Target::Count(n) if chosen.len() < n => out.unmet.push(Unmet {
            rule: "total_tracks".into(),
            detail: format!(
                "only {} of {n} tracks: {eligible} eligible candidates ({leftout})",
                chosen.len()
            ),
        }),
        Target::Count(_) => {}
        Target::Duration(t) => {
            let total: i64 = chosen.iter().map(|p| p.planned_ms()).sum();
            let unknown = chosen
                .iter()
                .filter(|p| p.traits.duration_ms.is_none())
                .count();
            if !within_tolerance(total, t) {
                out.unmet.push(Unmet {
                    rule: "duration_min".into(),
                    detail: format!(
                        "reached {} of the {} asked ({eligible} eligible candidates, {leftout})",
                        fmt_ms(total),
                        fmt_ms(t)
                    ),
                });
            } else if unknown > 0 {
                out.unmet.push(Unmet {
                    rule: "duration_min".into(),
                    detail: format!(
                        "{unknown} tracks have no known duration; {} assumed for each",
                        fmt_ms(ASSUMED_TRACK_MS)
                    ),
                });
            }
        }
    }
    let known_count = chosen.iter().filter(|p| p.kind == ItemKind::Known).count();
    let wanted = chosen.len() as f64 * f64::from(params.known_pct) / 100.0;
    if (known_count as f64 - wanted).abs() > 1.0 {
        let (have_k, have_d) = (known_pool.len(), disc_pool.len());
        out.unmet.push(Unmet {
            rule: "known_pct".into(),
            detail: format!(
                "{known_count} known of {} tracks instead of {:.0}%: {have_k} known favourites and \
                 {have_d} discoveries were eligible",
                chosen.len(),
                params.known_pct
            ),
        });
    }

    // Phase 4: order.
    let (order, gap) = order(&chosen, params, known_count);
    if gap < params.min_artist_spacing {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &chosen {
            *counts.entry(p.traits.artist_key.as_str()).or_default() += 1;
        }
        let (top, n) = counts
            .iter()
            .max_by_key(|(a, n)| (**n, std::cmp::Reverse(**a)))
            .map(|(a, n)| (*a, *n))
            .unwrap_or(("", 0));
        out.unmet.push(Unmet {
            rule: "min_artist_spacing".into(),
            detail: format!(
                "{} tracks from {} artists ({top:?} has {n}): spacing relaxed from {} to {gap}",
                chosen.len(),
                counts.len(),
                params.min_artist_spacing
            ),
        });
    }
    out.items = order
        .into_iter()
        .map(|i| {
            let p = chosen[i];
            PlaylistItem {
                track_id: p.traits.track_id,
                kind: p.kind,
                reasons: p.reasons.clone(),
                artist_key: p.traits.artist_key.clone(),
                duration_ms: p.traits.duration_ms,
                energy: p.traits.energy,
                tempo_bpm: p.traits.tempo_bpm,
            }
        })
        .collect();
    Ok(out)
}

fn known_reasons(k: &KnownTrack, now: UnixMs) -> Vec<String> {
    let mut r = Vec::new();
    match (k.liked, k.last_played_ms) {
        (true, Some(t)) if now.saturating_sub(t) >= REDISCOVER_AFTER_MS => r.push(format!(
            "a favourite you liked and have not played for {} days",
            now.saturating_sub(t) / 86_400_000
        )),
        (true, None) => r.push("a favourite you liked and have not played here yet".into()),
        (true, Some(_)) => r.push("a favourite you liked".into()),
        (false, _) => {}
    }
    if k.play_count > 0 {
        let s = if k.play_count == 1 { "" } else { "s" };
        r.push(format!("played {} time{s}", k.play_count));
    }
    if r.is_empty() {
        r.push("from your listening history".into());
    }
    r
}

fn fmt_ms(ms: i64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

fn within_tolerance(total: i64, target: i64) -> bool {
    (total - target).abs() as f64 <= DURATION_TOLERANCE * target as f64
}

#[derive(Debug, Clone, Copy)]
enum Target {
    Count(usize),
    Duration(i64),
}

/// What [`fill`] chose: `(pool, index)` pairs, pool 0 = known, 1 = discovery.
struct Selection {
    chosen: Vec<(usize, usize)>,
    reached: bool,
    /// Some candidate was passed over only because its artist was at the cap.
    cap_blocked: bool,
    /// Some candidate was passed over to keep the artist spacing satisfiable.
    spacing_blocked: bool,
}

/// Known tracks wanted among `len` tracks (rounded half up).
fn known_wanted(len: usize, known_pct: u32) -> usize {
    (len * known_pct as usize + 50) / 100
}

/// Greedy selection in preference order. With a track count, the known quota is taken first
/// (favourites are the scarce part: discoveries must not use up their artists' slots), then the
/// discoveries; with a duration, kinds alternate to keep the share while the total grows.
/// `slots = Some((n, gap))` also refuses a track whose artist would make the spacing
/// unsatisfiable in `n` positions: by the task-scheduler bound, `(c-1)·gap + k_c ≤ n` must hold
/// at every level `c ≥ 2`, with `k_c` artists having at least `c` tracks.
fn fill(
    pools: [&Vec<Pooled>; 2],
    target: Target,
    known_pct: u32,
    cap: usize,
    slots: Option<(usize, usize)>,
) -> Selection {
    let mut f = Filler {
        pools,
        cap,
        slots,
        per_artist: BTreeMap::new(),
        at_least: vec![0; cap + 2],
        next: [0, 0],
        sel: Selection {
            chosen: Vec::new(),
            reached: false,
            cap_blocked: false,
            spacing_blocked: false,
        },
        total_ms: 0,
        known: 0,
    };
    if let Target::Count(n) = target {
        for _ in 0..known_wanted(n, known_pct) {
            if !f.take(0) {
                break;
            }
        }
    }
    loop {
        let done = match target {
            Target::Count(n) => f.sel.chosen.len() >= n,
            Target::Duration(t) => f.total_ms >= t,
        };
        if done {
            f.sel.reached = true;
            break;
        }
        let want_known = f.known < known_wanted(f.sel.chosen.len() + 1, known_pct);
        let order = if want_known { [0, 1] } else { [1, 0] };
        if !(f.take(order[0]) || f.take(order[1])) {
            break;
        }
    }
    if let Target::Duration(t) = target {
        f.sel.reached = within_tolerance(f.total_ms, t) || f.total_ms >= t;
    }
    f.sel
}

struct Filler<'a> {
    pools: [&'a Vec<Pooled>; 2],
    cap: usize,
    slots: Option<(usize, usize)>,
    per_artist: BTreeMap<&'a str, usize>,
    /// `at_least[c]`: artists with at least `c` tracks chosen.
    at_least: Vec<usize>,
    next: [usize; 2],
    sel: Selection,
    total_ms: i64,
    known: usize,
}

impl<'a> Filler<'a> {
    /// Takes the next admissible track of pool `k`; `false` when the pool has none left.
    fn take(&mut self, k: usize) -> bool {
        let pool: &'a Vec<Pooled> = self.pools[k];
        while self.next[k] < pool.len() {
            let i = self.next[k];
            self.next[k] += 1;
            let a = pool[i].traits.artist_key.as_str();
            let c = self.per_artist.get(a).copied().unwrap_or(0) + 1;
            if c > self.cap {
                self.sel.cap_blocked = true;
                continue;
            }
            if let Some((n, gap)) = self.slots {
                if c >= 2 && (c - 1) * gap + self.at_least[c] + 1 > n {
                    self.sel.spacing_blocked = true;
                    continue;
                }
            }
            self.per_artist.insert(a, c);
            self.at_least[c] += 1;
            self.sel.chosen.push((k, i));
            self.total_ms += pool[i].planned_ms();
            if k == 0 {
                self.known += 1;
            }
            return true;
        }
        false
    }
}

/// Local search on the selection until the planned total is within tolerance of `target_ms`.
/// Each step applies the move that brings the total closest to the target — first among single
/// moves (remove one, add one, swap one for one), and only when none of those improves, among
/// double moves (two for one, one for two) — never breaking the artist cap nor moving the known
/// share more than one track off `known_pct`.
fn fit_duration(
    sel: &mut Selection,
    pools: [&Vec<Pooled>; 2],
    target_ms: i64,
    known_pct: u32,
    cap: usize,
) {
    for _ in 0..64 {
        let total: i64 = sel
            .chosen
            .iter()
            .map(|&(k, i)| pools[k][i].planned_ms())
            .sum();
        if within_tolerance(total, target_ms) {
            return;
        }
        let best = best_move(sel, pools, total, target_ms, known_pct, cap, false)
            .or_else(|| best_move(sel, pools, total, target_ms, known_pct, cap, true));
        let Some(m) = best else { return };
        let mut removed = m.remove;
        removed.sort_unstable_by(|a, b| b.cmp(a));
        for pos in removed.into_iter().flatten() {
            sel.chosen.remove(pos);
        }
        sel.chosen.extend(m.add.into_iter().flatten());
    }
}

/// Remove up to two chosen positions, add up to two unchosen candidates.
#[derive(Debug, Clone, Copy)]
struct Move {
    remove: [Option<usize>; 2],
    add: [Option<(usize, usize)>; 2],
}

fn best_move(
    sel: &Selection,
    pools: [&Vec<Pooled>; 2],
    total: i64,
    target_ms: i64,
    known_pct: u32,
    cap: usize,
    double: bool,
) -> Option<Move> {
    let chosen_set: HashSet<(usize, usize)> = sel.chosen.iter().copied().collect();
    let mut per_artist: BTreeMap<&str, usize> = BTreeMap::new();
    for &(k, i) in &sel.chosen {
        *per_artist
            .entry(pools[k][i].traits.artist_key.as_str())
            .or_default() += 1;
    }
    let known = sel.chosen.iter().filter(|c| c.0 == 0).count();
    let len = sel.chosen.len();
    let unchosen: Vec<(usize, usize)> = (0..2)
        .flat_map(|k| (0..pools[k].len()).map(move |i| (k, i)))
        .filter(|c| !chosen_set.contains(c))
        .collect();
    let item = |c: (usize, usize)| &pools[c.0][c.1];
    let mut best: Option<(i64, Move)> = None;
    let mut consider = |m: Move| {
        let out: Vec<(usize, usize)> = m.remove.iter().flatten().map(|&p| sel.chosen[p]).collect();
        let inn: Vec<(usize, usize)> = m.add.iter().flatten().copied().collect();
        let new_len = len - out.len() + inn.len();
        if new_len == 0 {
            return;
        }
        let new_known = known - out.iter().filter(|c| c.0 == 0).count()
            + inn.iter().filter(|c| c.0 == 0).count();
        let share = new_len as f64 * f64::from(known_pct) / 100.0;
        if (new_known as f64 - share).abs() > 1.0 {
            return;
        }
        for c in &inn {
            let a = item(*c).traits.artist_key.as_str();
            let after = per_artist.get(a).copied().unwrap_or(0)
                - out
                    .iter()
                    .filter(|o| item(**o).traits.artist_key == a)
                    .count()
                + inn
                    .iter()
                    .filter(|o| item(**o).traits.artist_key == a)
                    .count();
            if after > cap {
                return;
            }
        }
        let new_total = total - out.iter().map(|c| item(*c).planned_ms()).sum::<i64>()
            + inn.iter().map(|c| item(*c).planned_ms()).sum::<i64>();
        let d = (new_total - target_ms).abs();
        if d < (total - target_ms).abs() && best.as_ref().is_none_or(|(bd, _)| d < *bd) {
            best = Some((d, m));
        }
    };
    let none = Move {
        remove: [None, None],
        add: [None, None],
    };
    if !double {
        for pos in 0..len {
            consider(Move {
                remove: [Some(pos), None],
                ..none
            });
            for &c in &unchosen {
                consider(Move {
                    remove: [Some(pos), None],
                    add: [Some(c), None],
                });
            }
        }
        for &c in &unchosen {
            consider(Move {
                add: [Some(c), None],
                ..none
            });
        }
    } else if len <= DOUBLE_MOVE_MAX_LEN {
        // Bounded: pairs only among the best-ranked leftovers of each pool.
        let mut per_pool = [0usize; 2];
        let unchosen: Vec<(usize, usize)> = unchosen
            .into_iter()
            .filter(|c| {
                per_pool[c.0] += 1;
                per_pool[c.0] <= DOUBLE_MOVE_POOL
            })
            .collect();
        for p1 in 0..len {
            for p2 in p1 + 1..len {
                for &c in &unchosen {
                    consider(Move {
                        remove: [Some(p1), Some(p2)],
                        add: [Some(c), None],
                    });
                }
            }
            for (x, &c1) in unchosen.iter().enumerate() {
                for &c2 in &unchosen[x + 1..] {
                    consider(Move {
                        remove: [Some(p1), None],
                        add: [Some(c1), Some(c2)],
                    });
                }
            }
        }
    }
    best.map(|(_, m)| m)
}

/// Orders the chosen tracks; returns the order (indices into `chosen`) and the spacing it
/// satisfies (the asked one unless it had to be relaxed).
fn order(chosen: &[&Pooled], params: &PlaylistParams, known: usize) -> (Vec<usize>, usize) {
    let n = chosen.len();
    if n == 0 {
        return (Vec::new(), params.min_artist_spacing);
    }
    let mut artist_ids: BTreeMap<&str, usize> = BTreeMap::new();
    let artist: Vec<usize> = chosen
        .iter()
        .map(|p| {
            let next = artist_ids.len();
            *artist_ids
                .entry(p.traits.artist_key.as_str())
                .or_insert(next)
        })
        .collect();
    let mut counts = vec![0usize; artist_ids.len()];
    for &a in &artist {
        counts[a] += 1;
    }
    // Known slots spread evenly: position p is a known slot when the running quota steps up.
    let slots: Vec<ItemKind> = (0..n)
        .map(|p| {
            if (p + 1) * known / n > p * known / n {
                ItemKind::Known
            } else {
                ItemKind::Discovery
            }
        })
        .collect();
    // The largest spacing that the busiest artist can satisfy at all.
    let busiest = counts.iter().copied().max().unwrap_or(1);
    let mut spacing = params.min_artist_spacing;
    if busiest > 1 {
        spacing = spacing.min((n - 1) / (busiest - 1) - 1);
    }
    loop {
        let mut search = OrderSearch {
            chosen,
            artist: &artist,
            slots: &slots,
            arc: params.arc,
            gap: spacing + 1,
            n,
            budget: ORDER_NODE_BUDGET,
            used: vec![false; n],
            last_pos: vec![None; counts.len()],
            remaining: counts.clone(),
            out: Vec::with_capacity(n),
        };
        if search.place(0) {
            return (search.out, spacing);
        }
        if spacing == 0 {
            // Unreachable: without spacing every order is feasible. Keep the input order.
            return ((0..n).collect(), 0);
        }
        spacing -= 1;
    }
}

struct OrderSearch<'a> {
    chosen: &'a [&'a Pooled],
    artist: &'a [usize],
    slots: &'a [ItemKind],
    arc: EnergyArc,
    /// Minimum position difference between two tracks of one artist.
    gap: usize,
    n: usize,
    budget: usize,
    used: Vec<bool>,
    last_pos: Vec<Option<usize>>,
    remaining: Vec<usize>,
    out: Vec<usize>,
}

impl OrderSearch<'_> {
    /// Cost of putting `c` at position `p` after the current last item (lower is better).
    fn cost(&self, p: usize, c: usize) -> f64 {
        let item = &self.chosen[c].traits;
        let mut cost = 0.0;
        if self.chosen[c].kind != self.slots[p] {
            cost += 2.0;
        }
        if let Some(&prev) = self.out.last() {
            let prev = &self.chosen[prev].traits;
            cost += match (prev.energy, item.energy) {
                (Some(a), Some(b)) => f64::from((a - b).abs()),
                _ => 0.3,
            };
            cost += match (prev.tempo_bpm, item.tempo_bpm) {
                (Some(a), Some(b)) => f64::from(((a - b).abs() / 80.0).min(1.0)),
                _ => 0.3,
            };
        }
        if let Some(t) = self.arc.target(p, self.n) {
            cost += 1.5
                * match item.energy {
                    Some(e) => f64::from((e - t).abs()),
                    None => 0.3,
                };
        }
        // Preference order breaks ties: better-ranked tracks earlier.
        cost + c as f64 * 1e-6
    }

    /// Every artist with tracks left can still fit them after position `p` at the current gap.
    fn feasible_after(&self, p: usize) -> bool {
        self.remaining.iter().enumerate().all(|(a, &r)| {
            if r == 0 {
                return true;
            }
            let earliest = match self.last_pos[a] {
                Some(q) => (q + self.gap).max(p + 1),
                None => p + 1,
            };
            earliest + (r - 1) * self.gap < self.n
        })
    }

    fn place(&mut self, p: usize) -> bool {
        if p == self.n {
            return true;
        }
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let mut cands: Vec<(f64, usize)> = (0..self.n)
            .filter(|&c| {
                !self.used[c] && self.last_pos[self.artist[c]].is_none_or(|q| p >= q + self.gap)
            })
            .map(|c| (self.cost(p, c), c))
            .collect();
        cands.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, c) in cands {
            let a = self.artist[c];
            let saved = self.last_pos[a];
            self.used[c] = true;
            self.last_pos[a] = Some(p);
            self.remaining[a] -= 1;
            self.out.push(c);
            if self.feasible_after(p) && self.place(p + 1) {
                return true;
            }
            self.out.pop();
            self.remaining[a] += 1;
            self.last_pos[a] = saved;
            self.used[c] = false;
            if self.budget == 0 {
                return false;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests;
