//! Glue: file → decoder → mono → resampler → analyser → [`Analysis`].

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::attributes::Attributes;
use crate::decode::{AudioDecoder, SymphoniaDecoder};
use crate::descriptor::Descriptor;
use crate::dsp::Analyzer;
use crate::error::AudioError;
use crate::resample::Resampler;
use crate::tags::Tags;
use crate::SAMPLE_RATE_HZ;

/// Everything learnt about one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub descriptor: Descriptor,
    pub attributes: Attributes,
    /// Decoded duration (samples actually decoded / native rate).
    pub duration_ms: u64,
    pub tags: Tags,
}

/// Decoded-but-not-yet-analysed samples are handed to the analyser once this
/// many have accumulated (bounds the block buffers to ~64 KB each).
const BLOCK_SAMPLES: usize = 16_384;

/// Streams every sample of `decoder` through the resampler into a fresh
/// [`Analyzer`]. Returns the descriptor and the decoded duration in ms.
pub fn analyze_decoder(decoder: &mut dyn AudioDecoder) -> Result<(Descriptor, u64), AudioError> {
    let mut native = Vec::with_capacity(BLOCK_SAMPLES * 2);
    let mut resampled = Vec::with_capacity(BLOCK_SAMPLES * 2);
    let mut analyzer = Analyzer::new();
    let mut resampler: Option<Resampler> = None;
    let mut native_samples = 0u64;
    let mut rate_hz = 0u32;
    loop {
        let more = decoder.next_mono_block(&mut native)?;
        if resampler.is_none() && !native.is_empty() {
            // The rate is only guaranteed known once a block was decoded.
            rate_hz = decoder.sample_rate_hz();
            if rate_hz == 0 {
                return Err(AudioError::InvalidInput {
                    field: "sample_rate_hz",
                    reason: "decoder did not report a sample rate".into(),
                });
            }
            resampler = Some(Resampler::new(rate_hz, SAMPLE_RATE_HZ));
        }
        if native.len() >= BLOCK_SAMPLES || (!more && !native.is_empty()) {
            native_samples += native.len() as u64;
            if let Some(r) = resampler.as_mut() {
                resampled.clear();
                r.process(&native, &mut resampled);
                analyzer.push(&resampled);
            }
            native.clear();
        }
        if !more {
            break;
        }
    }
    if let Some(r) = resampler.as_mut() {
        resampled.clear();
        r.finish(&mut resampled);
        analyzer.push(&resampled);
    }
    let duration_ms = if rate_hz > 0 {
        native_samples * 1000 / u64::from(rate_hz)
    } else {
        0
    };
    Ok((analyzer.finish(), duration_ms))
}

/// Decodes and analyses one audio file in a single streaming pass.
///
/// A panic inside a third-party decoder on hostile input is caught and
/// reported as [`AudioError::Decode`] so one bad file can never take down an
/// analysis worker (the default panic hook still prints it to stderr).
pub fn analyze_file(path: &Path) -> Result<Analysis, AudioError> {
    let run = || -> Result<Analysis, AudioError> {
        let mut decoder = SymphoniaDecoder::open(path)?;
        let tags = decoder.tags().clone();
        let (descriptor, duration_ms) = analyze_decoder(&mut decoder)?;
        Ok(Analysis {
            attributes: Attributes::from_descriptor(&descriptor),
            descriptor,
            duration_ms,
            tags,
        })
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(AudioError::Decode {
            path: path.to_path_buf(),
            reason: format!("decoder panicked: {message}"),
        })
    })
}
