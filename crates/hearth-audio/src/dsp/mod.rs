//! Pure, streaming DSP: mono `f32` samples at [`SAMPLE_RATE_HZ`] in, a
//! [`Descriptor`] out. Nothing in this module knows about files or paths.
//!
//! # Framing
//! Samples are cut into [`FRAME_LEN`]-sample frames (92.9 ms) every
//! [`HOP_LEN`] samples (23.2 ms, ≈ 43.07 frames/s), Hann-windowed and
//! transformed with a real FFT planned once per process. The window is scaled
//! so that a full-scale sine has spectral magnitude 1 at its peak.
//!
//! # Memory
//! Every feature is a running statistic (Welford mean/std, a 0.5 dB loudness
//! histogram, summed chroma, an incrementally accumulated onset
//! autocorrelation), so an [`Analyzer`] holds under 100 KB whatever the input
//! length. Input may be pushed in blocks of any size.
//!
//! # Robustness
//! Non-finite input samples become 0 and samples are clamped to ±4 (12 dB
//! above full scale) so no arithmetic can overflow; every division is
//! guarded. Any input yields finite outputs.

mod chroma;
pub(crate) mod kernels;
mod mel;
pub(crate) mod stats;
mod tempo;

use std::sync::{Arc, OnceLock};

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

pub use chroma::{Mode, CHROMA_MAX_HZ, CHROMA_MIN_HZ};
pub use tempo::{MAX_BPM, MIN_BPM, PRIOR_BPM};

use crate::descriptor::{Descriptor, MeanStd, FEATURES_VERSION};
pub use crate::SAMPLE_RATE_HZ;
use stats::{fast_log2, Histogram, Welford};

/// Analysis frame length in samples (92.9 ms at 22,050 Hz).
pub const FRAME_LEN: usize = 2048;
/// Hop between frames in samples (23.2 ms at 22,050 Hz).
pub const HOP_LEN: usize = 512;
/// Number of FFT bins (0 Hz … Nyquist).
pub const FFT_BINS: usize = FRAME_LEN / 2 + 1;
/// Mel bands used for MFCCs and the onset envelope.
pub const MEL_BANDS: usize = 40;
/// Number of MFCCs kept (c0 … c12).
pub const MFCC_COUNT: usize = 13;
/// Frames per second of audio.
pub(crate) const FRAMES_PER_SECOND: f32 = SAMPLE_RATE_HZ as f32 / HOP_LEN as f32;
/// Input clamp: samples beyond ±4.0 are saturated.
pub const MAX_ABS_SAMPLE: f32 = 4.0;
/// Frames whose RMS is below this (-80 dBFS) count as silence: they enter the
/// loudness, RMS and onset statistics but not the spectral-shape ones, whose
/// values would be meaningless.
pub const SILENCE_RMS: f32 = 1e-4;
/// Floor of the frame loudness in dBFS.
pub const LOUDNESS_FLOOR_DB: f32 = -100.0;
/// Spectral roll-off fraction of the total magnitude.
pub const ROLLOFF_FRACTION: f32 = 0.85;

/// Tables shared by all analysers (built once per process).
struct Tables {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    bin_hz: Vec<f32>,
    mel: mel::MelBank,
    dct: mel::Dct,
    chroma: chroma::ChromaExtractor,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FRAME_LEN);
        // Periodic Hann window, scaled so a full-scale sine peaks at magnitude 1.
        let raw: Vec<f32> = (0..FRAME_LEN)
            .map(|i| {
                let phase = 2.0 * std::f32::consts::PI * i as f32 / FRAME_LEN as f32;
                0.5 - 0.5 * phase.cos()
            })
            .collect();
        let sum: f32 = raw.iter().sum();
        let window = raw.iter().map(|w| w * 2.0 / sum).collect();
        let bin_hz = (0..FFT_BINS)
            .map(|k| k as f32 * SAMPLE_RATE_HZ as f32 / FRAME_LEN as f32)
            .collect();
        Tables {
            fft,
            window,
            bin_hz,
            mel: mel::MelBank::new(),
            dct: mel::Dct::new(),
            chroma: chroma::ChromaExtractor::new(),
        }
    })
}

/// Streaming analyser: `push` blocks of mono samples at [`SAMPLE_RATE_HZ`],
/// then `finish` to obtain the [`Descriptor`].
pub struct Analyzer {
    tables: &'static Tables,
    pending: Vec<f32>,
    fft_in: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    power: Vec<f32>,
    magnitude: Vec<f32>,
    unit_mag: Vec<f32>,
    prev_unit_mag: Vec<f32>,
    have_prev_mag: bool,
    log_mel: [f32; MEL_BANDS],
    prev_log_mel: [f32; MEL_BANDS],
    have_prev_mel: bool,
    mfcc: [f32; MFCC_COUNT],
    chroma_frame: [f32; 12],
    tempo: tempo::TempoTracker,
    samples_total: u64,
    frames: u64,
    loudness_db: Welford,
    loudness_hist: Histogram,
    rms: Welford,
    centroid: Welford,
    bandwidth: Welford,
    rolloff: Welford,
    flatness: Welford,
    flux: Welford,
    zcr: Welford,
    mfcc_stats: [Welford; MFCC_COUNT],
    chroma_sum: [f64; 12],
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("samples_total", &self.samples_total)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl Analyzer {
    pub fn new() -> Self {
        let tables = tables();
        Self {
            tables,
            pending: Vec::with_capacity(FRAME_LEN),
            fft_in: tables.fft.make_input_vec(),
            spectrum: tables.fft.make_output_vec(),
            scratch: tables.fft.make_scratch_vec(),
            power: vec![0.0; FFT_BINS],
            magnitude: vec![0.0; FFT_BINS],
            unit_mag: vec![0.0; FFT_BINS],
            prev_unit_mag: vec![0.0; FFT_BINS],
            have_prev_mag: false,
            log_mel: [0.0; MEL_BANDS],
            prev_log_mel: [0.0; MEL_BANDS],
            have_prev_mel: false,
            mfcc: [0.0; MFCC_COUNT],
            chroma_frame: [0.0; 12],
            tempo: tempo::TempoTracker::new(),
            samples_total: 0,
            frames: 0,
            loudness_db: Welford::default(),
            loudness_hist: Histogram::new(LOUDNESS_FLOOR_DB, 20.0, 0.5),
            rms: Welford::default(),
            centroid: Welford::default(),
            bandwidth: Welford::default(),
            rolloff: Welford::default(),
            flatness: Welford::default(),
            flux: Welford::default(),
            zcr: Welford::default(),
            mfcc_stats: [Welford::default(); MFCC_COUNT],
            chroma_sum: [0.0; 12],
        }
    }

    /// Number of samples pushed so far.
    pub fn samples_pushed(&self) -> u64 {
        self.samples_total
    }

    /// Appends a block of mono samples at [`SAMPLE_RATE_HZ`] (any length).
    pub fn push(&mut self, samples: &[f32]) {
        self.samples_total += samples.len() as u64;
        let mut rest = samples;
        while !rest.is_empty() {
            // Only buffer what is needed to complete the next frame, so the
            // pending buffer never exceeds one frame whatever the block size.
            let want = FRAME_LEN - self.pending.len();
            let take = want.min(rest.len());
            self.pending
                .extend(rest[..take].iter().map(|&s| sanitize(s)));
            rest = &rest[take..];
            if self.pending.len() == FRAME_LEN {
                self.process_frame();
                self.pending.drain(..HOP_LEN);
            }
        }
    }

    fn process_frame(&mut self) {
        let t = self.tables;
        self.frames += 1;
        let frame = &self.pending[..FRAME_LEN];

        // Time-domain features.
        let energy = kernels::dot(frame, frame);
        let rms = (energy / FRAME_LEN as f32).sqrt();
        let crossings = kernels::sign_changes(frame);
        let loud_db = (20.0 * std::f32::consts::LOG10_2 * fast_log2(rms)).max(LOUDNESS_FLOOR_DB);
        self.loudness_db.push(loud_db);
        self.loudness_hist.push(loud_db);
        self.rms.push(rms);

        // Spectrum.
        for ((dst, &x), &w) in self.fft_in.iter_mut().zip(frame).zip(&t.window) {
            *dst = x * w;
        }
        if t.fft
            .process_with_scratch(&mut self.fft_in, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            // Buffer lengths are fixed at construction, so this cannot happen;
            // skipping the frame is still better than aborting a worker.
            return;
        }
        for ((p, m), c) in self
            .power
            .iter_mut()
            .zip(self.magnitude.iter_mut())
            .zip(&self.spectrum)
        {
            *p = c.re * c.re + c.im * c.im;
            *m = p.sqrt();
        }

        // Onset strength: mean positive change of the log-mel energies.
        t.mel.log_energies(&self.power, &mut self.log_mel);
        let onset = if self.have_prev_mel {
            self.log_mel
                .iter()
                .zip(&self.prev_log_mel)
                .map(|(a, b)| (a - b).max(0.0))
                .sum::<f32>()
                / MEL_BANDS as f32
        } else {
            0.0
        };
        self.prev_log_mel = self.log_mel;
        self.have_prev_mel = true;
        self.tempo.push(onset);

        // Spectral flux on L2-normalised magnitudes (shape change, not level).
        let norm = kernels::sum(&self.power).sqrt();
        let inv_norm = if norm > 1e-12 { 1.0 / norm } else { 0.0 };
        for (u, &m) in self.unit_mag.iter_mut().zip(&self.magnitude) {
            *u = m * inv_norm;
        }
        let flux_sq = kernels::positive_diff_sq_and_store(&self.unit_mag, &mut self.prev_unit_mag);
        let had_prev = self.have_prev_mag;
        self.have_prev_mag = true;

        if rms < SILENCE_RMS {
            return;
        }
        if had_prev {
            self.flux.push(flux_sq.sqrt());
        }
        self.zcr.push(crossings as f32 / (FRAME_LEN - 1) as f32);

        let (mag_sum, weighted, weighted_sq) = kernels::moments(&self.magnitude, &t.bin_hz);
        if mag_sum > 1e-12 {
            let centroid = weighted / mag_sum;
            let spread = weighted_sq / mag_sum - centroid * centroid;
            self.centroid.push(centroid);
            self.bandwidth.push(spread.max(0.0).sqrt());
            self.rolloff
                .push(t.bin_hz[rolloff_bin(&self.magnitude, ROLLOFF_FRACTION * mag_sum)]);
        }
        // Flatness: geometric / arithmetic mean of the power spectrum (DC excluded).
        let bins = &self.power[1..];
        let eps = 1e-12f32;
        let log_mean = kernels::sum_log2(bins, eps) / bins.len() as f32;
        let arith = kernels::sum(bins) / bins.len() as f32 + eps;
        self.flatness
            .push((log_mean.exp2() / arith).clamp(0.0, 1.0));

        t.dct.apply(&self.log_mel, &mut self.mfcc);
        for (s, &c) in self.mfcc_stats.iter_mut().zip(&self.mfcc) {
            s.push(c);
        }

        t.chroma.frame(&self.magnitude, &mut self.chroma_frame);
        let total: f32 = self.chroma_frame.iter().sum();
        if total > 1e-12 {
            for (acc, &c) in self.chroma_sum.iter_mut().zip(&self.chroma_frame) {
                *acc += f64::from(c / total);
            }
        }
    }

    /// Completes the analysis. Inputs shorter than one frame are zero-padded
    /// to one frame so that even a few samples give a (weak) descriptor.
    pub fn finish(mut self) -> Descriptor {
        if self.frames == 0 && !self.pending.is_empty() {
            self.pending.resize(FRAME_LEN, 0.0);
            self.process_frame();
        }
        let tempo = self.tempo.finish();
        let duration_s = self.samples_total as f32 / SAMPLE_RATE_HZ as f32;
        let chroma_total: f64 = self.chroma_sum.iter().sum();
        let mut chroma = [0.0f32; 12];
        if chroma_total > 1e-12 {
            for (c, &s) in chroma.iter_mut().zip(&self.chroma_sum) {
                *c = (s / chroma_total) as f32;
            }
        }
        let (key, mode, key_strength) = chroma::estimate_key(&chroma);
        let ms = |w: &Welford| MeanStd {
            mean: w.mean(),
            std: w.std(),
        };
        let mut mfcc_mean = [0.0; MFCC_COUNT];
        let mut mfcc_std = [0.0; MFCC_COUNT];
        for (i, s) in self.mfcc_stats.iter().enumerate() {
            mfcc_mean[i] = s.mean();
            mfcc_std[i] = s.std();
        }
        let (loudness_mean_db, loudness_range_db) = if self.loudness_db.count() == 0 {
            (LOUDNESS_FLOOR_DB, 0.0)
        } else {
            (
                self.loudness_db.mean(),
                (self.loudness_hist.quantile(0.95) - self.loudness_hist.quantile(0.10)).max(0.0),
            )
        };
        let onset_rate_hz = if duration_s > 0.0 {
            tempo.onsets as f32 / duration_s
        } else {
            0.0
        };
        let descriptor = Descriptor {
            version: FEATURES_VERSION,
            duration_s,
            tempo_bpm: tempo.bpm,
            tempo_confidence: tempo.confidence,
            onset_rate_hz,
            loudness_mean_db,
            loudness_range_db,
            rms_mean: self.rms.mean(),
            rms_std: self.rms.std(),
            spectral_centroid_hz: ms(&self.centroid),
            spectral_bandwidth_hz: ms(&self.bandwidth),
            spectral_rolloff_hz: ms(&self.rolloff),
            spectral_flatness: ms(&self.flatness),
            spectral_flux: ms(&self.flux),
            zero_crossing_rate: ms(&self.zcr),
            mfcc_mean,
            mfcc_std,
            chroma,
            key,
            mode,
            key_strength,
        };
        descriptor.sanitized()
    }
}

/// Index of the first bin at which the cumulative magnitude reaches
/// `target`; whole 32-bin blocks are skipped with a vectorised sum.
fn rolloff_bin(magnitude: &[f32], target: f32) -> usize {
    let mut acc = 0.0f32;
    let mut start = 0;
    for block in magnitude.chunks(32) {
        let block_sum = kernels::sum(block);
        if acc + block_sum >= target {
            for (k, m) in block.iter().enumerate() {
                acc += m;
                if acc >= target {
                    return start + k;
                }
            }
            return start + block.len() - 1;
        }
        acc += block_sum;
        start += block.len();
    }
    magnitude.len().saturating_sub(1)
}

#[inline]
fn sanitize(sample: f32) -> f32 {
    if sample.is_finite() {
        sample.clamp(-MAX_ABS_SAMPLE, MAX_ABS_SAMPLE)
    } else {
        0.0
    }
}

/// Analyses a whole mono buffer at [`SAMPLE_RATE_HZ`] in one call.
pub fn analyze_mono_22k(samples: &[f32]) -> Descriptor {
    let mut analyzer = Analyzer::new();
    analyzer.push(samples);
    analyzer.finish()
}
