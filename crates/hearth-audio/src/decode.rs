//! Streaming decoding: the [`AudioDecoder`] port and its symphonia-based
//! adapter [`SymphoniaDecoder`].
//!
//! Formats: MP3, AAC (ADTS and MP4/M4A, incl. iTunes previews), ALAC in MP4,
//! FLAC, Ogg Vorbis, PCM WAV — all by symphonia — and Ogg Opus, demuxed by
//! symphonia and decoded by the pure-Rust `opus-decoder` crate (mono or
//! stereo streams; multichannel Opus is rejected as unsupported). Opus is
//! decoded at 48 kHz: opus-decoder 0.1's reduced-rate (24 kHz) output path was
//! measured to add audible artefacts, its 48 kHz output matches libopus.
//!
//! A corrupt packet is skipped (symphonia's decoders recover at the next
//! frame); a file is rejected only when nothing at all could be decoded or
//! more than [`MAX_DECODE_ERRORS`] packets failed.

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::audio::{AudioBufferRef, SampleBuffer};
use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL, CODEC_TYPE_OPUS};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use crate::error::AudioError;
use crate::tags::{collect_tags, Tags};

/// File extensions (lower case) the decoder is tried on.
pub const SUPPORTED_EXTENSIONS: &[&str] = &[
    "mp3", "m4a", "m4b", "mp4", "aac", "flac", "ogg", "oga", "opus", "wav", "wave",
];

/// Packets allowed to fail before a file is declared corrupt.
pub const MAX_DECODE_ERRORS: u32 = 64;

/// Opus output rate used for analysis (see module docs for why not 24 kHz).
const OPUS_RATE_HZ: u32 = 48_000;

/// Port: a source of mono samples at its own sample rate.
pub trait AudioDecoder {
    /// Sample rate of the samples produced by [`Self::next_mono_block`].
    fn sample_rate_hz(&self) -> u32;
    /// Appends the next block of mono samples to `out` (`out` is not
    /// cleared). Returns `Ok(false)` at the end of the stream.
    fn next_mono_block(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError>;
}

enum Codec {
    Symphonia(Box<dyn symphonia::core::codecs::Decoder>),
    Opus {
        decoder: Box<opus_decoder::OpusDecoder>,
        channels: usize,
        /// Samples per channel still to drop (Opus pre-skip, at 24 kHz).
        skip: usize,
        pcm: Vec<f32>,
    },
}

/// Decoder for every format symphonia can demux (see module docs).
pub struct SymphoniaDecoder {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    codec: Codec,
    track_id: u32,
    sample_rate_hz: u32,
    tags: Tags,
    sample_buf: Option<SampleBuffer<f32>>,
    decode_errors: u32,
    last_error: String,
    decoded_frames: u64,
}

impl std::fmt::Debug for SymphoniaDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymphoniaDecoder")
            .field("path", &self.path)
            .field("sample_rate_hz", &self.sample_rate_hz)
            .finish_non_exhaustive()
    }
}

pub(crate) fn extension_of(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// Opens and probes a file, returning the format reader and the tags found
/// in both the probe-level (e.g. ID3v2) and container-level metadata.
pub(crate) fn probe(path: &Path) -> Result<(Box<dyn FormatReader>, Tags), AudioError> {
    let file = File::open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            AudioError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            AudioError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    let ext = extension_of(path);
    if !ext.is_empty() {
        hint.with_extension(&ext);
    }
    let format_opts = FormatOptions {
        enable_gapless: true,
        ..FormatOptions::default()
    };
    let mut probed = symphonia::default::get_probe()
        .format(&hint, mss, &format_opts, &MetadataOptions::default())
        .map_err(|e| map_symphonia(path, &ext, e))?;
    let probe_meta = probed.metadata.get();
    let probe_rev = probe_meta.as_ref().and_then(|m| m.current());
    let mut format = probed.format;
    let params = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .map(|t| t.codec_params.clone());
    let container_meta = format.metadata();
    let tags = collect_tags(probe_rev, container_meta.current(), params.as_ref());
    Ok((format, tags))
}

fn map_symphonia(path: &Path, ext: &str, e: SymphoniaError) -> AudioError {
    match e {
        // Containers whose headers or index sit at the end (Ogg duration
        // scan, MP4 `moov` after `mdat`) hit EOF while probing a cut file.
        SymphoniaError::IoError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Decode {
                path: path.to_path_buf(),
                reason:
                    "truncated file: unexpected end of stream while reading the container headers"
                        .into(),
            }
        }
        SymphoniaError::IoError(source) => AudioError::Io {
            path: path.to_path_buf(),
            source,
        },
        SymphoniaError::Unsupported(what) => AudioError::Unsupported {
            path: path.to_path_buf(),
            format: if ext.is_empty() {
                "unknown".into()
            } else {
                ext.into()
            },
            reason: what.to_string(),
        },
        other => AudioError::Decode {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    }
}

impl SymphoniaDecoder {
    /// Opens `path`, probes its container and prepares the codec.
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let (format, tags) = probe(path)?;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| AudioError::NoAudioTrack {
                path: path.to_path_buf(),
            })?;
        let params = track.codec_params.clone();
        let track_id = track.id;
        let (codec, sample_rate_hz) = if params.codec == CODEC_TYPE_OPUS {
            let channels = params.channels.map(|c| c.count()).unwrap_or(2);
            if !(1..=2).contains(&channels) {
                return Err(AudioError::Unsupported {
                    path: path.to_path_buf(),
                    format: "opus".into(),
                    reason: format!("{channels}-channel (multistream) Opus is not supported"),
                });
            }
            let decoder = opus_decoder::OpusDecoder::new(OPUS_RATE_HZ, channels).map_err(|e| {
                AudioError::Decode {
                    path: path.to_path_buf(),
                    reason: format!("opus decoder: {e}"),
                }
            })?;
            // Pre-skip is expressed at 48 kHz.
            let skip = params.delay.unwrap_or(0) as usize * OPUS_RATE_HZ as usize / 48_000;
            let pcm = vec![0.0; opus_decoder::OpusDecoder::MAX_FRAME_SIZE_48K * channels];
            (
                Codec::Opus {
                    decoder: Box::new(decoder),
                    channels,
                    skip,
                    pcm,
                },
                OPUS_RATE_HZ,
            )
        } else {
            let decoder = symphonia::default::get_codecs()
                .make(&params, &DecoderOptions::default())
                .map_err(|e| map_symphonia(path, &extension_of(path), e))?;
            (Codec::Symphonia(decoder), params.sample_rate.unwrap_or(0))
        };
        Ok(Self {
            path: path.to_path_buf(),
            format,
            codec,
            track_id,
            sample_rate_hz,
            tags,
            sample_buf: None,
            decode_errors: 0,
            last_error: String::new(),
            decoded_frames: 0,
        })
    }

    /// Tags read while probing.
    pub fn tags(&self) -> &Tags {
        &self.tags
    }

    /// Packets that failed to decode and were skipped.
    pub fn decode_errors(&self) -> u32 {
        self.decode_errors
    }

    fn decode_error(&mut self, reason: String) -> Result<(), AudioError> {
        self.decode_errors += 1;
        self.last_error = reason;
        if self.decode_errors > MAX_DECODE_ERRORS {
            return Err(AudioError::Decode {
                path: self.path.clone(),
                reason: format!(
                    "more than {MAX_DECODE_ERRORS} corrupt packets (last: {})",
                    self.last_error
                ),
            });
        }
        Ok(())
    }

    fn end_of_stream(&self) -> Result<bool, AudioError> {
        if self.decoded_frames == 0 {
            let reason = if self.last_error.is_empty() {
                "no audio frames in stream".to_string()
            } else {
                format!(
                    "no packet could be decoded (last error: {})",
                    self.last_error
                )
            };
            return Err(AudioError::Decode {
                path: self.path.clone(),
                reason,
            });
        }
        Ok(false)
    }
}

/// Appends the mono mixdown (mean of channels) of a decoded buffer.
fn mix_down(
    buf: AudioBufferRef<'_>,
    sample_buf: &mut Option<SampleBuffer<f32>>,
    out: &mut Vec<f32>,
) -> usize {
    let frames = buf.frames();
    if let AudioBufferRef::F32(b) = &buf {
        // Fast path: most lossy decoders emit planar f32.
        let planes = b.planes();
        let planes = planes.planes();
        let start = out.len();
        match planes.len() {
            0 => return 0,
            1 => out.extend_from_slice(&planes[0][..frames]),
            _ => {
                let inv = 1.0 / planes.len() as f32;
                out.extend_from_slice(&planes[0][..frames]);
                for plane in &planes[1..] {
                    for (o, s) in out[start..].iter_mut().zip(&plane[..frames]) {
                        *o += s;
                    }
                }
                out[start..].iter_mut().for_each(|o| *o *= inv);
            }
        }
        return frames;
    }
    let spec = *buf.spec();
    let channels = spec.channels.count().max(1);
    let needed = buf.capacity() as u64;
    if sample_buf
        .as_ref()
        .is_none_or(|s| s.capacity() < needed as usize)
    {
        *sample_buf = Some(SampleBuffer::new(needed, spec));
    }
    let Some(sb) = sample_buf.as_mut() else {
        return 0;
    };
    sb.copy_interleaved_ref(buf);
    let inv = 1.0 / channels as f32;
    out.extend(
        sb.samples()
            .chunks_exact(channels)
            .map(|frame| frame.iter().sum::<f32>() * inv),
    );
    frames
}

impl AudioDecoder for SymphoniaDecoder {
    fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz
    }

    fn next_mono_block(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(p) => p,
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return self.end_of_stream();
                }
                // A chained Ogg stream or a mid-stream format change: we stop
                // at the end of the first stream rather than mixing streams.
                Err(SymphoniaError::ResetRequired) => return self.end_of_stream(),
                Err(SymphoniaError::DecodeError(reason)) => {
                    self.decode_error(format!("demux: {reason}"))?;
                    continue;
                }
                Err(SymphoniaError::IoError(source)) => {
                    return Err(AudioError::Io {
                        path: self.path.clone(),
                        source,
                    })
                }
                Err(e) => {
                    return Err(AudioError::Decode {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    })
                }
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            match &mut self.codec {
                Codec::Symphonia(decoder) => match decoder.decode(&packet) {
                    Ok(buf) => {
                        if self.sample_rate_hz == 0 {
                            self.sample_rate_hz = buf.spec().rate;
                        }
                        let frames = mix_down(buf, &mut self.sample_buf, out);
                        if frames == 0 {
                            continue;
                        }
                        self.decoded_frames += frames as u64;
                        return Ok(true);
                    }
                    Err(SymphoniaError::DecodeError(reason)) => {
                        self.decode_error(reason.to_string())?;
                    }
                    Err(SymphoniaError::IoError(e))
                        if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                    {
                        return self.end_of_stream();
                    }
                    Err(e) => {
                        return Err(AudioError::Decode {
                            path: self.path.clone(),
                            reason: e.to_string(),
                        })
                    }
                },
                Codec::Opus {
                    decoder,
                    channels,
                    skip,
                    pcm,
                } => match decoder.decode_float(&packet.data, pcm, false) {
                    Ok(frames) => {
                        let ch = *channels;
                        let drop = (*skip).min(frames);
                        *skip -= drop;
                        let samples = &pcm[drop * ch..frames * ch];
                        let inv = 1.0 / ch as f32;
                        out.extend(
                            samples
                                .chunks_exact(ch)
                                .map(|f| f.iter().sum::<f32>() * inv),
                        );
                        let kept = frames - drop;
                        self.decoded_frames += kept as u64;
                        if kept > 0 {
                            return Ok(true);
                        }
                    }
                    Err(e) => self.decode_error(format!("opus: {e}"))?,
                },
            }
        }
    }
}
