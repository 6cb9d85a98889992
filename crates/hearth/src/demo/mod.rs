//! The demo household (`hearth demo`): three listeners with distinct tastes and speakers, a
//! catalogue of a few hundred synthesised clips across six styles (tempos 65–172 BPM, sine /
//! saw / square / noise timbres, all twelve keys in major and minor) analysed with the real DSP,
//! a month of listens imported through the store's bulk import path, and feedback applied
//! through the recommendation service, so taste profiles, recommendations and reasons exist at
//! once.

pub mod synth;

use anyhow::Context;
use hearth_core::clock::UnixMs;
use hearth_core::ids::TrackId;
use hearth_core::model::{Feedback, FeedbackKind, NewListen, TrackInput, TrackOrigin};
use hearth_server::reco::RecoService;
use hearth_store::{DynStore, FeatureAttributes};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use synth::ClipParams;

/// A musical style of the synthetic catalogue.
struct Style {
    name: &'static str,
    tags: &'static [&'static str],
    bpm: (f32, f32),
    minor_share: f64,
    sine: f32,
    saw: f32,
    square: f32,
    noise: f32,
    drums: f32,
    notes_per_beat: f32,
    cutoff_hz: (f32, f32),
    level: f32,
    artists: [&'static str; 4],
}

const STYLES: [Style; 6] = [
    Style {
        name: "thrash",
        tags: &["metal", "rock", "energetic"],
        bpm: (158.0, 172.0),
        minor_share: 0.9,
        sine: 0.1,
        saw: 0.7,
        square: 0.1,
        noise: 0.3,
        drums: 1.0,
        notes_per_beat: 4.0,
        cutoff_hz: (4000.0, 7000.0),
        level: 0.95,
        artists: [
            "Iron Hollow",
            "Blast Furnace",
            "Rust Cathedral",
            "Voltage Wolves",
        ],
    },
    Style {
        name: "punk",
        tags: &["punk", "rock", "fast"],
        bpm: (140.0, 158.0),
        minor_share: 0.4,
        sine: 0.1,
        saw: 0.6,
        square: 0.4,
        noise: 0.15,
        drums: 0.9,
        notes_per_beat: 2.0,
        cutoff_hz: (3000.0, 5000.0),
        level: 0.9,
        artists: [
            "The Safety Pins",
            "Curb Kings",
            "Loud Neighbours",
            "Static Youth",
        ],
    },
    Style {
        name: "ambient",
        tags: &["ambient", "calm", "sleep"],
        bpm: (65.0, 76.0),
        minor_share: 0.3,
        sine: 1.0,
        saw: 0.05,
        square: 0.0,
        noise: 0.0,
        drums: 0.0,
        notes_per_beat: 0.0,
        cutoff_hz: (600.0, 1200.0),
        level: 0.45,
        artists: ["Glass Lake", "Slow Tide", "Northern Quiet", "Mist Orchard"],
    },
    Style {
        name: "folk",
        tags: &["folk", "acoustic", "calm"],
        bpm: (78.0, 96.0),
        minor_share: 0.35,
        sine: 0.9,
        saw: 0.15,
        square: 0.0,
        noise: 0.02,
        drums: 0.2,
        notes_per_beat: 1.0,
        cutoff_hz: (1500.0, 2500.0),
        level: 0.6,
        artists: [
            "Hazel & Pine",
            "The Wandering Fiddles",
            "Ada Marlow",
            "Creekside",
        ],
    },
    Style {
        name: "house",
        tags: &["electronic", "dance", "house"],
        bpm: (120.0, 128.0),
        minor_share: 0.6,
        sine: 0.3,
        saw: 0.2,
        square: 0.7,
        noise: 0.0,
        drums: 1.0,
        notes_per_beat: 2.0,
        cutoff_hz: (2500.0, 4500.0),
        level: 0.85,
        artists: [
            "Neon Avenue",
            "Club Meridian",
            "Pulse Theory",
            "Soft Machines",
        ],
    },
    Style {
        name: "funk",
        tags: &["funk", "groove", "dance"],
        bpm: (100.0, 114.0),
        minor_share: 0.5,
        sine: 0.4,
        saw: 0.5,
        square: 0.2,
        noise: 0.0,
        drums: 0.8,
        notes_per_beat: 4.0,
        cutoff_hz: (1800.0, 3200.0),
        level: 0.8,
        artists: [
            "The Groove Union",
            "Brass Tacks",
            "Velvet Bassline",
            "Sunday Strut",
        ],
    },
];

/// A demo listener: name, display name, speakers and the styles they love (index into STYLES)
/// with the share of their listening each gets; the rest goes to a random style.
struct Listener {
    name: &'static str,
    display: &'static str,
    speakers: &'static [&'static str],
    loves: &'static [(usize, f64)],
    listens_per_day: (u32, u32),
}

const LISTENERS: [Listener; 3] = [
    Listener {
        name: "alice",
        display: "Alice",
        speakers: &["media_player.kitchen", "Alice's phone"],
        loves: &[(0, 0.55), (1, 0.35)],
        listens_per_day: (6, 12),
    },
    Listener {
        name: "bob",
        display: "Bob",
        speakers: &["media_player.bedroom"],
        loves: &[(2, 0.5), (3, 0.4)],
        listens_per_day: (3, 8),
    },
    Listener {
        name: "carol",
        display: "Carol",
        speakers: &["media_player.living_room", "Carol's laptop"],
        loves: &[(4, 0.5), (5, 0.4)],
        listens_per_day: (5, 10),
    },
];

/// Size and randomness of the demo.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub tracks_per_style: usize,
    pub clip_seconds: f32,
    pub days: i64,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            tracks_per_style: 40,
            clip_seconds: 4.0,
            days: 30,
            seed: 2024,
        }
    }
}

/// What the demo created.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoSummary {
    pub profiles: Vec<String>,
    pub tracks: usize,
    pub listens: usize,
    pub feedback: usize,
}

struct DemoTrack {
    style: usize,
    input: TrackInput,
    params: ClipParams,
}

fn catalogue(opts: &DemoOptions) -> Vec<DemoTrack> {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut out = Vec::new();
    for (si, s) in STYLES.iter().enumerate() {
        for i in 0..opts.tracks_per_style {
            let artist = s.artists[i % s.artists.len()];
            let album_no = i / (s.artists.len() * 5) + 1;
            let words = [
                "Midnight", "Ember", "Harbour", "Signal", "Paper", "Golden", "Hollow", "Silver",
                "Window", "River", "Echo", "Lantern",
            ];
            // Two different words, so no "Paper Paper".
            let first = rng.gen_range(0..words.len());
            let second = (first + 1 + rng.gen_range(0..words.len() - 1)) % words.len();
            let title = format!("{} {} {}", words[first], words[second], i + 1);
            let mut input = TrackInput::new(artist, title);
            input.album = Some(format!("{} Vol. {album_no}", capitalise(s.name)));
            input.duration_ms = Some(rng.gen_range(150_000..330_000));
            input.tags = s.tags.iter().map(|t| t.to_string()).collect();
            let params = ClipParams {
                bpm: rng.gen_range(s.bpm.0..=s.bpm.1),
                key: rng.gen_range(0..12),
                minor: rng.gen_bool(s.minor_share),
                sine: s.sine,
                saw: s.saw,
                square: s.square,
                noise: s.noise,
                drums: s.drums,
                notes_per_beat: s.notes_per_beat,
                cutoff_hz: rng.gen_range(s.cutoff_hz.0..=s.cutoff_hz.1),
                level: s.level,
                seconds: opts.clip_seconds,
                seed: rng.gen(),
            };
            out.push(DemoTrack {
                style: si,
                input,
                params,
            });
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Fills an empty store with the demo household. `progress` is told how many clips are analysed.
pub async fn generate(
    store: &DynStore,
    reco: &RecoService,
    opts: &DemoOptions,
    now: UnixMs,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> anyhow::Result<DemoSummary> {
    let counts = store.status_counts().await?;
    if counts.tracks > 0 || counts.listens > 0 {
        anyhow::bail!(
            "the store already holds {} tracks and {} listens; the demo needs a fresh one (use another --data-dir)",
            counts.tracks,
            counts.listens
        );
    }
    let tracks = catalogue(opts);

    // Synthesise and analyse every clip on all cores (CPU-bound: off the async runtime).
    let params: Vec<ClipParams> = tracks.iter().map(|t| t.params.clone()).collect();
    let total = params.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let analysed: Vec<(Vec<f32>, FeatureAttributes)> = tokio::task::block_in_place(|| {
        params
            .par_iter()
            .map(|p| {
                let samples = synth::render(p);
                let d = hearth_audio::analyze_samples(&samples, synth::SAMPLE_RATE_HZ);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total);
                (d.to_vector(), attributes(&d))
            })
            .collect()
    });

    let mut ids: Vec<TrackId> = Vec::with_capacity(tracks.len());
    let start = now - opts.days * 86_400_000;
    for (t, (vector, attrs)) in tracks.iter().zip(&analysed) {
        let (id, _) = store
            .upsert_track(&t.input, TrackOrigin::Library, start)
            .await?;
        reco.add_features(id, vector, attrs, start)
            .await
            .map_err(|e| anyhow::anyhow!("storing features: {e}"))?;
        ids.push(id);
    }

    // Listeners, speakers and a month of listens. Each loved style keeps its last third unheard
    // so there is something to recommend.
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5eed);
    let mut listens = Vec::new();
    let mut profiles = Vec::new();
    let mut feedback = 0usize;
    for l in &LISTENERS {
        let p = store
            .create_profile(l.name, Some(l.display), start)
            .await
            .with_context(|| format!("creating demo profile {}", l.name))?;
        let speakers: Vec<String> = l.speakers.iter().map(|s| s.to_string()).collect();
        store.set_speakers(p.id, &speakers).await?;
        profiles.push(l.name.to_string());
        let heard = |style: usize| -> Vec<usize> {
            let of_style: Vec<usize> = (0..tracks.len())
                .filter(|&i| tracks[i].style == style)
                .collect();
            let keep = of_style.len() * 2 / 3;
            of_style[..keep.max(1)].to_vec()
        };
        let pools: Vec<(Vec<usize>, f64)> = l.loves.iter().map(|&(s, w)| (heard(s), w)).collect();
        let mut n = 0u64;
        for day in 0..opts.days {
            let per_day = rng.gen_range(l.listens_per_day.0..=l.listens_per_day.1);
            for k in 0..per_day {
                let r: f64 = rng.gen();
                let mut acc = 0.0;
                let mut pick = None;
                for (pool, w) in &pools {
                    acc += w;
                    if r < acc {
                        pick = pool.choose(&mut rng).copied();
                        break;
                    }
                }
                // Outside their favourites: any track, usually skipped.
                let (i, off_taste) = match pick {
                    Some(i) => (i, false),
                    None => (rng.gen_range(0..tracks.len()), true),
                };
                let duration = tracks[i].input.duration_ms.unwrap_or(200_000);
                let skipped = if off_taste {
                    rng.gen_bool(0.7)
                } else {
                    rng.gen_bool(0.05)
                };
                let ms_played = if skipped {
                    rng.gen_range(5_000..30_000)
                } else {
                    duration
                };
                let hour_ms = rng.gen_range(7..23) * 3_600_000 + i64::from(k) * 240_000;
                n += 1;
                listens.push(NewListen {
                    track: tracks[i].input.clone(),
                    profile_id: p.id,
                    ts: start + day * 86_400_000 + hour_ms,
                    source: "demo".into(),
                    speaker_name: l.speakers.first().map(|s| s.to_string()),
                    ms_played: Some(ms_played),
                    skipped,
                    reason_end: skipped.then(|| "fwdbtn".to_string()),
                    dedup_key: Some(format!("demo:{}:{n}", l.name)),
                });
            }
        }
    }
    listens.sort_by_key(|l| l.ts);
    let outcome = store.import_listens(&listens).await?;
    let stored = outcome.stored.len();

    // Feedback: each listener loves a few favourites and dislikes a track of another's style.
    for l in &LISTENERS {
        let p = store
            .get_profile(l.name)
            .await?
            .with_context(|| format!("profile {} vanished", l.name))?;
        let own: Vec<usize> = (0..tracks.len())
            .filter(|&i| tracks[i].style == l.loves[0].0)
            .take(4)
            .collect();
        let other_style = (l.loves[0].0 + 2) % STYLES.len();
        let other: Vec<usize> = (0..tracks.len())
            .filter(|&i| tracks[i].style == other_style)
            .take(2)
            .collect();
        let items = own
            .iter()
            .map(|&i| (i, FeedbackKind::Love))
            .chain(other.iter().map(|&i| (i, FeedbackKind::Dislike)));
        for (k, (i, kind)) in items.enumerate() {
            let fb = Feedback {
                profile_id: p.id,
                track_id: ids[i],
                kind,
                rating: None,
                vibe: (k % 2 == 0).then(|| "evening".to_string()),
                ts: now - (k as i64 + 1) * 3_600_000,
            };
            store.add_feedback(&fb).await?;
            let track = store
                .get_track(ids[i])
                .await?
                .with_context(|| format!("track {} vanished", ids[i]))?;
            reco.on_feedback(&fb, &track)
                .await
                .map_err(|e| anyhow::anyhow!("feedback: {e}"))?;
            feedback += 1;
        }
        // Persist the full taste so CLI readers see it too.
        reco.rebuild(p.id, now)
            .await
            .map_err(|e| anyhow::anyhow!("taste rebuild: {e}"))?;
    }
    Ok(DemoSummary {
        profiles,
        tracks: ids.len(),
        listens: stored,
        feedback,
    })
}

/// The stored attributes of an analysed clip (as the library scan stores them).
fn attributes(d: &hearth_audio::Descriptor) -> FeatureAttributes {
    let a = hearth_audio::Attributes::from_descriptor(d);
    FeatureAttributes {
        tempo_bpm: (d.tempo_bpm > 0.0).then_some(f64::from(d.tempo_bpm)),
        tempo_confidence: Some(f64::from(d.tempo_confidence)),
        energy: Some(f64::from(a.energy)),
        danceability: Some(f64::from(a.danceability)),
        acousticness: Some(f64::from(a.acousticness)),
        brightness: Some(f64::from(a.brightness)),
        loudness_db: Some(f64::from(d.loudness_mean_db)),
        key: Some(i32::from(d.key)),
        mode: Some(
            match d.mode {
                hearth_audio::Mode::Major => "major",
                hearth_audio::Mode::Minor => "minor",
            }
            .to_string(),
        ),
        details: serde_json::json!({"source": "hearth demo", "features_version": d.version}),
    }
}
