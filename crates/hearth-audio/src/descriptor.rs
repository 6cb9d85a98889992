//! The versioned audio descriptor and its fixed-layout similarity vector.

use serde::{Deserialize, Serialize};

use crate::dsp::{Mode, MFCC_COUNT};

/// Version of the descriptor definition. Any change to a feature's
/// definition, the DSP parameters or the vector layout must bump it; stored
/// descriptors of another version are stale and their tracks re-analysed.
pub const FEATURES_VERSION: u32 = 1;

/// Mean and population standard deviation of a per-frame feature.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct MeanStd {
    pub mean: f32,
    pub std: f32,
}

/// Descriptor v1 of one piece of audio. See the crate docs for the exact
/// definition of every field. All values are finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    /// [`FEATURES_VERSION`] at analysis time.
    pub version: u32,
    /// Length of the analysed signal in seconds.
    pub duration_s: f32,
    /// Beat tempo in BPM within 40–220; 0 when the signal has no onsets at all.
    pub tempo_bpm: f32,
    /// Normalised onset autocorrelation at the beat period, in [0, 1].
    pub tempo_confidence: f32,
    /// Detected onsets per second.
    pub onset_rate_hz: f32,
    /// Mean frame loudness in dBFS (frame RMS, floored at -100 dB).
    pub loudness_mean_db: f32,
    /// 95th minus 10th percentile of the frame loudness, in dB.
    pub loudness_range_db: f32,
    /// Mean frame RMS (linear, full scale = 1/√2 for a sine).
    pub rms_mean: f32,
    /// Standard deviation of the frame RMS.
    pub rms_std: f32,
    pub spectral_centroid_hz: MeanStd,
    pub spectral_bandwidth_hz: MeanStd,
    pub spectral_rolloff_hz: MeanStd,
    pub spectral_flatness: MeanStd,
    pub spectral_flux: MeanStd,
    pub zero_crossing_rate: MeanStd,
    /// Mean of MFCC c0…c12 over non-silent frames.
    pub mfcc_mean: [f32; MFCC_COUNT],
    /// Standard deviation of MFCC c0…c12 over non-silent frames.
    pub mfcc_std: [f32; MFCC_COUNT],
    /// Pitch-class distribution, C = 0 … B = 11, summing to 1 (all 0 when
    /// no pitched content was found).
    pub chroma: [f32; 12],
    /// Estimated tonic pitch class, C = 0 … B = 11.
    pub key: u8,
    pub mode: Mode,
    /// Pearson correlation of the chroma with the best Krumhansl–Kessler
    /// profile, in [-1, 1].
    pub key_strength: f32,
}

/// Length of [`Descriptor::to_vector`].
pub const VECTOR_DIM: usize = 56;

/// Feature groups of the vector: (name, first index, length, weight).
/// Each group is scaled by `weight / sqrt(length)` so that a group's total
/// contribution to distances does not grow with its number of dimensions
/// (26 MFCC statistics would otherwise swamp 3 rhythm features).
pub const VECTOR_GROUPS: [(&str, usize, usize, f32); 5] = [
    ("rhythm", 0, 3, 1.0),
    ("dynamics", 3, 3, 1.0),
    ("spectral", 6, 12, 1.0),
    ("timbre", 18, 26, 1.2),
    ("tonal", 44, 12, 0.6),
];

/// Reference (mean, std) of each raw vector dimension before scaling. Means
/// were measured on 73 full-length tracks of three freely licensed game
/// soundtracks (Battle for Wesnoth, Endgame: Singularity, HyperRogue — Debian
/// packages), rounded; standard deviations are the measured ones widened
/// where that corpus (orchestral/ambient) is clearly narrower than a general
/// library (flatness, MFCC c0/c1, loudness range), so that pop or electronic
/// tracks are not pinned at the ±5 clamp. They are part of the v1 definition:
/// changing them bumps [`FEATURES_VERSION`].
const REFERENCE: [(f32, f32); VECTOR_DIM] = [
    // rhythm: log2(tempo/120), confidence, onset rate (Hz)
    (0.0, 0.3),
    (0.35, 0.2),
    (2.1, 1.5),
    // dynamics: loudness mean dB, loudness range dB, RMS coefficient of variation
    (-22.5, 5.0),
    (17.0, 8.0),
    (0.55, 0.2),
    // spectral (log2 Hz for frequencies): centroid m/s, bandwidth m/s,
    // rolloff m/s, flatness m/s, flux m/s, zcr m/s
    (10.3, 0.6),
    (8.9, 0.8),
    (10.7, 0.4),
    (8.7, 0.7),
    (11.3, 0.7),
    (10.1, 0.9),
    (0.01, 0.02),
    (0.012, 0.02),
    (0.21, 0.06),
    (0.09, 0.03),
    (0.06, 0.03),
    (0.033, 0.02),
    // timbre: MFCC c0..c12 means
    (-285.0, 35.0),
    (50.0, 12.0),
    (4.0, 12.0),
    (5.0, 8.0),
    (1.0, 6.0),
    (1.0, 5.0),
    (-1.0, 4.0),
    (1.0, 4.0),
    (-1.0, 3.5),
    (0.5, 3.0),
    (-1.0, 3.0),
    (0.3, 3.0),
    (0.0, 3.0),
    // timbre: MFCC c0..c12 stds
    (31.0, 9.0),
    (16.5, 5.0),
    (12.0, 3.5),
    (8.5, 3.0),
    (7.0, 2.0),
    (6.2, 2.0),
    (5.6, 1.7),
    (5.4, 1.6),
    (5.2, 1.6),
    (5.1, 1.6),
    (5.1, 1.6),
    (5.1, 1.7),
    (5.0, 1.6),
    // tonal: key-relative chroma bins 0..=10 (tonic first), key strength signed by mode
    (0.16, 0.05),
    (0.06, 0.035),
    (0.08, 0.03),
    (0.08, 0.03),
    (0.07, 0.035),
    (0.10, 0.03),
    (0.05, 0.025),
    (0.125, 0.035),
    (0.07, 0.025),
    (0.06, 0.025),
    (0.08, 0.03),
    (0.0, 0.7),
];

impl Descriptor {
    /// Replaces any non-finite value by 0 (defence in depth; the DSP already
    /// guards every division).
    pub(crate) fn sanitized(mut self) -> Self {
        fn fix(v: &mut f32) {
            if !v.is_finite() {
                *v = 0.0;
            }
        }
        for v in [
            &mut self.duration_s,
            &mut self.tempo_bpm,
            &mut self.tempo_confidence,
            &mut self.onset_rate_hz,
            &mut self.loudness_mean_db,
            &mut self.loudness_range_db,
            &mut self.rms_mean,
            &mut self.rms_std,
            &mut self.key_strength,
        ] {
            fix(v);
        }
        for ms in [
            &mut self.spectral_centroid_hz,
            &mut self.spectral_bandwidth_hz,
            &mut self.spectral_rolloff_hz,
            &mut self.spectral_flatness,
            &mut self.spectral_flux,
            &mut self.zero_crossing_rate,
        ] {
            fix(&mut ms.mean);
            fix(&mut ms.std);
        }
        self.mfcc_mean
            .iter_mut()
            .chain(self.mfcc_std.iter_mut())
            .chain(self.chroma.iter_mut())
            .for_each(fix);
        self
    }

    /// The raw (unstandardised) vector in the documented layout.
    pub fn raw_vector(&self) -> [f32; VECTOR_DIM] {
        let log2_hz = |hz: f32| (hz.max(1.0)).log2();
        let tempo_octaves = if self.tempo_bpm > 0.0 {
            (self.tempo_bpm / crate::dsp::PRIOR_BPM).log2()
        } else {
            0.0
        };
        let rms_cv = if self.rms_mean > 1e-9 {
            self.rms_std / self.rms_mean
        } else {
            0.0
        };
        let mut v = [0.0f32; VECTOR_DIM];
        v[0] = tempo_octaves;
        v[1] = self.tempo_confidence;
        v[2] = self.onset_rate_hz;
        v[3] = self.loudness_mean_db;
        v[4] = self.loudness_range_db;
        v[5] = rms_cv;
        v[6] = log2_hz(self.spectral_centroid_hz.mean);
        v[7] = log2_hz(self.spectral_centroid_hz.std);
        v[8] = log2_hz(self.spectral_bandwidth_hz.mean);
        v[9] = log2_hz(self.spectral_bandwidth_hz.std);
        v[10] = log2_hz(self.spectral_rolloff_hz.mean);
        v[11] = log2_hz(self.spectral_rolloff_hz.std);
        v[12] = self.spectral_flatness.mean;
        v[13] = self.spectral_flatness.std;
        v[14] = self.spectral_flux.mean;
        v[15] = self.spectral_flux.std;
        v[16] = self.zero_crossing_rate.mean;
        v[17] = self.zero_crossing_rate.std;
        v[18..18 + MFCC_COUNT].copy_from_slice(&self.mfcc_mean);
        v[31..31 + MFCC_COUNT].copy_from_slice(&self.mfcc_std);
        // Key-relative chroma bins 0..=10 (tonic first; the 12th is implied
        // because the chroma sums to 1), then the key strength signed by mode.
        for i in 0..11 {
            v[44 + i] = self.chroma[(usize::from(self.key) + i) % 12];
        }
        let sign = match self.mode {
            Mode::Major => 1.0,
            Mode::Minor => -1.0,
        };
        v[55] = sign * self.key_strength;
        v.map(|x| if x.is_finite() { x } else { 0.0 })
    }

    /// The standardised, group-weighted vector used for similarity (cosine or
    /// Euclidean). Layout: see [`VECTOR_GROUPS`] and the crate docs. Each raw
    /// dimension is z-scored with the fixed v1 reference statistics, clamped
    /// to ±5, then multiplied by its group's `weight / sqrt(group length)`.
    pub fn to_vector(&self) -> Vec<f32> {
        let raw = self.raw_vector();
        let mut out = vec![0.0f32; VECTOR_DIM];
        for &(_, start, len, weight) in &VECTOR_GROUPS {
            let scale = weight / (len as f32).sqrt();
            for i in start..start + len {
                let (mean, std) = REFERENCE[i];
                let z = ((raw[i] - mean) / std).clamp(-5.0, 5.0);
                out[i] = z * scale;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Descriptor {
        crate::analyze_samples(
            &(0..44_100)
                .map(|i| (i as f32 * 0.0627).sin() * 0.3)
                .collect::<Vec<_>>(),
            crate::SAMPLE_RATE_HZ,
        )
    }

    #[test]
    fn groups_tile_the_vector() {
        let mut next = 0;
        for &(_, start, len, weight) in &VECTOR_GROUPS {
            assert_eq!(start, next);
            assert!(weight > 0.0);
            next += len;
        }
        assert_eq!(next, VECTOR_DIM);
        assert!(REFERENCE.iter().all(|&(_, std)| std > 0.0));
    }

    #[test]
    fn vector_is_standardised_and_clamped() {
        let d = sample();
        assert_eq!(d.version, FEATURES_VERSION);
        let v = d.to_vector();
        assert_eq!(v.len(), VECTOR_DIM);
        for &(_, start, len, weight) in &VECTOR_GROUPS {
            let bound = 5.0 * weight / (len as f32).sqrt() + 1e-6;
            assert!(v[start..start + len].iter().all(|x| x.abs() <= bound));
        }
        // A raw vector equal to the reference means maps to the origin.
        let raw = d.raw_vector();
        let (mean, std) = REFERENCE[3];
        let z = (raw[3] - mean) / std;
        let scale = VECTOR_GROUPS[1].3 / (VECTOR_GROUPS[1].2 as f32).sqrt();
        assert!((v[3] - z.clamp(-5.0, 5.0) * scale).abs() < 1e-5);
    }

    #[test]
    fn serde_round_trip() {
        let d = sample();
        let json = serde_json::to_string(&d).unwrap();
        let back: Descriptor = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }
}
