//! The living (dynamic) playlist of the Spotify-AI plan (SPEC §8.3), as pure functions.
//!
//! A profile's living playlist holds `target_size` tracks in three sections: **core**
//! (`core_fraction`, the top scored known / approved tracks), **exploration**
//! (`exploration_fraction`, known tracks not played recently) and **discovery**
//! (`discovery_fraction`, trial candidates from the approval queue). The caller scores the pool
//! (see [`Pool`]); [`refresh`] turns the current list into the next one.
//!
//! **Stability bound.** A refresh of a non-empty list adds at most [`change_budget`] tracks and
//! removes at most as many. The budget is `floor(target_size × max_change_per_refresh ×
//! aggressiveness / 5)`, at least 1 and at most `target_size`: aggressiveness 5 (the default) is
//! exactly the configured `max_change_per_refresh` (15 of 100), 10 doubles it (30), 1 is a fifth
//! of it (3). The very first refresh (empty current list) builds the whole list at once — there is
//! nothing to keep stable yet. A rollback is an explicit user action and is not bounded ([`diff`]).
//!
//! **Sections.** The desired list takes each section's quota (largest-remainder split of
//! `target_size` by the fractions) from that section's pool, best first; a section whose pool is
//! too small lends its slots to the others (core, then exploration, then discovery). Within the
//! budget, additions go to the section furthest below its quota, removals come first from tracks
//! no longer in any pool, then from the section furthest above its quota, lowest score first. So a
//! stable pool converges to exactly the quotas after `ceil(target_size / budget)` refreshes.
//! Kept tracks keep their positions; an addition takes the place of a removed track, so a listener
//! sees a mostly unchanged order.

use crate::config::Config;
use crate::ids::TrackId;
use crate::scoring::allocate_slots;
use crate::CoreError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Milliseconds in a day.
const MS_PER_DAY: i64 = 86_400_000;

/// Which part of the living playlist a track fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Core,
    Exploration,
    Discovery,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Core, Section::Exploration, Section::Discovery];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::Core => "core",
            Section::Exploration => "exploration",
            Section::Discovery => "discovery",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn index(self) -> usize {
        match self {
            Section::Core => 0,
            Section::Exploration => 1,
            Section::Discovery => 2,
        }
    }
}

/// A scored track the pool offers for one section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolItem {
    pub track_id: TrackId,
    /// Higher is better; comparable within a section.
    pub score: f64,
    /// Why this track is offered, for people.
    pub reasons: Vec<String>,
}

/// Everything a refresh may choose from, per section. Order does not matter ([`refresh`] sorts
/// by score, ties by track id). A track may be offered by several sections; it is placed once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    pub core: Vec<PoolItem>,
    pub exploration: Vec<PoolItem>,
    pub discovery: Vec<PoolItem>,
}

impl Pool {
    fn section(&self, s: Section) -> &[PoolItem] {
        match s {
            Section::Core => &self.core,
            Section::Exploration => &self.exploration,
            Section::Discovery => &self.discovery,
        }
    }
}

/// One entry of the living playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivingItem {
    pub track_id: TrackId,
    pub section: Section,
    pub reasons: Vec<String>,
}

/// Why a refresh took a track out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// No section offers it any more (rejected, blacklisted, disliked, or its trial ended).
    NoLongerEligible,
    /// Still eligible but ranked below the tracks that replace it.
    Outranked,
    /// Removed by a rollback to an earlier list.
    RolledBack,
}

impl RemovalReason {
    pub fn describe(self) -> &'static str {
        match self {
            RemovalReason::NoLongerEligible => {
                "no longer eligible (rejected, disliked, or its trial ended)"
            }
            RemovalReason::Outranked => "outranked by better scored tracks",
            RemovalReason::RolledBack => "not in the list that was restored",
        }
    }
}

/// A track a refresh added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Added {
    pub track_id: TrackId,
    pub section: Section,
    pub reasons: Vec<String>,
}

/// A track a refresh removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removed {
    pub track_id: TrackId,
    pub section: Section,
    pub reason: RemovalReason,
}

/// The result of a refresh: the new list and what changed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RefreshPlan {
    pub items: Vec<LivingItem>,
    pub added: Vec<Added>,
    pub removed: Vec<Removed>,
    /// The change budget this refresh ran with (`None` for an initial build).
    pub budget: Option<usize>,
}

/// The tunables of a refresh (`[playlist]` sizes and fractions, `[cycling] aggressiveness`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CyclingParams {
    pub target_size: usize,
    pub core_fraction: f64,
    pub exploration_fraction: f64,
    pub discovery_fraction: f64,
    pub max_change_per_refresh: f64,
    /// 1–10; 5 is the configured `max_change_per_refresh` itself.
    pub aggressiveness: u32,
}

impl CyclingParams {
    /// The configured values, with the profile's own aggressiveness when it set one.
    pub fn from_config(config: &Config, aggressiveness: Option<u32>) -> Self {
        let p = &config.playlist;
        CyclingParams {
            target_size: p.target_size as usize,
            core_fraction: p.core_fraction,
            exploration_fraction: p.exploration_fraction,
            discovery_fraction: p.discovery_fraction,
            max_change_per_refresh: p.max_change_per_refresh,
            aggressiveness: aggressiveness.unwrap_or(config.cycling.aggressiveness),
        }
    }

    pub fn validate(&self) -> Result<(), CoreError> {
        validate_aggressiveness(i64::from(self.aggressiveness))?;
        if self.target_size == 0 {
            return Err(CoreError::invalid("target_size", "must be at least 1"));
        }
        for (f, x) in [
            ("core_fraction", self.core_fraction),
            ("exploration_fraction", self.exploration_fraction),
            ("discovery_fraction", self.discovery_fraction),
            ("max_change_per_refresh", self.max_change_per_refresh),
        ] {
            if !(x.is_finite() && (0.0..=1.0).contains(&x)) {
                return Err(CoreError::invalid(f, format!("{x} is outside [0, 1]")));
            }
        }
        Ok(())
    }

    /// Slots per section (core, exploration, discovery), summing to `target_size`.
    pub fn quotas(&self) -> [usize; 3] {
        let s = allocate_slots(
            &[
                self.core_fraction,
                self.exploration_fraction,
                self.discovery_fraction,
            ],
            self.target_size,
        );
        [s[0], s[1], s[2]]
    }
}

/// Checks a cycling aggressiveness (1–10).
pub fn validate_aggressiveness(n: i64) -> Result<u32, CoreError> {
    if (1..=10).contains(&n) {
        Ok(n as u32)
    } else {
        Err(CoreError::invalid(
            "aggressiveness",
            format!("{n} is outside 1..=10"),
        ))
    }
}

/// Most tracks one refresh may add (and, separately, remove); see the module docs.
pub fn change_budget(p: &CyclingParams) -> usize {
    let raw = p.target_size as f64 * p.max_change_per_refresh * f64::from(p.aggressiveness) / 5.0;
    // The epsilon keeps 100 × 0.15 × 5 / 5 at 15 despite binary rounding.
    let n = (raw + 1e-9).floor() as usize;
    n.clamp(1, p.target_size.max(1))
}

/// Whether a snapshot is due: `interval_days` after the last snapshot, or after the living
/// playlist was first built when there is no snapshot yet.
pub fn snapshot_due(
    last_snapshot_ms: Option<i64>,
    first_built_ms: i64,
    now_ms: i64,
    interval_days: u32,
) -> bool {
    let since = last_snapshot_ms.unwrap_or(first_built_ms);
    now_ms - since >= i64::from(interval_days) * MS_PER_DAY
}

fn sorted(items: &[PoolItem]) -> Vec<&PoolItem> {
    let mut v: Vec<&PoolItem> = items.iter().collect();
    v.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.track_id.cmp(&b.track_id))
    });
    v
}

/// The list the pool would give with no stability bound: each section's quota, best first, with
/// slots of short sections lent to the others. Returns `(item, score)` in section order.
pub fn desired(pool: &Pool, p: &CyclingParams) -> Vec<(LivingItem, f64)> {
    let quotas = p.quotas();
    let mut taken: HashSet<TrackId> = HashSet::new();
    let mut picked: [Vec<(LivingItem, f64)>; 3] = Default::default();
    let lists: Vec<Vec<&PoolItem>> = Section::ALL
        .iter()
        .map(|s| sorted(pool.section(*s)))
        .collect();
    let mut cursor = [0usize; 3];
    let mut take =
        |s: Section, n: usize, taken: &mut HashSet<TrackId>, out: &mut Vec<(LivingItem, f64)>| {
            let i = s.index();
            let mut got = 0;
            while got < n && cursor[i] < lists[i].len() {
                let it = lists[i][cursor[i]];
                cursor[i] += 1;
                if taken.insert(it.track_id) {
                    out.push((
                        LivingItem {
                            track_id: it.track_id,
                            section: s,
                            reasons: it.reasons.clone(),
                        },
                        it.score,
                    ));
                    got += 1;
                }
            }
            got
        };
    let mut short = 0;
    for s in Section::ALL {
        let got = take(s, quotas[s.index()], &mut taken, &mut picked[s.index()]);
        short += quotas[s.index()] - got;
    }
    // Lend the slots of short sections, core first.
    for s in Section::ALL {
        if short == 0 {
            break;
        }
        let got = take(s, short, &mut taken, &mut picked[s.index()]);
        short -= got;
    }
    picked.into_iter().flatten().collect()
}

/// The next living playlist from the current one (see the module docs).
pub fn refresh(
    current: &[LivingItem],
    pool: &Pool,
    p: &CyclingParams,
) -> Result<RefreshPlan, CoreError> {
    p.validate()?;
    let want = desired(pool, p);
    if current.is_empty() {
        let items: Vec<LivingItem> = want.into_iter().map(|(i, _)| i).collect();
        let added = items
            .iter()
            .map(|i| Added {
                track_id: i.track_id,
                section: i.section,
                reasons: i.reasons.clone(),
            })
            .collect();
        return Ok(RefreshPlan {
            items,
            added,
            removed: Vec::new(),
            budget: None,
        });
    }
    let budget = change_budget(p);
    let quotas = p.quotas();
    let wanted: HashMap<TrackId, (LivingItem, f64)> = want
        .iter()
        .map(|(i, s)| (i.track_id, (i.clone(), *s)))
        .collect();
    // Best known score of every pooled track (for ranking removals of eligible tracks).
    let mut pool_score: HashMap<TrackId, f64> = HashMap::new();
    for s in Section::ALL {
        for it in pool.section(s) {
            let e = pool_score.entry(it.track_id).or_insert(f64::NEG_INFINITY);
            *e = e.max(it.score);
        }
    }

    // Kept tracks take their desired section (and fresh reasons); the rest are removable.
    let mut slots: Vec<Option<LivingItem>> = Vec::with_capacity(current.len());
    let mut removable: Vec<(usize, bool, f64)> = Vec::new(); // (position, eligible, score)
    let mut seen: HashSet<TrackId> = HashSet::new();
    for item in current {
        if !seen.insert(item.track_id) {
            // A duplicate in the stored list: drop it; it does not count as a change.
            continue;
        }
        match wanted.get(&item.track_id) {
            Some((w, _)) => slots.push(Some(w.clone())),
            None => {
                let score = pool_score.get(&item.track_id).copied();
                removable.push((slots.len(), score.is_some(), score.unwrap_or(0.0)));
                slots.push(Some(item.clone()));
            }
        }
    }
    let mut counts = [0usize; 3];
    for it in slots.iter().flatten() {
        counts[it.section.index()] += 1;
    }

    // Removals: ineligible first, then the section most above its quota, lowest score first.
    let mut removed = Vec::new();
    while removed.len() < budget && !removable.is_empty() {
        let pick = removable
            .iter()
            .enumerate()
            .min_by(|(_, a), (_, b)| {
                let sa = slots[a.0].as_ref().map(|i| i.section.index()).unwrap_or(0);
                let sb = slots[b.0].as_ref().map(|i| i.section.index()).unwrap_or(0);
                let surplus = |s: usize| counts[s] as i64 - quotas[s] as i64;
                a.1.cmp(&b.1)
                    .then(surplus(sb).cmp(&surplus(sa)))
                    .then(a.2.total_cmp(&b.2))
                    .then(a.0.cmp(&b.0))
            })
            .map(|(i, _)| i)
            .unwrap_or(0);
        let (pos, eligible, _) = removable.swap_remove(pick);
        if let Some(item) = slots[pos].take() {
            counts[item.section.index()] -= 1;
            removed.push(Removed {
                track_id: item.track_id,
                section: item.section,
                reason: if eligible {
                    RemovalReason::Outranked
                } else {
                    RemovalReason::NoLongerEligible
                },
            });
        }
    }

    // Additions: the section most below its quota first, best first within it.
    let present: HashSet<TrackId> = slots.iter().flatten().map(|i| i.track_id).collect();
    let mut to_add: [Vec<&(LivingItem, f64)>; 3] = Default::default();
    for w in &want {
        if !present.contains(&w.0.track_id) {
            to_add[w.0.section.index()].push(w);
        }
    }
    let len_after_removal = slots.iter().flatten().count();
    let room = p.target_size.saturating_sub(len_after_removal);
    let mut added = Vec::new();
    let mut next = [0usize; 3];
    while added.len() < budget.min(room) {
        let s = (0..3)
            .filter(|&s| next[s] < to_add[s].len())
            .max_by(|&a, &b| {
                let da = quotas[a] as i64 - counts[a] as i64;
                let db = quotas[b] as i64 - counts[b] as i64;
                da.cmp(&db).then(b.cmp(&a))
            });
        let Some(s) = s else { break };
        let (item, _) = to_add[s][next[s]];
        next[s] += 1;
        counts[s] += 1;
        added.push(Added {
            track_id: item.track_id,
            section: item.section,
            reasons: item.reasons.clone(),
        });
    }

    // Additions fill the holes left by removals, in order, then go to the end.
    let mut incoming = added.iter().map(|a| LivingItem {
        track_id: a.track_id,
        section: a.section,
        reasons: a.reasons.clone(),
    });
    let mut items = Vec::with_capacity(slots.len() + added.len());
    for slot in slots {
        match slot {
            Some(i) => items.push(i),
            None => {
                if let Some(i) = incoming.next() {
                    items.push(i);
                }
            }
        }
    }
    items.extend(incoming);
    Ok(RefreshPlan {
        items,
        added,
        removed,
        budget: Some(budget),
    })
}

/// The diff that turns `from` into `to` exactly (a rollback): every track of `to` not in `from`
/// is added, every track of `from` not in `to` is removed as [`RemovalReason::RolledBack`].
pub fn diff(from: &[LivingItem], to: &[LivingItem]) -> (Vec<Added>, Vec<Removed>) {
    let a: HashSet<TrackId> = from.iter().map(|i| i.track_id).collect();
    let b: HashSet<TrackId> = to.iter().map(|i| i.track_id).collect();
    let added = to
        .iter()
        .filter(|i| !a.contains(&i.track_id))
        .map(|i| Added {
            track_id: i.track_id,
            section: i.section,
            reasons: i.reasons.clone(),
        })
        .collect();
    let removed = from
        .iter()
        .filter(|i| !b.contains(&i.track_id))
        .map(|i| Removed {
            track_id: i.track_id,
            section: i.section,
            reason: RemovalReason::RolledBack,
        })
        .collect();
    (added, removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    fn params(target: usize, aggr: u32) -> CyclingParams {
        CyclingParams {
            target_size: target,
            core_fraction: 0.7,
            exploration_fraction: 0.2,
            discovery_fraction: 0.1,
            max_change_per_refresh: 0.15,
            aggressiveness: aggr,
        }
    }

    fn items(ids: std::ops::Range<i64>, score: impl Fn(i64) -> f64) -> Vec<PoolItem> {
        ids.map(|i| PoolItem {
            track_id: TrackId(i),
            score: score(i),
            reasons: vec![format!("r{i}")],
        })
        .collect()
    }

    fn big_pool(shift: i64) -> Pool {
        // Scores move with `shift` so the ranking changes between refreshes.
        let s = move |i: i64| (((i + shift) * 7919) % 1000) as f64 / 1000.0;
        Pool {
            core: items(1..400, s),
            exploration: items(1000..1300, s),
            discovery: items(2000..2050, s),
        }
    }

    fn section_counts(items: &[LivingItem]) -> [usize; 3] {
        let mut c = [0; 3];
        for i in items {
            c[i.section.index()] += 1;
        }
        c
    }

    #[rstest]
    #[case(100, 0.15, 5, 15)]
    #[case(100, 0.15, 10, 30)]
    #[case(100, 0.15, 1, 3)]
    #[case(100, 0.15, 3, 9)]
    #[case(10, 0.15, 1, 1)]
    #[case(20, 1.0, 10, 20)]
    fn budget_scales_with_aggressiveness(
        #[case] target: usize,
        #[case] frac: f64,
        #[case] aggr: u32,
        #[case] want: usize,
    ) {
        let mut p = params(target, aggr);
        p.max_change_per_refresh = frac;
        assert_eq!(change_budget(&p), want);
    }

    #[test]
    fn quotas_follow_the_fractions() {
        assert_eq!(params(100, 5).quotas(), [70, 20, 10]);
        assert_eq!(params(7, 5).quotas().iter().sum::<usize>(), 7);
    }

    #[test]
    fn first_refresh_builds_the_whole_list_with_exact_quotas() {
        let plan = refresh(&[], &big_pool(0), &params(100, 5)).unwrap();
        assert_eq!(plan.items.len(), 100);
        assert_eq!(section_counts(&plan.items), [70, 20, 10]);
        assert_eq!(plan.added.len(), 100);
        assert!(plan.removed.is_empty());
        assert_eq!(plan.budget, None);
    }

    #[test]
    fn short_sections_lend_their_slots() {
        let pool = Pool {
            core: items(1..200, |i| 1.0 / i as f64),
            exploration: items(1000..1005, |_| 0.5),
            discovery: Vec::new(),
        };
        let plan = refresh(&[], &pool, &params(100, 5)).unwrap();
        assert_eq!(plan.items.len(), 100);
        assert_eq!(section_counts(&plan.items), [95, 5, 0]);
    }

    #[test]
    fn ten_refreshes_never_change_more_than_the_bound() {
        let p = params(100, 5);
        let mut current = refresh(&[], &big_pool(0), &p).unwrap().items;
        for k in 1..=10 {
            let plan = refresh(&current, &big_pool(k * 37), &p).unwrap();
            assert!(
                plan.added.len() <= 15,
                "refresh {k} added {}",
                plan.added.len()
            );
            assert!(
                plan.removed.len() <= 15,
                "refresh {k} removed {}",
                plan.removed.len()
            );
            assert!(
                !plan.added.is_empty(),
                "the pool moved, so refresh {k} cycles something"
            );
            let before: HashSet<_> = current.iter().map(|i| i.track_id).collect();
            let after: HashSet<_> = plan.items.iter().map(|i| i.track_id).collect();
            assert_eq!(after.difference(&before).count(), plan.added.len());
            assert_eq!(before.difference(&after).count(), plan.removed.len());
            assert_eq!(plan.items.len(), 100);
            current = plan.items;
        }
    }

    #[test]
    fn ineligible_tracks_go_first_and_kept_tracks_keep_their_place() {
        let p = params(10, 5); // budget 1
        let pool = Pool {
            core: items(1..30, |i| 1.0 / i as f64),
            ..Pool::default()
        };
        let mut current = refresh(&[], &pool, &p).unwrap().items;
        // Track 3 is rejected: it leaves the pool.
        let mut pool2 = pool.clone();
        pool2.core.retain(|i| i.track_id != TrackId(3));
        current.swap(0, 5);
        let plan = refresh(&current, &pool2, &p).unwrap();
        assert_eq!(plan.removed.len(), 1);
        assert_eq!(plan.removed[0].track_id, TrackId(3));
        assert_eq!(plan.removed[0].reason, RemovalReason::NoLongerEligible);
        assert_eq!(plan.added.len(), 1);
        assert_eq!(plan.added[0].track_id, TrackId(11));
        let pos_before = current
            .iter()
            .position(|i| i.track_id == TrackId(3))
            .unwrap();
        assert_eq!(plan.items[pos_before].track_id, TrackId(11));
        assert_eq!(plan.items[0].track_id, current[0].track_id);
    }

    #[test]
    fn a_stable_pool_converges_to_the_desired_list() {
        let p = params(100, 5);
        let pool = big_pool(3);
        let mut current = refresh(&[], &big_pool(900), &p).unwrap().items;
        for _ in 0..8 {
            current = refresh(&current, &pool, &p).unwrap().items;
        }
        let want: HashSet<_> = desired(&pool, &p).iter().map(|(i, _)| i.track_id).collect();
        let got: HashSet<_> = current.iter().map(|i| i.track_id).collect();
        assert_eq!(got, want);
        assert_eq!(section_counts(&current), [70, 20, 10]);
        let again = refresh(&current, &pool, &p).unwrap();
        assert!(again.added.is_empty() && again.removed.is_empty());
    }

    #[test]
    fn diff_restores_exactly() {
        let p = params(20, 5);
        let a = refresh(&[], &big_pool(0), &p).unwrap().items;
        let b = refresh(&a, &big_pool(500), &p).unwrap().items;
        let (added, removed) = diff(&b, &a);
        let mut rebuilt: Vec<TrackId> = b
            .iter()
            .map(|i| i.track_id)
            .filter(|t| !removed.iter().any(|r| r.track_id == *t))
            .collect();
        rebuilt.extend(added.iter().map(|a| a.track_id));
        let mut want: Vec<TrackId> = a.iter().map(|i| i.track_id).collect();
        rebuilt.sort();
        want.sort();
        assert_eq!(rebuilt, want);
    }

    #[rstest]
    #[case(None, 0, 29, false)]
    #[case(None, 0, 30, true)]
    #[case(Some(10), 0, 39, false)]
    #[case(Some(10), 0, 41, true)]
    fn snapshots_follow_the_interval(
        #[case] last_day: Option<i64>,
        #[case] built_day: i64,
        #[case] now_day: i64,
        #[case] due: bool,
    ) {
        assert_eq!(
            snapshot_due(
                last_day.map(|d| d * MS_PER_DAY),
                built_day * MS_PER_DAY,
                now_day * MS_PER_DAY,
                30
            ),
            due
        );
    }

    #[test]
    fn bad_aggressiveness_names_the_field() {
        let err = refresh(&[], &Pool::default(), &params(10, 11)).unwrap_err();
        assert!(err.to_string().contains("aggressiveness"), "{err}");
        assert!(validate_aggressiveness(0).is_err());
        assert_eq!(validate_aggressiveness(7).unwrap(), 7);
    }

    fn arb_pool() -> impl Strategy<Value = Pool> {
        let sec = |base: i64| {
            proptest::collection::vec((0i64..150, 0.0f64..1.0), 0..120).prop_map(move |v| {
                v.into_iter()
                    .map(|(i, s)| PoolItem {
                        track_id: TrackId(base + i),
                        score: s,
                        reasons: Vec::new(),
                    })
                    .collect::<Vec<_>>()
            })
        };
        // Overlapping id ranges: a track may be offered by two sections.
        (sec(0), sec(100), sec(200)).prop_map(|(core, exploration, discovery)| Pool {
            core,
            exploration,
            discovery,
        })
    }

    proptest! {
        #[test]
        fn refresh_never_exceeds_the_bound(
            start in arb_pool(),
            pools in proptest::collection::vec(arb_pool(), 1..6),
            target in 1usize..80,
            aggr in 1u32..=10,
        ) {
            let p = params(target, aggr);
            let budget = change_budget(&p);
            let mut current = refresh(&[], &start, &p).unwrap().items;
            prop_assert!(current.len() <= target);
            for pool in &pools {
                let plan = refresh(&current, pool, &p).unwrap();
                prop_assert!(plan.added.len() <= budget);
                prop_assert!(plan.removed.len() <= budget);
                prop_assert!(plan.items.len() <= target.max(current.len()));
                let ids: HashSet<_> = plan.items.iter().map(|i| i.track_id).collect();
                prop_assert_eq!(ids.len(), plan.items.len(), "no duplicates");
                let before: HashSet<_> = current.iter().map(|i| i.track_id).collect();
                prop_assert_eq!(ids.difference(&before).count(), plan.added.len());
                prop_assert_eq!(before.difference(&ids).count(), plan.removed.len());
                current = plan.items;
            }
        }

        #[test]
        fn fractions_are_met_when_the_pool_allows(
            pool in arb_pool(),
            target in 1usize..60,
        ) {
            let p = params(target, 5);
            let q = p.quotas();
            let distinct = |s: &[PoolItem]| s.iter().map(|i| i.track_id).collect::<HashSet<_>>();
            let (c, e, d) = (distinct(&pool.core), distinct(&pool.exploration), distinct(&pool.discovery));
            // The id ranges overlap; "allows" means each section has its quota of tracks that no
            // earlier section can take first (core, then exploration, then discovery).
            let e_only = e.difference(&c).count();
            let d_only = d.iter().filter(|t| !c.contains(t) && !e.contains(t)).count();
            prop_assume!(c.len() >= q[0] && e_only >= q[1] && d_only >= q[2]);
            let plan = refresh(&[], &pool, &p).unwrap();
            prop_assert_eq!(section_counts(&plan.items), q);
        }
    }
}
