//! Mel filterbank (sparse triangular filters on the power spectrum) and the
//! orthonormal DCT-II that turns log-mel energies into MFCCs.

use super::{FFT_BINS, FRAME_LEN, MEL_BANDS, MFCC_COUNT};
use crate::SAMPLE_RATE_HZ;

fn hz_to_mel(hz: f32) -> f32 {
    // HTK mel scale.
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel_to_hz(mel: f32) -> f32 {
    700.0 * (10f32.powf(mel / 2595.0) - 1.0)
}

/// One triangular filter stored sparsely: weights for bins `start..start+weights.len()`.
#[derive(Debug, Clone)]
struct MelFilter {
    start: usize,
    weights: Vec<f32>,
}

/// `MEL_BANDS` triangular filters spanning 20 Hz – 11,025 Hz (Nyquist at
/// 22,050 Hz). Filters are unit-peak (not area-normalised): the DCT and the
/// onset envelope work on log energies, where a per-band constant only shifts
/// values and cancels in differences.
#[derive(Debug, Clone)]
pub(crate) struct MelBank {
    filters: Vec<MelFilter>,
}

impl MelBank {
    pub(crate) fn new() -> Self {
        let sr = SAMPLE_RATE_HZ as f32;
        let bin_hz = sr / FRAME_LEN as f32;
        let mel_lo = hz_to_mel(20.0);
        let mel_hi = hz_to_mel(sr / 2.0);
        let edges: Vec<f32> = (0..MEL_BANDS + 2)
            .map(|i| mel_to_hz(mel_lo + (mel_hi - mel_lo) * i as f32 / (MEL_BANDS + 1) as f32))
            .collect();
        let filters = (0..MEL_BANDS)
            .map(|b| {
                let (lo, centre, hi) = (edges[b], edges[b + 1], edges[b + 2]);
                let first = ((lo / bin_hz).floor() as usize).min(FFT_BINS - 1);
                let last = ((hi / bin_hz).ceil() as usize).min(FFT_BINS - 1);
                let mut weights: Vec<f32> = (first..=last)
                    .map(|k| {
                        let f = k as f32 * bin_hz;
                        let w = if f <= centre {
                            (f - lo) / (centre - lo)
                        } else {
                            (hi - f) / (hi - centre)
                        };
                        w.max(0.0)
                    })
                    .collect();
                // Low bands can be narrower than one FFT bin: give them the
                // nearest bin so no band is identically zero.
                if weights.iter().all(|&w| w == 0.0) {
                    let nearest = ((centre / bin_hz).round() as usize).clamp(first, last);
                    weights[nearest - first] = 1.0;
                }
                MelFilter {
                    start: first,
                    weights,
                }
            })
            .collect();
        Self { filters }
    }

    /// Writes the log-energy (dB, floored at -60 dB re 1.0 power) of every band.
    pub(crate) fn log_energies(&self, power: &[f32], out: &mut [f32; MEL_BANDS]) {
        for (o, f) in out.iter_mut().zip(&self.filters) {
            let band = &power[f.start..f.start + f.weights.len()];
            let e = super::kernels::dot(band, &f.weights);
            *o = 10.0 * std::f32::consts::LOG10_2 * super::stats::fast_log2(e + 1e-6);
        }
    }
}

/// Orthonormal DCT-II basis, `MFCC_COUNT` rows × `MEL_BANDS` columns.
#[derive(Debug, Clone)]
pub(crate) struct Dct {
    basis: Vec<f32>,
}

impl Dct {
    pub(crate) fn new() -> Self {
        let n = MEL_BANDS as f32;
        let mut basis = Vec::with_capacity(MFCC_COUNT * MEL_BANDS);
        for k in 0..MFCC_COUNT {
            let scale = if k == 0 {
                (1.0 / n).sqrt()
            } else {
                (2.0 / n).sqrt()
            };
            for i in 0..MEL_BANDS {
                let angle = std::f32::consts::PI * k as f32 * (i as f32 + 0.5) / n;
                basis.push(scale * angle.cos());
            }
        }
        Self { basis }
    }

    pub(crate) fn apply(&self, log_mel: &[f32; MEL_BANDS], out: &mut [f32; MFCC_COUNT]) {
        for (k, o) in out.iter_mut().enumerate() {
            let row = &self.basis[k * MEL_BANDS..(k + 1) * MEL_BANDS];
            *o = row.iter().zip(log_mel).map(|(b, x)| b * x).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips() {
        for hz in [20.0f32, 440.0, 1000.0, 8000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 0.5);
        }
    }

    #[test]
    fn every_band_has_weight() {
        let bank = MelBank::new();
        assert_eq!(bank.filters.len(), MEL_BANDS);
        for f in &bank.filters {
            assert!(f.weights.iter().any(|&w| w > 0.0));
        }
    }

    #[test]
    fn dct_of_constant_is_only_c0() {
        let dct = Dct::new();
        let mut out = [0.0; MFCC_COUNT];
        dct.apply(&[3.0; MEL_BANDS], &mut out);
        assert!((out[0] - 3.0 * (MEL_BANDS as f32).sqrt()).abs() < 1e-3);
        assert!(out[1..].iter().all(|c| c.abs() < 1e-3));
    }
}
