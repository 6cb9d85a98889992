//! Vibes without a model (SPEC §7.5): a built-in mood lexicon turns free text ("chill ambient
//! lo-fi", "upbeat party music", "late-night jazz") into a [`VibeTarget`] — target energy, tempo
//! class, danceability, acousticness, brightness, mode and tags — and [`vibe_score`] rates a track's
//! audio attributes and tags against it, in `[0, 1]`, saying what matched.
//!
//! Text is lower-cased, `r&b`/`d&b` folded to `rnb`/`dnb`, split on anything that is not a letter
//! or digit, and every word lightly stemmed ([`stem`]: plurals, `-ing`, `-ed`, `-able`, a final
//! `e`), the lexicon keys likewise, so "chilling", "chilled" and "chill" meet. Phrases of up to
//! three words ("late night", "drum and bass", "hip hop") are matched greedily, longest first.
//! Filler words ("music", "songs", "some", "for") are ignored; other unknown words are reported in
//! [`VibeTarget::unmatched_words`].
//!
//! Several words combine: numeric targets are averaged, the tempo class and mode are decided by a
//! vote (a tie leaves them open), tags are the union.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Tempo class (SPEC §11): slow < 90 ≤ medium < 130 ≤ fast BPM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TempoClass {
    Slow,
    Medium,
    Fast,
}

impl TempoClass {
    pub fn from_bpm(bpm: f32) -> Option<Self> {
        if !(bpm.is_finite() && bpm > 0.0) {
            return None;
        }
        Some(if bpm < 90.0 {
            TempoClass::Slow
        } else if bpm < 130.0 {
            TempoClass::Medium
        } else {
            TempoClass::Fast
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TempoClass::Slow => "slow",
            TempoClass::Medium => "medium",
            TempoClass::Fast => "fast",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "slow" => TempoClass::Slow,
            "medium" => TempoClass::Medium,
            "fast" => TempoClass::Fast,
            _ => return None,
        })
    }
    fn rank(self) -> i32 {
        match self {
            TempoClass::Slow => 0,
            TempoClass::Medium => 1,
            TempoClass::Fast => 2,
        }
    }
}

/// Musical mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Major,
    Minor,
}

/// What audio analysis knows about a track (the lead fills it from `audio_features`). Unit
/// attributes are in `[0, 1]`; every field may be unknown.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct TrackAttributes {
    pub energy: Option<f32>,
    pub danceability: Option<f32>,
    pub acousticness: Option<f32>,
    pub brightness: Option<f32>,
    pub tempo_bpm: Option<f32>,
    pub mode: Option<Mode>,
}

impl TrackAttributes {
    pub fn tempo_class(&self) -> Option<TempoClass> {
        self.tempo_bpm.and_then(TempoClass::from_bpm)
    }
}

/// The musical target a vibe text asks for.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VibeTarget {
    pub energy: Option<f32>,
    pub tempo_class: Option<TempoClass>,
    pub danceability: Option<f32>,
    pub acousticness: Option<f32>,
    pub brightness: Option<f32>,
    pub mode: Option<Mode>,
    /// Normalised tags to look for in a track's tags (e.g. `jazz`, `lofi`, `late night`).
    pub tags: Vec<String>,
    /// The words and phrases of the text the lexicon understood, as written (normalised).
    pub matched_words: Vec<String>,
    /// Words it did not understand (filler words excluded).
    pub unmatched_words: Vec<String>,
}

impl VibeTarget {
    /// True when the text asked for nothing the lexicon knows.
    pub fn is_empty(&self) -> bool {
        self.energy.is_none()
            && self.tempo_class.is_none()
            && self.danceability.is_none()
            && self.acousticness.is_none()
            && self.brightness.is_none()
            && self.mode.is_none()
            && self.tags.is_empty()
    }
}

/// Which attribute of a track agreed with the vibe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VibeAttribute {
    Energy,
    Tempo,
    Danceability,
    Acousticness,
    Brightness,
    Mode,
}

/// How well a track fits a vibe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VibeMatch {
    /// In `[0, 1]`; `0.5` when nothing could be compared (neutral, not a mismatch).
    pub score: f32,
    /// Target tags found among the track's tags.
    pub matched_tags: Vec<String>,
    /// Attributes within 0.2 of the target (tempo: same class; mode: same mode).
    pub matched_attributes: Vec<VibeAttribute>,
    /// Sum of the weights of the components that could be compared (0 = no evidence).
    pub evidence: f32,
}

// Component weights of `vibe_score`: a tag is the strongest evidence, then energy (the attribute
// people mean most by "chill" or "upbeat"), then the rest.
const W_TAGS: f32 = 2.0;
const W_ENERGY: f32 = 1.5;
const W_TEMPO: f32 = 1.0;
const W_DANCE: f32 = 1.0;
const W_ACOUSTIC: f32 = 1.0;
const W_BRIGHT: f32 = 0.5;
const W_MODE: f32 = 0.5;

/// Rates a track against a vibe: the weighted mean, over the components both sides know, of
/// `1 − |target − value|` (energy, danceability, acousticness, brightness), tempo class agreement
/// (same 1, neighbouring 0.5, opposite 0), mode agreement (1/0) and the tag overlap
/// `sqrt(matched / wanted)`. `track_tags` are free-form (normalised here).
pub fn vibe_score(
    target: &VibeTarget,
    attrs: &TrackAttributes,
    track_tags: &[String],
) -> VibeMatch {
    let mut num = 0.0f32;
    let mut den = 0.0f32;
    let mut matched_attributes = Vec::new();
    let mut unit = |t: Option<f32>, v: Option<f32>, w: f32, which: VibeAttribute| {
        if let (Some(t), Some(v)) = (t, v) {
            if v.is_finite() {
                let d = (t - v.clamp(0.0, 1.0)).abs();
                num += w * (1.0 - d);
                den += w;
                if d <= 0.2 {
                    matched_attributes.push(which);
                }
            }
        }
    };
    unit(target.energy, attrs.energy, W_ENERGY, VibeAttribute::Energy);
    unit(
        target.danceability,
        attrs.danceability,
        W_DANCE,
        VibeAttribute::Danceability,
    );
    unit(
        target.acousticness,
        attrs.acousticness,
        W_ACOUSTIC,
        VibeAttribute::Acousticness,
    );
    unit(
        target.brightness,
        attrs.brightness,
        W_BRIGHT,
        VibeAttribute::Brightness,
    );
    if let (Some(t), Some(c)) = (target.tempo_class, attrs.tempo_class()) {
        let s = match (t.rank() - c.rank()).abs() {
            0 => 1.0,
            1 => 0.5,
            _ => 0.0,
        };
        num += W_TEMPO * s;
        den += W_TEMPO;
        if s == 1.0 {
            matched_attributes.push(VibeAttribute::Tempo);
        }
    }
    if let (Some(t), Some(m)) = (target.mode, attrs.mode) {
        let s = if t == m { 1.0 } else { 0.0 };
        num += W_MODE * s;
        den += W_MODE;
        if t == m {
            matched_attributes.push(VibeAttribute::Mode);
        }
    }
    let mut matched_tags = Vec::new();
    if !target.tags.is_empty() && !track_tags.is_empty() {
        let normalised: Vec<String> = track_tags.iter().map(|t| normalize_tag(t)).collect();
        for want in &target.tags {
            if normalised.iter().any(|have| tag_contains(have, want)) {
                matched_tags.push(want.clone());
            }
        }
        let s = (matched_tags.len() as f32 / target.tags.len() as f32).sqrt();
        num += W_TAGS * s;
        den += W_TAGS;
    }
    let score = if den > 0.0 {
        (num / den).clamp(0.0, 1.0)
    } else {
        0.5
    };
    VibeMatch {
        score,
        matched_tags,
        matched_attributes,
        evidence: den,
    }
}

/// Whether normalised tag `have` contains normalised `want` as a whole-word sequence
/// (`deep house` contains `house`).
fn tag_contains(have: &str, want: &str) -> bool {
    if have == want {
        return true;
    }
    let h: Vec<&str> = have.split(' ').collect();
    let w: Vec<&str> = want.split(' ').collect();
    w.len() <= h.len() && h.windows(w.len()).any(|win| win == w.as_slice())
}

/// Normalises a tag for comparison: the same tokenising and stemming as vibe text, words joined
/// by one space (`Lo-Fi Beats` → `lo fi beat`, `lofi` stays `lofi`).
pub fn normalize_tag(tag: &str) -> String {
    tokenize(tag).join(" ")
}

/// Lower-case, fold `&` spellings, split on non-alphanumerics, stem.
fn tokenize(text: &str) -> Vec<String> {
    let lower = text
        .to_lowercase()
        .replace("r&b", "rnb")
        .replace("r'n'b", "rnb")
        .replace("d&b", "dnb")
        .replace('\'', "");
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(stem)
        .collect()
}

/// A light suffix stripper (not Porter): plural `ies→y` or `s` (not `ss`/`us`), then `-ing`,
/// `-able` or `-ed`, then a final `e`; short words are left alone. Only consistency matters — lexicon keys and input
/// go through the same function.
pub fn stem(word: &str) -> String {
    let mut w = word.to_string();
    let n = w.chars().count();
    if n <= 3 || !w.is_ascii() {
        return w;
    }
    if n > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        w.truncate(w.len() - 1);
    }
    let n = w.len();
    if n > 5 && w.ends_with("ing") {
        w.truncate(n - 3);
        undouble(&mut w);
    } else if n > 6 && w.ends_with("able") {
        w.truncate(n - 4);
    } else if n > 4 && w.ends_with("ed") {
        w.truncate(n - 2);
        undouble(&mut w);
    }
    if w.len() > 4 && w.ends_with('e') {
        w.truncate(w.len() - 1);
    }
    w
}

/// `runn` → `run`, but `chill`, `jazz`, `bass` keep their double letters.
fn undouble(w: &mut String) {
    let b = w.as_bytes();
    let n = b.len();
    if n >= 2 && b[n - 1] == b[n - 2] && !matches!(b[n - 1], b'l' | b's' | b'z' | b'f') {
        w.truncate(n - 1);
    }
}

/// Words that carry no vibe.
const FILLER: &[&str] = &[
    "a",
    "an",
    "the",
    "some",
    "any",
    "and",
    "or",
    "with",
    "of",
    "for",
    "to",
    "in",
    "on",
    "at",
    "by",
    "me",
    "my",
    "i",
    "we",
    "us",
    "our",
    "it",
    "is",
    "be",
    "that",
    "this",
    "like",
    "kind",
    "sort",
    "style",
    "type",
    "music",
    "song",
    "songs",
    "track",
    "tracks",
    "tune",
    "tunes",
    "playlist",
    "mix",
    "play",
    "playing",
    "put",
    "please",
    "something",
    "stuff",
    "vibe",
    "vibes",
    "mood",
    "feel",
    "feeling",
    "really",
    "very",
    "super",
    "more",
    "bit",
    "little",
    "while",
    "during",
    "time",
    "just",
    "get",
    "want",
    "need",
    "good",
    "great",
    "nice",
    "best",
    "new",
];

/// The lexicon: `(phrase, effects)`. Effects: `e=`, `d=`, `a=`, `b=` set energy, danceability,
/// acousticness and brightness targets; `t=slow|medium|fast`; `m=major|minor`; `#tag` adds a tag
/// (underscores stand for spaces).
const LEXICON: &[(&str, &str)] = &[
    // Calm and soft moods.
    ("chill", "e=0.3 t=slow #chill"),
    ("chill out", "e=0.25 t=slow #chillout"),
    ("chillout", "e=0.25 t=slow #chillout"),
    ("relax", "e=0.2 t=slow a=0.6 #relaxing"),
    ("calm", "e=0.2 t=slow a=0.6 #calm"),
    ("mellow", "e=0.3 a=0.6 #mellow"),
    ("peaceful", "e=0.15 t=slow a=0.7 #peaceful"),
    ("serene", "e=0.15 t=slow a=0.7 #peaceful"),
    ("tranquil", "e=0.15 t=slow a=0.7 #peaceful"),
    ("soothing", "e=0.15 t=slow a=0.7 #soothing"),
    ("gentle", "e=0.2 a=0.7 #gentle"),
    ("soft", "e=0.2 a=0.7 b=0.4 #soft"),
    ("quiet", "e=0.15 a=0.7"),
    ("lazy", "e=0.2 t=slow #lazy"),
    ("sleepy", "e=0.1 t=slow a=0.7 #sleep"),
    ("dreamy", "e=0.3 b=0.5 #dreamy"),
    ("ethereal", "e=0.2 b=0.6 #ethereal"),
    ("atmospheric", "e=0.25 #atmospheric"),
    ("meditative", "e=0.1 t=slow #meditation"),
    ("zen", "e=0.1 t=slow #meditation"),
    ("cozy", "e=0.25 a=0.7 #cozy"),
    ("cosy", "e=0.25 a=0.7 #cozy"),
    ("warm", "e=0.35 a=0.6 b=0.5"),
    ("laid back", "e=0.3 t=slow #laid_back"),
    ("laidback", "e=0.3 t=slow #laid_back"),
    ("low key", "e=0.25"),
    ("lowkey", "e=0.25"),
    ("low energy", "e=0.15"),
    ("smooth", "e=0.35 b=0.5 #smooth"),
    ("lush", "e=0.35 #lush"),
    ("easy", "e=0.3 #easy_listening"),
    ("easy listening", "e=0.25 a=0.5 #easy_listening"),
    ("background", "e=0.2"),
    ("soundscape", "e=0.1 #ambient"),
    ("minimal", "e=0.3 #minimal"),
    ("sparse", "e=0.2 a=0.6"),
    ("hypnotic", "e=0.45 #hypnotic"),
    ("trippy", "e=0.45 #psychedelic"),
    // Happy and bright moods.
    ("happy", "e=0.7 m=major b=0.7 #happy"),
    ("joyful", "e=0.75 m=major b=0.75 #happy"),
    ("cheerful", "e=0.7 m=major b=0.75 #happy"),
    ("sunny", "e=0.65 m=major b=0.8 #summer"),
    ("bright", "b=0.8 m=major"),
    ("uplifting", "e=0.7 m=major b=0.7 #uplifting"),
    ("feel good", "e=0.7 m=major d=0.6 #feel_good"),
    ("feelgood", "e=0.7 m=major d=0.6 #feel_good"),
    ("positive", "e=0.65 m=major #uplifting"),
    ("euphoric", "e=0.85 m=major #euphoric"),
    ("optimistic", "e=0.65 m=major #uplifting"),
    ("fun", "e=0.75 d=0.7 m=major #fun"),
    ("playful", "e=0.65 m=major #playful"),
    ("bouncy", "e=0.75 d=0.8 #bouncy"),
    ("groovy", "e=0.6 d=0.8 #groovy"),
    ("groove", "e=0.6 d=0.8 #groove"),
    ("funky", "e=0.7 d=0.85 #funk"),
    ("sweet", "e=0.4 m=major #sweet"),
    ("carefree", "e=0.6 m=major #happy"),
    ("summery", "e=0.65 m=major b=0.75 #summer"),
    // Sad and reflective moods.
    ("sad", "e=0.25 t=slow m=minor b=0.3 #sad"),
    ("melancholy", "e=0.25 t=slow m=minor b=0.3 #melancholy"),
    ("melancholic", "e=0.25 t=slow m=minor b=0.3 #melancholy"),
    ("gloomy", "e=0.25 m=minor b=0.2 #dark"),
    ("somber", "e=0.2 m=minor b=0.25 #sad"),
    ("sombre", "e=0.2 m=minor b=0.25 #sad"),
    ("heartbreak", "e=0.3 m=minor #sad"),
    ("heartbroken", "e=0.3 m=minor #sad"),
    ("breakup", "e=0.35 m=minor #sad"),
    ("lonely", "e=0.2 m=minor #sad"),
    ("wistful", "e=0.3 m=minor #melancholy"),
    ("nostalgic", "e=0.4 #nostalgic"),
    ("nostalgia", "e=0.4 #nostalgic"),
    ("bittersweet", "e=0.35 #bittersweet"),
    ("moody", "e=0.35 m=minor b=0.3 #moody"),
    ("emotional", "e=0.4 #emotional"),
    ("depressing", "e=0.15 m=minor b=0.2 #sad"),
    ("longing", "e=0.3 m=minor #melancholy"),
    ("introspective", "e=0.3 #introspective"),
    ("reflective", "e=0.3 #introspective"),
    ("thoughtful", "e=0.3 #introspective"),
    ("contemplative", "e=0.25 t=slow #introspective"),
    ("rainy", "e=0.3 m=minor a=0.5 #rainy"),
    ("rain", "e=0.3 m=minor a=0.5 #rainy"),
    ("rainy day", "e=0.3 m=minor a=0.5 #rainy"),
    ("grey", "e=0.3 m=minor b=0.3"),
    // Dark moods.
    ("dark", "m=minor b=0.2 #dark"),
    ("brooding", "e=0.4 m=minor b=0.2 #dark"),
    ("ominous", "e=0.45 m=minor b=0.15 #dark"),
    ("sinister", "e=0.5 m=minor b=0.15 #dark"),
    ("eerie", "e=0.35 m=minor b=0.2 #eerie"),
    ("spooky", "e=0.45 m=minor b=0.2 #spooky"),
    ("haunting", "e=0.3 m=minor b=0.25 #haunting"),
    ("creepy", "e=0.4 m=minor b=0.2 #spooky"),
    ("gothic", "e=0.5 m=minor b=0.2 #gothic"),
    ("goth", "e=0.5 m=minor b=0.2 #gothic"),
    ("mysterious", "e=0.35 m=minor #mysterious"),
    ("noir", "e=0.3 m=minor a=0.5 #noir"),
    ("cold", "e=0.4 b=0.4 a=0.2 #cold"),
    ("icy", "e=0.35 b=0.6 a=0.1 #cold"),
    ("bleak", "e=0.25 m=minor b=0.15 #dark"),
    ("tense", "e=0.6 m=minor #tense"),
    ("suspense", "e=0.5 m=minor #tense"),
    // Angry and intense moods.
    ("angry", "e=0.9 m=minor #angry"),
    ("aggressive", "e=0.95 #aggressive"),
    ("intense", "e=0.9 #intense"),
    ("furious", "e=0.95 m=minor #angry"),
    ("rage", "e=0.95 m=minor #angry"),
    ("heavy", "e=0.9 a=0.1 #heavy"),
    ("brutal", "e=0.95 a=0.05 #brutal"),
    ("raw", "e=0.75 #raw"),
    ("gritty", "e=0.7 #gritty"),
    ("loud", "e=0.9"),
    ("noisy", "e=0.85 #noise"),
    ("wild", "e=0.9 #wild"),
    // Energetic moods.
    ("energetic", "e=0.85 #energetic"),
    ("energy", "e=0.8"),
    ("high energy", "e=0.9 #energetic"),
    ("upbeat", "e=0.75 d=0.7 m=major #upbeat"),
    ("lively", "e=0.75 d=0.65 #upbeat"),
    ("hype", "e=0.9 d=0.75 #hype"),
    ("pumped", "e=0.9 #energetic"),
    ("pump up", "e=0.9 t=fast #pump_up"),
    ("powerful", "e=0.85 #powerful"),
    ("epic", "e=0.8 #epic"),
    ("anthemic", "e=0.8 m=major #anthem"),
    ("anthem", "e=0.8 m=major #anthem"),
    ("triumphant", "e=0.8 m=major #epic"),
    ("driving", "e=0.75 t=fast #driving"),
    ("banger", "e=0.9 d=0.8"),
    ("frantic", "e=0.95 t=fast"),
    ("exciting", "e=0.8"),
    ("motivation", "e=0.85 #motivation"),
    ("motivational", "e=0.85 #motivation"),
    ("confident", "e=0.7 m=major"),
    ("sexy", "e=0.5 d=0.7 #sexy"),
    ("sensual", "e=0.4 d=0.6 t=slow #sensual"),
    ("sultry", "e=0.4 d=0.6 t=slow #sensual"),
    ("seductive", "e=0.45 d=0.65 #sensual"),
    ("romantic", "e=0.35 #romantic"),
    ("romance", "e=0.35 #romantic"),
    ("love", "e=0.4 #love"),
    ("love songs", "e=0.35 #love"),
    ("intimate", "e=0.25 a=0.7 #intimate"),
    ("tender", "e=0.25 a=0.7 #tender"),
    // Activities and settings.
    ("party", "e=0.85 d=0.85 #party"),
    ("dance", "e=0.8 d=0.9 #dance"),
    ("dance floor", "e=0.85 d=0.9 #dance"),
    ("dancefloor", "e=0.85 d=0.9 #dance"),
    ("club", "e=0.85 d=0.9 t=fast #club"),
    ("rave", "e=0.95 d=0.85 t=fast #rave"),
    ("festival", "e=0.9 d=0.8 #festival"),
    ("celebration", "e=0.8 d=0.75 m=major #party"),
    ("birthday", "e=0.8 d=0.75 m=major #party"),
    ("wedding", "e=0.6 d=0.7 m=major #wedding"),
    ("workout", "e=0.9 d=0.7 t=fast #workout"),
    ("work out", "e=0.9 d=0.7 t=fast #workout"),
    ("gym", "e=0.9 d=0.7 t=fast #workout"),
    ("run", "e=0.85 t=fast #running"),
    ("jogging", "e=0.8 t=fast #running"),
    ("exercise", "e=0.85 t=fast #workout"),
    ("training", "e=0.85 t=fast #workout"),
    ("cardio", "e=0.9 t=fast #workout"),
    ("lifting", "e=0.95 #workout"),
    ("cycling", "e=0.85 t=fast #workout"),
    ("road trip", "e=0.7 #road_trip"),
    ("roadtrip", "e=0.7 #road_trip"),
    ("commute", "e=0.6"),
    ("travel", "e=0.55 #travel"),
    ("sleep", "e=0.05 t=slow a=0.7 #sleep"),
    ("bedtime", "e=0.1 t=slow a=0.7 #sleep"),
    ("lullaby", "e=0.05 t=slow a=0.8 #lullaby"),
    ("nap", "e=0.1 t=slow #sleep"),
    ("dinner", "e=0.35 a=0.55 #dinner"),
    ("dinner party", "e=0.4 a=0.5 d=0.5 #dinner"),
    ("cooking", "e=0.5 #cooking"),
    ("cleaning", "e=0.7 d=0.7"),
    ("chores", "e=0.65 d=0.65"),
    ("coffee", "e=0.35 a=0.7 #coffee"),
    ("coffee shop", "e=0.3 a=0.75 #coffee"),
    ("cafe", "e=0.3 a=0.75 #coffee"),
    ("brunch", "e=0.4 a=0.6 m=major"),
    ("study", "e=0.25 #study"),
    ("focus", "e=0.3 #focus"),
    ("concentration", "e=0.25 #focus"),
    ("concentrate", "e=0.25 #focus"),
    ("reading", "e=0.2 a=0.7 #reading"),
    ("writing", "e=0.3 #focus"),
    ("work", "e=0.35 #focus"),
    ("coding", "e=0.4 #focus"),
    ("programming", "e=0.4 #focus"),
    ("deep focus", "e=0.2 #focus"),
    ("meditation", "e=0.05 t=slow #meditation"),
    ("meditate", "e=0.05 t=slow #meditation"),
    ("yoga", "e=0.15 t=slow #yoga"),
    ("spa", "e=0.1 t=slow #relaxing"),
    ("massage", "e=0.1 t=slow #relaxing"),
    ("beach", "e=0.6 m=major b=0.7 #summer"),
    ("pool party", "e=0.8 d=0.85 m=major #party"),
    ("bbq", "e=0.65 m=major #summer"),
    ("barbecue", "e=0.65 m=major #summer"),
    ("gaming", "e=0.75 #gaming"),
    ("video game", "e=0.65 #video_game"),
    ("karaoke", "e=0.7 #singalong"),
    ("sing along", "e=0.7 #singalong"),
    ("singalong", "e=0.7 #singalong"),
    // Times and seasons.
    ("morning", "e=0.5 m=major b=0.65 #morning"),
    ("wake up", "e=0.6 m=major b=0.7 #morning"),
    ("sunrise", "e=0.4 m=major b=0.7 #morning"),
    ("afternoon", "e=0.55"),
    ("evening", "e=0.4 #evening"),
    ("sunset", "e=0.4 b=0.5 #sunset"),
    ("night", "e=0.4 b=0.35 #night"),
    ("nighttime", "e=0.35 b=0.3 #night"),
    ("late night", "e=0.3 t=slow b=0.3 #late_night"),
    ("latenight", "e=0.3 t=slow b=0.3 #late_night"),
    ("midnight", "e=0.3 b=0.3 #late_night"),
    ("after hours", "e=0.45 d=0.7 #late_night"),
    ("3am", "e=0.25 b=0.25 #late_night"),
    ("weekend", "e=0.65 m=major"),
    ("friday", "e=0.75 d=0.75 #party"),
    ("friday night", "e=0.8 d=0.8 #party"),
    ("sunday", "e=0.3 a=0.6 #sunday"),
    ("sunday morning", "e=0.25 a=0.7 #sunday"),
    ("summer", "e=0.7 m=major b=0.75 #summer"),
    ("spring", "e=0.55 m=major b=0.7 #spring"),
    ("autumn", "e=0.35 a=0.6 #autumn"),
    ("fall", "e=0.35 a=0.6 #autumn"),
    ("winter", "e=0.3 a=0.5 b=0.35 #winter"),
    ("christmas", "e=0.55 m=major #christmas"),
    ("xmas", "e=0.55 m=major #christmas"),
    ("holiday", "e=0.55 m=major #christmas"),
    ("halloween", "e=0.5 m=minor b=0.2 #halloween"),
    // Tempo, mode and texture words.
    ("slow", "t=slow e=0.3"),
    ("slower", "t=slow"),
    ("slow jam", "t=slow e=0.35 d=0.55 #slow_jam"),
    ("fast", "t=fast e=0.8"),
    ("faster", "t=fast"),
    ("uptempo", "t=fast e=0.75"),
    ("up tempo", "t=fast e=0.75"),
    ("midtempo", "t=medium"),
    ("mid tempo", "t=medium"),
    ("downtempo", "t=slow e=0.3 #downtempo"),
    ("major", "m=major"),
    ("minor", "m=minor"),
    ("instrumental", "#instrumental"),
    ("vocal", "#vocal"),
    ("acapella", "a=0.9 #a_cappella"),
    ("a cappella", "a=0.9 #a_cappella"),
    ("acoustic", "a=0.9 e=0.35 #acoustic"),
    ("unplugged", "a=0.9 e=0.3 #acoustic"),
    ("electric", "a=0.2"),
    ("organic", "a=0.8"),
    ("synthetic", "a=0.05"),
    ("analog", "a=0.3 #analog"),
    ("lo fi", "e=0.3 t=slow a=0.4 b=0.3 #lofi"),
    ("lofi", "e=0.3 t=slow a=0.4 b=0.3 #lofi"),
    ("hi fi", "b=0.6"),
    ("beats", "d=0.7 #beats"),
    ("bass", "e=0.75 b=0.3 #bass"),
    ("bassy", "e=0.75 b=0.25 #bass"),
    ("808", "e=0.75 #trap"),
    ("guitar", "a=0.6 #guitar"),
    ("piano", "a=0.85 e=0.25 #piano"),
    ("strings", "a=0.85 #strings"),
    ("violin", "a=0.9 #violin"),
    ("cello", "a=0.9 e=0.25 #cello"),
    ("saxophone", "a=0.8 #saxophone"),
    ("sax", "a=0.8 #saxophone"),
    ("trumpet", "a=0.8 #trumpet"),
    ("horns", "a=0.75 #brass"),
    ("brass", "a=0.75 #brass"),
    ("synth", "a=0.05 #synth"),
    ("synthesizer", "a=0.05 #synth"),
    ("organ", "a=0.6 #organ"),
    ("harp", "a=0.95 e=0.15 #harp"),
    ("ukulele", "a=0.95 m=major #ukulele"),
    ("banjo", "a=0.95 #banjo"),
    ("flute", "a=0.9 e=0.25 #flute"),
    ("drums", "e=0.7 #drums"),
    ("percussion", "e=0.65 d=0.7 #percussion"),
    ("choir", "a=0.85 #choral"),
    ("choral", "a=0.85 #choral"),
    // Genres.
    ("rock", "e=0.75 a=0.2 #rock"),
    ("classic rock", "e=0.7 a=0.2 #classic_rock"),
    ("hard rock", "e=0.85 a=0.1 #hard_rock"),
    ("soft rock", "e=0.45 a=0.4 #soft_rock"),
    ("indie", "e=0.55 #indie"),
    ("indie rock", "e=0.65 a=0.3 #indie_rock"),
    ("indie pop", "e=0.6 d=0.6 #indie_pop"),
    ("alternative", "e=0.65 #alternative"),
    ("alt", "e=0.65 #alternative"),
    ("punk", "e=0.9 t=fast a=0.1 #punk"),
    ("pop punk", "e=0.85 t=fast m=major #pop_punk"),
    ("post punk", "e=0.65 m=minor #post_punk"),
    ("grunge", "e=0.8 a=0.1 #grunge"),
    ("emo", "e=0.7 m=minor #emo"),
    ("hardcore", "e=0.95 t=fast #hardcore"),
    ("metal", "e=0.95 a=0.05 #metal"),
    ("heavy metal", "e=0.95 a=0.05 #heavy_metal"),
    ("death metal", "e=1.0 a=0.0 m=minor #death_metal"),
    ("black metal", "e=0.95 a=0.0 m=minor #black_metal"),
    ("doom", "e=0.7 t=slow m=minor #doom"),
    ("thrash", "e=1.0 t=fast #thrash_metal"),
    ("metalcore", "e=0.95 #metalcore"),
    ("stoner", "e=0.7 t=slow #stoner_rock"),
    ("shoegaze", "e=0.55 b=0.4 #shoegaze"),
    ("dream pop", "e=0.4 b=0.5 #dream_pop"),
    ("post rock", "e=0.5 #post_rock"),
    ("math rock", "e=0.7 #math_rock"),
    ("progressive", "e=0.65 #progressive"),
    ("prog", "e=0.65 #progressive"),
    ("psychedelic", "e=0.5 #psychedelic"),
    ("psych", "e=0.5 #psychedelic"),
    ("krautrock", "e=0.6 #krautrock"),
    ("garage rock", "e=0.8 a=0.2 #garage_rock"),
    ("surf", "e=0.75 m=major #surf"),
    ("rockabilly", "e=0.8 d=0.7 #rockabilly"),
    ("britpop", "e=0.7 #britpop"),
    ("new wave", "e=0.65 d=0.65 #new_wave"),
    ("pop", "e=0.65 d=0.7 #pop"),
    ("synthpop", "e=0.65 d=0.75 a=0.05 #synthpop"),
    ("synth pop", "e=0.65 d=0.75 a=0.05 #synthpop"),
    ("electropop", "e=0.7 d=0.75 a=0.05 #electropop"),
    ("kpop", "e=0.8 d=0.8 #k_pop"),
    ("k pop", "e=0.8 d=0.8 #k_pop"),
    ("jpop", "e=0.75 d=0.7 #j_pop"),
    ("j pop", "e=0.75 d=0.7 #j_pop"),
    ("city pop", "e=0.6 d=0.7 m=major #city_pop"),
    ("dance pop", "e=0.8 d=0.85 #dance_pop"),
    ("electronic", "a=0.05 #electronic"),
    ("electronica", "a=0.05 #electronica"),
    ("edm", "e=0.9 d=0.85 t=fast a=0.0 #edm"),
    ("electro", "e=0.8 d=0.8 a=0.0 #electro"),
    ("techno", "e=0.85 d=0.8 t=fast a=0.0 #techno"),
    ("minimal techno", "e=0.7 d=0.8 t=fast a=0.0 #minimal_techno"),
    ("house", "e=0.8 d=0.9 t=medium a=0.05 #house"),
    ("deep house", "e=0.65 d=0.85 t=medium a=0.05 #deep_house"),
    ("tech house", "e=0.8 d=0.9 a=0.0 #tech_house"),
    ("trance", "e=0.85 d=0.75 t=fast a=0.0 #trance"),
    ("dubstep", "e=0.9 a=0.0 #dubstep"),
    ("drum and bass", "e=0.9 d=0.7 t=fast a=0.0 #drum_and_bass"),
    ("drum n bass", "e=0.9 d=0.7 t=fast a=0.0 #drum_and_bass"),
    ("dnb", "e=0.9 d=0.7 t=fast a=0.0 #drum_and_bass"),
    ("jungle", "e=0.9 t=fast #jungle"),
    ("breakbeat", "e=0.8 d=0.75 #breakbeat"),
    ("garage", "e=0.75 d=0.8 #uk_garage"),
    ("uk garage", "e=0.75 d=0.8 #uk_garage"),
    ("ambient", "e=0.1 t=slow d=0.15 #ambient"),
    ("dark ambient", "e=0.1 t=slow m=minor b=0.15 #dark_ambient"),
    ("drone", "e=0.1 t=slow d=0.05 #drone"),
    ("trip hop", "e=0.35 t=slow m=minor #trip_hop"),
    ("triphop", "e=0.35 t=slow m=minor #trip_hop"),
    ("chillhop", "e=0.3 t=slow #chillhop"),
    ("chillwave", "e=0.4 b=0.5 #chillwave"),
    ("synthwave", "e=0.65 a=0.0 #synthwave"),
    ("retrowave", "e=0.65 a=0.0 #synthwave"),
    ("vaporwave", "e=0.3 t=slow #vaporwave"),
    ("idm", "e=0.55 a=0.0 #idm"),
    ("glitch", "e=0.6 a=0.0 #glitch"),
    ("industrial", "e=0.9 a=0.0 m=minor #industrial"),
    ("darkwave", "e=0.6 m=minor a=0.05 #darkwave"),
    ("hardstyle", "e=1.0 t=fast a=0.0 #hardstyle"),
    ("big beat", "e=0.85 d=0.8 #big_beat"),
    ("disco", "e=0.8 d=0.9 m=major #disco"),
    ("nu disco", "e=0.75 d=0.9 #nu_disco"),
    ("funk", "e=0.75 d=0.85 #funk"),
    ("soul", "e=0.5 d=0.6 #soul"),
    ("neo soul", "e=0.45 d=0.65 #neo_soul"),
    ("rnb", "e=0.5 d=0.7 #rnb"),
    ("motown", "e=0.65 d=0.75 m=major #motown"),
    ("gospel", "e=0.6 a=0.6 #gospel"),
    ("jazz", "a=0.75 #jazz"),
    ("smooth jazz", "e=0.35 a=0.6 #smooth_jazz"),
    ("cool jazz", "e=0.3 a=0.8 #cool_jazz"),
    ("bebop", "e=0.7 t=fast a=0.85 #bebop"),
    ("swing", "e=0.7 d=0.75 a=0.75 #swing"),
    ("big band", "e=0.7 d=0.7 a=0.75 #big_band"),
    ("fusion", "e=0.65 #fusion"),
    ("acid jazz", "e=0.6 d=0.75 #acid_jazz"),
    ("nu jazz", "e=0.5 d=0.6 #nu_jazz"),
    ("free jazz", "e=0.7 a=0.85 #free_jazz"),
    ("latin jazz", "e=0.65 d=0.8 #latin_jazz"),
    ("lounge", "e=0.3 d=0.5 #lounge"),
    ("blues", "e=0.45 a=0.6 #blues"),
    ("hip hop", "e=0.65 d=0.8 #hip_hop"),
    ("hiphop", "e=0.65 d=0.8 #hip_hop"),
    ("rap", "e=0.7 d=0.75 #rap"),
    ("trap", "e=0.75 d=0.75 #trap"),
    ("boom bap", "e=0.6 d=0.75 #boom_bap"),
    ("drill", "e=0.75 m=minor #drill"),
    ("grime", "e=0.85 t=fast #grime"),
    ("reggae", "e=0.5 d=0.8 t=slow #reggae"),
    ("dub", "e=0.45 d=0.7 t=slow #dub"),
    ("dancehall", "e=0.75 d=0.9 #dancehall"),
    ("ska", "e=0.8 d=0.8 m=major #ska"),
    ("reggaeton", "e=0.8 d=0.9 #reggaeton"),
    ("latin", "e=0.7 d=0.85 #latin"),
    ("salsa", "e=0.8 d=0.9 #salsa"),
    ("bossa nova", "e=0.3 a=0.8 d=0.6 #bossa_nova"),
    ("bossa", "e=0.3 a=0.8 d=0.6 #bossa_nova"),
    ("samba", "e=0.75 d=0.85 #samba"),
    ("tango", "e=0.55 d=0.7 #tango"),
    ("flamenco", "e=0.6 a=0.9 #flamenco"),
    ("afrobeat", "e=0.75 d=0.85 #afrobeat"),
    ("country", "a=0.7 #country"),
    ("bluegrass", "e=0.65 a=0.95 #bluegrass"),
    ("folk", "e=0.35 a=0.85 #folk"),
    ("indie folk", "e=0.4 a=0.8 #indie_folk"),
    ("americana", "e=0.45 a=0.8 #americana"),
    ("singer songwriter", "e=0.3 a=0.85 #singer_songwriter"),
    ("celtic", "a=0.85 #celtic"),
    ("world", "#world"),
    ("classical", "a=0.95 d=0.2 #classical"),
    ("orchestral", "a=0.9 #orchestral"),
    ("orchestra", "a=0.9 #orchestral"),
    ("symphony", "a=0.9 #orchestral"),
    ("symphonic", "a=0.85 #symphonic"),
    ("baroque", "a=0.95 #baroque"),
    ("opera", "a=0.9 #opera"),
    ("chamber", "a=0.95 e=0.3 #chamber_music"),
    ("contemporary classical", "a=0.9 #contemporary_classical"),
    ("minimalism", "e=0.3 a=0.8 #minimalism"),
    ("neoclassical", "a=0.85 e=0.3 #neoclassical"),
    ("soundtrack", "#soundtrack"),
    ("score", "#soundtrack"),
    ("cinematic", "e=0.6 #cinematic"),
    ("film", "#soundtrack"),
    ("movie", "#soundtrack"),
    ("chiptune", "e=0.75 a=0.0 b=0.85 #chiptune"),
    ("new age", "e=0.15 t=slow #new_age"),
    ("experimental", "#experimental"),
    ("avant garde", "#avant_garde"),
    ("noise", "e=0.9 #noise"),
    ("crooner", "e=0.3 a=0.7 #crooner"),
    ("doo wop", "e=0.55 m=major #doo_wop"),
    ("oldies", "#oldies"),
    ("retro", "#retro"),
    ("vintage", "#vintage"),
    ("50s", "#50s"),
    ("60s", "#60s"),
    ("70s", "#70s"),
    ("80s", "#80s"),
    ("90s", "#90s"),
    ("00s", "#00s"),
];

enum Effect {
    Energy(f32),
    Dance(f32),
    Acoustic(f32),
    Bright(f32),
    Tempo(TempoClass),
    Mode(Mode),
    Tag(String),
}

struct Lexicon {
    /// Stemmed phrase → effects.
    entries: HashMap<String, Vec<Effect>>,
    filler: std::collections::HashSet<String>,
    longest: usize,
}

fn parse_effects(spec: &str) -> Result<Vec<Effect>, String> {
    spec.split_whitespace()
        .map(|tok| {
            if let Some(tag) = tok.strip_prefix('#') {
                return Ok(Effect::Tag(normalize_tag(&tag.replace('_', " "))));
            }
            let (k, v) = tok
                .split_once('=')
                .ok_or_else(|| format!("bad effect {tok:?}"))?;
            let unit = || -> Result<f32, String> {
                let x: f32 = v.parse().map_err(|_| format!("bad number in {tok:?}"))?;
                if (0.0..=1.0).contains(&x) {
                    Ok(x)
                } else {
                    Err(format!("{tok:?} is outside [0, 1]"))
                }
            };
            Ok(match k {
                "e" => Effect::Energy(unit()?),
                "d" => Effect::Dance(unit()?),
                "a" => Effect::Acoustic(unit()?),
                "b" => Effect::Bright(unit()?),
                "t" => Effect::Tempo(
                    TempoClass::parse(v).ok_or_else(|| format!("bad tempo in {tok:?}"))?,
                ),
                "m" => Effect::Mode(match v {
                    "major" => Mode::Major,
                    "minor" => Mode::Minor,
                    _ => return Err(format!("bad mode in {tok:?}")),
                }),
                _ => return Err(format!("unknown effect {tok:?}")),
            })
        })
        .collect()
}

fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| {
        let mut entries = HashMap::new();
        let mut longest = 1;
        for (phrase, spec) in LEXICON {
            let key = tokenize(phrase).join(" ");
            longest = longest.max(key.split(' ').count());
            // The table is a compile-time constant checked by a unit test; a malformed entry is
            // skipped rather than taking the server down.
            if let Ok(effects) = parse_effects(spec) {
                entries.insert(key, effects);
            }
        }
        let filler = FILLER.iter().map(|w| stem(w)).collect();
        Lexicon {
            entries,
            filler,
            longest,
        }
    })
}

/// Number of phrases in the built-in lexicon.
pub fn lexicon_size() -> usize {
    LEXICON.len()
}

/// Parses free vibe text into a target (see the module docs).
pub fn parse_vibe(text: &str) -> VibeTarget {
    let lex = lexicon();
    let tokens = tokenize(text);
    let mut out = VibeTarget::default();
    let mut sums = [(0.0f32, 0u32); 4]; // energy, dance, acoustic, bright
    let mut tempo_votes: Vec<TempoClass> = Vec::new();
    let (mut major, mut minor) = (0, 0);
    let mut i = 0;
    while i < tokens.len() {
        let mut matched = false;
        for len in (1..=lex.longest.min(tokens.len() - i)).rev() {
            let key = tokens[i..i + len].join(" ");
            if let Some(effects) = lex.entries.get(&key) {
                for e in effects {
                    match e {
                        Effect::Energy(x) => add(&mut sums[0], *x),
                        Effect::Dance(x) => add(&mut sums[1], *x),
                        Effect::Acoustic(x) => add(&mut sums[2], *x),
                        Effect::Bright(x) => add(&mut sums[3], *x),
                        Effect::Tempo(t) => tempo_votes.push(*t),
                        Effect::Mode(Mode::Major) => major += 1,
                        Effect::Mode(Mode::Minor) => minor += 1,
                        Effect::Tag(t) => {
                            if !out.tags.contains(t) {
                                out.tags.push(t.clone());
                            }
                        }
                    }
                }
                out.matched_words.push(key);
                i += len;
                matched = true;
                break;
            }
        }
        if !matched {
            if !lex.filler.contains(&tokens[i]) {
                out.unmatched_words.push(tokens[i].clone());
            }
            i += 1;
        }
    }
    let mean = |(s, n): (f32, u32)| (n > 0).then(|| s / n as f32);
    out.energy = mean(sums[0]);
    out.danceability = mean(sums[1]);
    out.acousticness = mean(sums[2]);
    out.brightness = mean(sums[3]);
    out.tempo_class = vote(&tempo_votes);
    out.mode = match major.cmp(&minor) {
        std::cmp::Ordering::Greater => Some(Mode::Major),
        std::cmp::Ordering::Less => Some(Mode::Minor),
        std::cmp::Ordering::Equal => None,
    };
    out
}

fn add(acc: &mut (f32, u32), x: f32) {
    acc.0 += x;
    acc.1 += 1;
}

/// The most voted tempo class; a tie for first place leaves the tempo open.
fn vote(votes: &[TempoClass]) -> Option<TempoClass> {
    let mut counts = [0usize; 3];
    for v in votes {
        counts[v.rank() as usize] += 1;
    }
    let max = *counts.iter().max()?;
    if max == 0 || counts.iter().filter(|&&c| c == max).count() > 1 {
        return None;
    }
    let i = counts.iter().position(|&c| c == max)?;
    Some([TempoClass::Slow, TempoClass::Medium, TempoClass::Fast][i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn every_lexicon_entry_parses_and_keys_are_unique() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (phrase, spec) in LEXICON {
            parse_effects(spec).unwrap_or_else(|e| panic!("{phrase}: {e}"));
            let key = tokenize(phrase).join(" ");
            assert!(!key.is_empty(), "{phrase}");
            if let Some(other) = seen.insert(key.clone(), phrase) {
                panic!("{phrase:?} and {other:?} both normalise to {key:?}");
            }
        }
        assert!(lexicon_size() >= 300, "{}", lexicon_size());
        assert_eq!(lexicon().entries.len(), LEXICON.len());
    }

    #[rstest]
    #[case("chilling", "chill")]
    #[case("chilled", "chill")]
    #[case("relaxing", "relax")]
    #[case("relaxed", "relax")]
    #[case("running", "run")]
    #[case("melodies", "melody")]
    #[case("beats", "beat")]
    #[case("bass", "bass")]
    #[case("jazz", "jazz")]
    #[case("dance", "danc")]
    #[case("dancing", "danc")]
    #[case("fun", "fun")]
    fn stemming(#[case] word: &str, #[case] want: &str) {
        assert_eq!(stem(word), want);
    }

    #[test]
    fn chill_ambient_lofi() {
        let t = parse_vibe("Chill ambient lo-fi");
        assert_eq!(t.matched_words, vec!["chill", "ambient", "lo fi"]);
        assert_eq!(t.tags, vec!["chill", "ambient", "lofi"]);
        // (0.3 + 0.1 + 0.3) / 3
        assert!((t.energy.unwrap() - 0.7 / 3.0).abs() < 1e-6);
        assert_eq!(t.tempo_class, Some(TempoClass::Slow));
        assert!(t.unmatched_words.is_empty());
    }

    #[test]
    fn upbeat_party_music() {
        let t = parse_vibe("upbeat party music");
        assert!((t.energy.unwrap() - 0.8).abs() < 1e-6);
        assert!((t.danceability.unwrap() - 0.775).abs() < 1e-6);
        assert_eq!(t.mode, Some(Mode::Major));
        assert_eq!(t.tags, vec!["upbeat", "party"]);
        assert!(t.unmatched_words.is_empty(), "music is filler");
    }

    #[test]
    fn late_night_jazz_uses_the_phrase() {
        let t = parse_vibe("late-night jazz");
        assert_eq!(t.matched_words, vec!["late night", "jazz"]);
        assert_eq!(t.tags, vec!["late night", "jazz"]);
        assert_eq!(t.tempo_class, Some(TempoClass::Slow));
    }

    #[test]
    fn dark_electronic_and_rnb_and_unknown_words() {
        let t = parse_vibe("dark electronic");
        assert_eq!(t.mode, Some(Mode::Minor));
        assert!(t.brightness.unwrap() < 0.3);
        assert_eq!(t.acousticness, Some(0.05));
        let t = parse_vibe("R&B slow jams for the flibbertigibbet");
        assert_eq!(t.matched_words, vec!["rnb", "slow jam"]);
        assert_eq!(t.unmatched_words, vec!["flibbertigibbet"]);
        assert!(parse_vibe("").is_empty());
        assert!(parse_vibe("some music please").is_empty());
    }

    #[test]
    fn tempo_and_mode_votes_can_tie() {
        let t = parse_vibe("slow fast");
        assert_eq!(t.tempo_class, None);
        let t = parse_vibe("happy sad");
        assert_eq!(t.mode, None);
    }

    #[rstest]
    #[case(60.0, TempoClass::Slow)]
    #[case(89.9, TempoClass::Slow)]
    #[case(90.0, TempoClass::Medium)]
    #[case(129.9, TempoClass::Medium)]
    #[case(130.0, TempoClass::Fast)]
    fn tempo_classes(#[case] bpm: f32, #[case] want: TempoClass) {
        assert_eq!(TempoClass::from_bpm(bpm), Some(want));
    }

    #[test]
    fn vibe_score_hand_computed() {
        let target = VibeTarget {
            energy: Some(0.2),
            tempo_class: Some(TempoClass::Slow),
            tags: vec!["ambient".into(), "chill".into()],
            ..VibeTarget::default()
        };
        let attrs = TrackAttributes {
            energy: Some(0.3),
            tempo_bpm: Some(100.0),
            ..TrackAttributes::default()
        };
        // energy 1.5 × 0.9 + tempo 1 × 0.5 (medium vs slow) + tags 2 × sqrt(1/2), over 4.5.
        let want = (1.5 * 0.9 + 0.5 + 2.0 * 0.5f32.sqrt()) / 4.5;
        let m = vibe_score(&target, &attrs, &["Dark Ambient".to_string()]);
        assert!((m.score - want).abs() < 1e-6, "{} vs {want}", m.score);
        assert_eq!(m.matched_tags, vec!["ambient"]);
        assert_eq!(m.matched_attributes, vec![VibeAttribute::Energy]);
        assert_eq!(m.evidence, 4.5);
    }

    #[test]
    fn vibe_score_prefers_matching_tracks_and_is_neutral_without_evidence() {
        let target = parse_vibe("upbeat party music");
        let party = TrackAttributes {
            energy: Some(0.85),
            danceability: Some(0.8),
            tempo_bpm: Some(124.0),
            mode: Some(Mode::Major),
            ..TrackAttributes::default()
        };
        let dirge = TrackAttributes {
            energy: Some(0.1),
            danceability: Some(0.1),
            tempo_bpm: Some(60.0),
            mode: Some(Mode::Minor),
            ..TrackAttributes::default()
        };
        let a = vibe_score(&target, &party, &["party".into()]).score;
        let b = vibe_score(&target, &dirge, &[]).score;
        assert!(a > 0.8 && b < 0.3, "{a} {b}");
        let none = vibe_score(&target, &TrackAttributes::default(), &[]);
        assert_eq!(none.score, 0.5);
        assert_eq!(none.evidence, 0.0);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_and_scores_stay_in_unit_interval(
            text in ".{0,80}",
            e in proptest::option::of(-1.0f32..2.0),
            d in proptest::option::of(0.0f32..=1.0),
            bpm in proptest::option::of(0.0f32..250.0),
            tags in proptest::collection::vec("[a-z -]{0,12}", 0..4),
        ) {
            let t = parse_vibe(&text);
            for x in [t.energy, t.danceability, t.acousticness, t.brightness].into_iter().flatten() {
                proptest::prop_assert!((0.0..=1.0).contains(&x));
            }
            let attrs = TrackAttributes { energy: e, danceability: d, tempo_bpm: bpm, ..TrackAttributes::default() };
            let m = vibe_score(&t, &attrs, &tags);
            proptest::prop_assert!(m.score.is_finite() && (0.0..=1.0).contains(&m.score));
        }
    }
}
