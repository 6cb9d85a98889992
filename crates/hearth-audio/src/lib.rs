//! hearth-audio owns Hearth's audio analysis engine: decoding audio files
//! (MP3, AAC/M4A, FLAC, Ogg Vorbis, Ogg Opus, WAV) in pure Rust, downmixing
//! and resampling to [`SAMPLE_RATE_HZ`] mono, and turning the samples into a
//! versioned [`Descriptor`] (with [`Attributes`] derived from it) in one
//! streaming pass with bounded memory. It must not depend on the store, the
//! server or any network code; the library scanner and job queue call
//! [`analyze_file`] / [`read_tags`] and persist the results themselves.
//!
//! Main types: [`Analyzer`] (streaming DSP over `&[f32]`, no paths),
//! [`Descriptor`] (+ [`FEATURES_VERSION`], [`Descriptor::to_vector`]),
//! [`Attributes`], [`Analysis`], the [`AudioDecoder`] port with its
//! [`SymphoniaDecoder`] adapter, [`Resampler`], [`Tags`], [`AudioError`].
//!
//! # Pipeline
//! `file → AudioDecoder (packets → interleaved f32) → mono mixdown →
//! Resampler (→ 22,050 Hz) → Analyzer::push (blocks) → Analyzer::finish →
//! Descriptor → Attributes`. Only one decoded packet, one resampled block
//! and the analyser's fixed state are alive at any time, so memory does not
//! grow with file length.
//!
//! # Descriptor v1 — feature definitions
//! Frames: 2048 samples (92.9 ms), hop 512 (23.2 ms), periodic Hann window
//! scaled so a full-scale sine has peak magnitude 1; `m_k` is the magnitude
//! and `p_k = m_k²` the power of bin `k` at frequency `f_k = k·22050/2048`.
//! "Non-silent" frames have RMS ≥ 1e-4 (−80 dBFS); spectral-shape features,
//! ZCR, MFCC and chroma are averaged over non-silent frames only.
//!
//! - **tempo_bpm / tempo_confidence** — onset envelope (below) high-passed by
//!   subtracting its 1-s moving average; its autocorrelation is accumulated
//!   over the whole signal for lags ≤ 260 hops. Every tempo on a 0.25-BPM
//!   grid in 40–220 BPM is scored by a comb over the autocorrelation at 1–4 ×
//!   its period (weights 1, ½, ⅓, ¼) times a log-normal prior centred at
//!   120 BPM (σ = 1 octave); the best wins (the prior settles octave
//!   ambiguity). Confidence = autocorrelation at the period / at lag 0,
//!   clamped to [0, 1]. A signal without any onset energy gives 0 BPM.
//! - **onset_rate_hz** — onset envelope = mean over 40 mel bands of the
//!   positive frame-to-frame increase of log energy (dB, floored at
//!   −60 dB); onsets are local maxima above 1.5 × a slow moving average +
//!   0.5 dB, at least 3 hops (70 ms) apart; rate = onsets / duration.
//! - **loudness_mean_db** — mean of frame loudness `20·log10(RMS)`, floored
//!   at −100 dBFS. **loudness_range_db** — 95th − 10th percentile of it
//!   (0.5-dB histogram).
//! - **rms_mean / rms_std** — mean and std of the frame RMS (linear).
//! - **spectral_centroid_hz** — `Σ f_k m_k / Σ m_k`. **spectral_bandwidth_hz**
//!   — `sqrt(Σ m_k (f_k − centroid)² / Σ m_k)`. **spectral_rolloff_hz** —
//!   lowest `f_k` below which 85 % of `Σ m_k` lies. **spectral_flatness** —
//!   geometric / arithmetic mean of `p_k` (DC excluded), in [0, 1] (≈ 0.56
//!   for white noise, ≈ 0 for a sine). **spectral_flux** — L2 norm of the
//!   positive change of the L2-normalised magnitude spectrum between
//!   consecutive frames (level-independent). All as mean and std over frames.
//! - **zero_crossing_rate** — sign changes per sample within the frame.
//! - **mfcc_mean / mfcc_std** — 40 HTK-mel triangular bands (20 Hz–11.025 kHz)
//!   on `p_k`, `10·log10(E + 1e-6)`, orthonormal DCT-II, coefficients c0…c12.
//! - **chroma** — spectral peaks between 100 Hz and 5 kHz above 1 % of the
//!   frame maximum, frequency refined by parabolic interpolation of the log
//!   magnitude, assigned to pitch classes (A4 = 440 Hz) with a cos² split
//!   between the two nearest; each frame normalised to sum 1, then averaged
//!   and normalised to sum 1 (C = 0 … B = 11).
//! - **key / mode / key_strength** — Pearson correlation of the chroma with
//!   the 24 rotated Krumhansl–Kessler profiles; the best gives tonic, mode
//!   and strength.
//!
//! # Similarity vector
//! [`Descriptor::to_vector`] has [`VECTOR_DIM`] = 56 dimensions in five
//! groups ([`VECTOR_GROUPS`]): rhythm (log2(tempo/120), confidence, onset
//! rate), dynamics (loudness mean, range, RMS std/mean), spectral (log2 of
//! centroid/bandwidth/rolloff mean and std, flatness, flux, ZCR mean and
//! std), timbre (MFCC means then stds) and tonal (key-relative chroma bins
//! 0–10 and the key strength signed +major/−minor). Each dimension is
//! z-scored with fixed reference statistics (part of v1), clamped to ±5 and
//! scaled by `group weight / sqrt(group size)`, so cosine similarity weighs
//! groups, not dimension counts.
//!
//! # Decoding
//! Symphonia decodes MP3, AAC (incl. iTunes M4A previews), FLAC, Vorbis and
//! PCM WAV; Opus inside Ogg is demuxed by symphonia and decoded by the pure
//! Rust `opus-decoder` crate (0.1, MIT/Apache). No system codec library is
//! used. Known limitation: that Opus decoder is slow — measured ≈ 3× real
//! time per core, versus ≈ 800× for symphonia's Vorbis — so Opus files
//! dominate analysis time; its output matches libopus at 48 kHz.
//!
//! # Throughput and memory
//! Measured with `bench_analyze` (release build, 1 thread, shared 2-core
//! machine): full-length Ogg Vorbis tracks ≈ 500× real time per CPU core,
//! 30-s AAC clips ≈ 530×, peak RSS ≈ 6 MiB for the whole process.

pub mod analyze;
pub mod attributes;
pub mod bench;
pub mod coherence;
pub mod decode;
pub mod descriptor;
pub mod dsp;
mod error;
pub mod resample;
pub mod tags;

pub use analyze::{analyze_decoder, analyze_file, Analysis};
pub use attributes::{Attributes, TempoClass};
pub use bench::{bench_analyze, eval_album_coherence, BenchReport};
pub use coherence::{album_coherence, CoherenceReport};
pub use decode::{AudioDecoder, SymphoniaDecoder, SUPPORTED_EXTENSIONS};
pub use descriptor::{Descriptor, MeanStd, FEATURES_VERSION, VECTOR_DIM, VECTOR_GROUPS};
pub use dsp::{Analyzer, Mode};
pub use error::AudioError;
pub use resample::Resampler;
pub use tags::{read_tags, Tags};

/// Sample rate of everything the DSP sees.
pub const SAMPLE_RATE_HZ: u32 = 22_050;

/// Analyses mono samples at any sample rate (resampled to
/// [`SAMPLE_RATE_HZ`] first when needed; a rate of 0, which cannot describe
/// real audio, is taken as [`SAMPLE_RATE_HZ`] so this stays infallible).
/// Never panics; outputs are finite.
pub fn analyze_samples(samples: &[f32], sample_rate_hz: u32) -> Descriptor {
    if sample_rate_hz == SAMPLE_RATE_HZ || sample_rate_hz == 0 {
        return dsp::analyze_mono_22k(samples);
    }
    let mut resampler = Resampler::new(sample_rate_hz, SAMPLE_RATE_HZ);
    let mut analyzer = Analyzer::new();
    let mut block = Vec::with_capacity(8192);
    for chunk in samples.chunks(16_384) {
        block.clear();
        resampler.process(chunk, &mut block);
        analyzer.push(&block);
    }
    block.clear();
    resampler.finish(&mut block);
    analyzer.push(&block);
    analyzer.finish()
}
