//! Human-level attributes derived from a [`Descriptor`]: energy,
//! danceability, acousticness, brightness in [0, 1] and the tempo class used
//! by QFZZ scoring. These are documented heuristics over the descriptor (no
//! trained model); each formula is given on its function.

use serde::{Deserialize, Serialize};

use crate::descriptor::Descriptor;

/// Tempo class: slow < 90 ≤ medium < 130 ≤ fast (BPM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TempoClass {
    Slow,
    Medium,
    Fast,
}

impl TempoClass {
    /// Class of a tempo in BPM. A tempo of 0 (no beat found) is `Slow`.
    pub fn from_bpm(bpm: f32) -> Self {
        if bpm >= 130.0 {
            Self::Fast
        } else if bpm >= 90.0 {
            Self::Medium
        } else {
            Self::Slow
        }
    }
}

/// Derived attributes; every number is in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Attributes {
    pub energy: f32,
    pub danceability: f32,
    pub acousticness: f32,
    pub brightness: f32,
    pub tempo_class: TempoClass,
}

/// Linear map of `x` from [lo, hi] onto [0, 1], clamped; NaN maps to 0.
fn ramp(x: f32, lo: f32, hi: f32) -> f32 {
    let r = (x - lo) / (hi - lo);
    if r.is_nan() {
        0.0
    } else {
        r.clamp(0.0, 1.0)
    }
}

impl Attributes {
    pub fn from_descriptor(d: &Descriptor) -> Self {
        Self {
            energy: energy(d),
            danceability: danceability(d),
            acousticness: acousticness(d),
            brightness: brightness(d),
            tempo_class: TempoClass::from_bpm(d.tempo_bpm),
        }
    }
}

/// Brightness: spectral centroid on a log-frequency ramp, 500 Hz → 0,
/// 4 kHz → 1.
pub fn brightness(d: &Descriptor) -> f32 {
    let c = d.spectral_centroid_hz.mean.max(1.0).log2();
    ramp(c, 500f32.log2(), 4000f32.log2())
}

/// Energy: 0.5 × loudness (−40 → 0, −8 dBFS → 1) + 0.25 × onset rate
/// (0 → 0, 6/s → 1) + 0.25 × mean spectral flux (0.02 → 0, 0.15 → 1).
pub fn energy(d: &Descriptor) -> f32 {
    let loud = ramp(d.loudness_mean_db, -40.0, -8.0);
    let onsets = ramp(d.onset_rate_hz, 0.0, 6.0);
    let flux = ramp(d.spectral_flux.mean, 0.02, 0.15);
    (0.5 * loud + 0.25 * onsets + 0.25 * flux).clamp(0.0, 1.0)
}

/// Danceability: 0.6 × beat strength (tempo confidence 0.05 → 0, 0.5 → 1) +
/// 0.3 × tempo suitability (Gaussian in octaves around 120 BPM, σ = 0.4) +
/// 0.1 × steadiness (1 − RMS coefficient of variation).
pub fn danceability(d: &Descriptor) -> f32 {
    if d.tempo_bpm <= 0.0 {
        return 0.0;
    }
    let beat = ramp(d.tempo_confidence, 0.05, 0.5);
    let octaves = (d.tempo_bpm / 120.0).log2() / 0.4;
    let suit = (-0.5 * octaves * octaves).exp();
    let cv = if d.rms_mean > 1e-9 {
        d.rms_std / d.rms_mean
    } else {
        1.0
    };
    let steady = 1.0 - ramp(cv, 0.0, 1.0);
    (0.6 * beat + 0.3 * suit + 0.1 * steady).clamp(0.0, 1.0)
}

/// Acousticness: 0.4 × darkness (1 − brightness) + 0.3 × tonal purity
/// (1 − flatness ramp 0.01 → 0.2) + 0.3 × dynamics (loudness range 6 → 24 dB).
/// Acoustic recordings are darker, more tonal and less compressed.
pub fn acousticness(d: &Descriptor) -> f32 {
    let dark = 1.0 - brightness(d);
    let tonal = 1.0 - ramp(d.spectral_flatness.mean, 0.01, 0.2);
    let dynamic = ramp(d.loudness_range_db, 6.0, 24.0);
    (0.4 * dark + 0.3 * tonal + 0.3 * dynamic).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(0.0, TempoClass::Slow)]
    #[case(89.9, TempoClass::Slow)]
    #[case(90.0, TempoClass::Medium)]
    #[case(129.9, TempoClass::Medium)]
    #[case(130.0, TempoClass::Fast)]
    #[case(220.0, TempoClass::Fast)]
    fn tempo_class_boundaries(#[case] bpm: f32, #[case] class: TempoClass) {
        assert_eq!(TempoClass::from_bpm(bpm), class);
    }

    #[test]
    fn ramp_handles_nan() {
        assert_eq!(ramp(f32::NAN, 0.0, 1.0), 0.0);
        assert_eq!(ramp(2.0, 0.0, 1.0), 1.0);
    }
}
