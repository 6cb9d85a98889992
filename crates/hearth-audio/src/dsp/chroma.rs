//! Chroma (pitch-class profile) from spectral peaks, and Krumhansl–Schmuckler
//! key estimation.
//!
//! A 2048-point frame at 22,050 Hz has 10.8 Hz bins, wider than a semitone
//! below ~180 Hz, so mapping raw bins to pitch classes smears low notes. We
//! instead pick local maxima of the magnitude spectrum between
//! [`CHROMA_MIN_HZ`] and [`CHROMA_MAX_HZ`], refine each peak's frequency by
//! parabolic interpolation on the log magnitude (accurate to a fraction of a
//! bin for a Hann window), and split its magnitude between the two nearest
//! pitch classes with a cos² kernel. Tuning is fixed at A4 = 440 Hz.

use super::stats::fast_log2;
use super::FRAME_LEN;
use crate::SAMPLE_RATE_HZ;

/// Lowest frequency used for chroma (≈ A2).
pub const CHROMA_MIN_HZ: f32 = 100.0;
/// Highest frequency used for chroma.
pub const CHROMA_MAX_HZ: f32 = 5_000.0;

/// Accumulates a per-frame chroma vector (C = 0 … B = 11).
#[derive(Debug, Clone)]
pub(crate) struct ChromaExtractor {
    first_bin: usize,
    last_bin: usize,
}

impl ChromaExtractor {
    pub(crate) fn new() -> Self {
        let bin_hz = SAMPLE_RATE_HZ as f32 / FRAME_LEN as f32;
        Self {
            first_bin: (CHROMA_MIN_HZ / bin_hz).floor().max(1.0) as usize,
            last_bin: (CHROMA_MAX_HZ / bin_hz).ceil() as usize,
        }
    }

    /// Writes the frame's chroma (unnormalised peak magnitudes) into `out`.
    pub(crate) fn frame(&self, magnitude: &[f32], out: &mut [f32; 12]) {
        *out = [0.0; 12];
        let bin_hz = SAMPLE_RATE_HZ as f32 / FRAME_LEN as f32;
        let last = self.last_bin.min(magnitude.len() - 2);
        // Peaks below 1% of the frame's loudest chroma-range bin are noise.
        let max = magnitude[self.first_bin..=last]
            .iter()
            .fold(0.0f32, |a, &b| a.max(b));
        if max <= 1e-9 {
            return;
        }
        let floor = max * 0.01;
        for k in self.first_bin..=last {
            let m = magnitude[k];
            if m <= floor || m < magnitude[k - 1] || m <= magnitude[k + 1] {
                continue;
            }
            let (a, b, c) = (
                fast_log2(magnitude[k - 1] + 1e-12),
                fast_log2(m + 1e-12),
                fast_log2(magnitude[k + 1] + 1e-12),
            );
            let denom = a - 2.0 * b + c;
            let offset = if denom.abs() > 1e-12 {
                (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            let freq = (k as f32 + offset) * bin_hz;
            // Semitones above C (C = 0), A4 = 440 Hz is 9 + 12·n.
            let semis = 12.0 * fast_log2(freq / 440.0) + 9.0;
            let pc = semis.rem_euclid(12.0);
            let lower = pc.floor();
            let frac = pc - lower;
            // cos² split: a note exactly on a pitch class puts all weight there.
            let w_lower = (frac * std::f32::consts::FRAC_PI_2).cos().powi(2);
            let lo_idx = (lower as usize) % 12;
            out[lo_idx] += m * w_lower;
            out[(lo_idx + 1) % 12] += m * (1.0 - w_lower);
        }
    }
}

/// Major or minor mode of the estimated key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Major,
    Minor,
}

// Krumhansl–Kessler probe-tone profiles (tonic first).
const MAJOR_PROFILE: [f32; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
const MINOR_PROFILE: [f32; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];

fn pearson(a: &[f32; 12], b: &[f32; 12], rotation: usize) -> f32 {
    let ma = a.iter().sum::<f32>() / 12.0;
    let mb = b.iter().sum::<f32>() / 12.0;
    let (mut num, mut da, mut db) = (0.0f32, 0.0f32, 0.0f32);
    for i in 0..12 {
        // Profile index is the interval above the candidate tonic.
        let x = a[(i + rotation) % 12] - ma;
        let y = b[i] - mb;
        num += x * y;
        da += x * x;
        db += y * y;
    }
    let denom = (da * db).sqrt();
    if denom > 1e-12 {
        num / denom
    } else {
        0.0
    }
}

/// Estimates (tonic pitch class 0–11 with C = 0, mode, correlation strength)
/// from a chroma profile. A flat or empty chroma yields (0, Major, 0.0).
pub(crate) fn estimate_key(chroma: &[f32; 12]) -> (u8, Mode, f32) {
    let mut best = (0u8, Mode::Major, 0.0f32);
    let mut best_r = f32::NEG_INFINITY;
    for tonic in 0..12 {
        for (mode, profile) in [(Mode::Major, &MAJOR_PROFILE), (Mode::Minor, &MINOR_PROFILE)] {
            let r = pearson(chroma, profile, tonic);
            if r > best_r {
                best_r = r;
                best = (tonic as u8, mode, r);
            }
        }
    }
    if !best.2.is_finite() {
        best.2 = 0.0;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_profile_recognises_itself_rotated() {
        let mut chroma = [0.0; 12];
        for i in 0..12 {
            // D minor: tonic D = 2.
            chroma[(i + 2) % 12] = MINOR_PROFILE[i];
        }
        let (key, mode, strength) = estimate_key(&chroma);
        assert_eq!((key, mode), (2, Mode::Minor));
        assert!((strength - 1.0).abs() < 1e-4);
    }

    #[test]
    fn flat_chroma_is_finite() {
        let (_, _, s) = estimate_key(&[1.0; 12]);
        assert_eq!(s, 0.0);
    }
}
