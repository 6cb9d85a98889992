//! Streaming tempo and onset-rate estimation from the onset-strength envelope.
//!
//! The envelope (one value per hop, ≈ 43 values/s) is high-passed with a
//! one-second exponential moving average and its autocorrelation is
//! accumulated *incrementally* for lags 0..=[`MAX_LAG`]: each new value is
//! multiplied with the previous `MAX_LAG` values kept in a ring. This is the
//! exact whole-track autocorrelation, yet memory is a fixed ~2 KB however long
//! the file is — we never store the envelope.
//!
//! At the end, every tempo on a 0.25-BPM grid in [`MIN_BPM`, `MAX_BPM`] is
//! scored with a comb over the autocorrelation at 1–4 × its beat period
//! (so the true beat period beats its multiples and sub-multiples) times a
//! log-normal perceptual prior centred on 120 BPM with a one-octave spread,
//! which resolves the remaining octave ambiguity towards the tempo listeners
//! tap. Confidence is the normalised autocorrelation at the chosen period.

use super::FRAMES_PER_SECOND;

/// Slowest tempo considered.
pub const MIN_BPM: f32 = 40.0;
/// Fastest tempo considered.
pub const MAX_BPM: f32 = 220.0;
/// Centre of the perceptual tempo prior.
pub const PRIOR_BPM: f32 = 120.0;
const COMB_HARMONICS: usize = 4;
/// Longest autocorrelation lag kept, in hops: 4 × the period of 40 BPM.
pub(crate) const MAX_LAG: usize = 260;
const HIGH_PASS_SECONDS: f32 = 1.0;
/// Onsets closer than this are one onset (≈ 70 ms).
const MIN_ONSET_GAP_HOPS: u64 = 3;

#[derive(Debug, Clone)]
pub(crate) struct TempoTracker {
    acf: Vec<f64>,
    ring: Vec<f32>,
    pos: usize,
    count: u64,
    ema: f32,
    ema_alpha: f32,
    // Onset peak picking state.
    prev: f32,
    prev2: f32,
    level: f32,
    last_onset: Option<u64>,
    onsets: u64,
}

/// Result of tempo analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TempoEstimate {
    pub bpm: f32,
    pub confidence: f32,
    pub onsets: u64,
}

impl TempoTracker {
    pub(crate) fn new() -> Self {
        Self {
            acf: vec![0.0; MAX_LAG + 1],
            ring: vec![0.0; MAX_LAG + 1],
            pos: 0,
            count: 0,
            ema: 0.0,
            ema_alpha: 1.0 / (HIGH_PASS_SECONDS * FRAMES_PER_SECOND),
            prev: 0.0,
            prev2: 0.0,
            level: 0.0,
            last_onset: None,
            onsets: 0,
        }
    }

    /// Feeds one onset-strength value (≥ 0, finite).
    pub(crate) fn push(&mut self, onset: f32) {
        let onset = if onset.is_finite() {
            onset.max(0.0)
        } else {
            0.0
        };
        self.pick_onset(onset);

        let hp = onset - self.ema;
        self.ema += self.ema_alpha * (onset - self.ema);
        let n = self.ring.len();
        self.ring[self.pos] = hp;
        let available = (self.count as usize).min(MAX_LAG);
        let hp64 = f64::from(hp);
        // ring[pos - lag] for lags up to pos, then wrap to the ring's end;
        // two straight loops instead of a modulo per lag.
        let direct = available.min(self.pos);
        for lag in 0..=direct {
            self.acf[lag] += hp64 * f64::from(self.ring[self.pos - lag]);
        }
        for lag in direct + 1..=available {
            self.acf[lag] += hp64 * f64::from(self.ring[n + self.pos - lag]);
        }
        self.pos = (self.pos + 1) % n;
        self.count += 1;
    }

    /// Local-maximum onset picking against an adaptive level (slow EMA of the
    /// envelope): a hop is an onset when it peaks above 1.5 × that level plus
    /// a 0.5 dB floor, at least `MIN_ONSET_GAP_HOPS` after the previous one.
    fn pick_onset(&mut self, onset: f32) {
        let t = self.count; // index of `onset`; the candidate peak is t - 1
        let candidate = self.prev;
        if t >= 2
            && candidate > self.prev2
            && candidate >= onset
            && candidate > 1.5 * self.level + 0.5
        {
            let hop = t - 1;
            if self
                .last_onset
                .is_none_or(|last| hop - last >= MIN_ONSET_GAP_HOPS)
            {
                self.onsets += 1;
                self.last_onset = Some(hop);
            }
        }
        self.level += 0.02 * (onset - self.level);
        self.prev2 = self.prev;
        self.prev = onset;
    }

    fn unbiased_acf(&self, lag: f32) -> f64 {
        let lo = lag.floor() as usize;
        if lo + 1 > MAX_LAG {
            return 0.0;
        }
        let frac = f64::from(lag - lo as f32);
        let at = |l: usize| -> f64 {
            let terms = self.count.saturating_sub(l as u64);
            if terms == 0 {
                0.0
            } else {
                self.acf[l] / terms as f64
            }
        };
        at(lo) * (1.0 - frac) + at(lo + 1) * frac
    }

    pub(crate) fn finish(&self) -> TempoEstimate {
        let zero = self.unbiased_acf(0.0);
        if zero <= 1e-12 || self.count < 4 {
            return TempoEstimate {
                bpm: 0.0,
                confidence: 0.0,
                onsets: self.onsets,
            };
        }
        let weights: [f64; COMB_HARMONICS] = [1.0, 0.5, 0.33, 0.25];
        let weight_sum: f64 = weights.iter().sum();
        let mut best_bpm = PRIOR_BPM;
        let mut best_score = f64::NEG_INFINITY;
        let steps = ((MAX_BPM - MIN_BPM) / 0.25).round() as usize;
        for i in 0..=steps {
            let bpm = MIN_BPM + i as f32 * 0.25;
            let period = 60.0 * FRAMES_PER_SECOND / bpm;
            let comb: f64 = weights
                .iter()
                .enumerate()
                .map(|(h, w)| w * self.unbiased_acf(period * (h + 1) as f32))
                .sum::<f64>()
                / weight_sum
                / zero;
            let octaves = f64::from((bpm / PRIOR_BPM).log2());
            let prior = (-0.5 * octaves * octaves).exp();
            // Shift the comb into [0, 2] so the prior scales a positive score.
            let score = (comb + 1.0) * prior;
            if score > best_score {
                best_score = score;
                best_bpm = bpm;
            }
        }
        let period = 60.0 * FRAMES_PER_SECOND / best_bpm;
        let confidence = (self.unbiased_acf(period) / zero).clamp(0.0, 1.0) as f32;
        TempoEstimate {
            bpm: best_bpm,
            confidence,
            onsets: self.onsets,
        }
    }
}
