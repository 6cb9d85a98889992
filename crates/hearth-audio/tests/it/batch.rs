//! The decoder port, batch analysis, bench figures and album coherence over
//! the committed fixtures.

use std::path::PathBuf;

use hearth_audio::bench::{analyze_files, find_audio_files};
use hearth_audio::{
    analyze_decoder, bench_analyze, eval_album_coherence, AudioDecoder, AudioError,
};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A decoder that synthesises a 440 Hz tone at 48 kHz in odd-sized blocks.
struct ToneDecoder {
    produced: usize,
    total: usize,
}

impl AudioDecoder for ToneDecoder {
    fn sample_rate_hz(&self) -> u32 {
        48_000
    }

    fn next_mono_block(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        if self.produced >= self.total {
            return Ok(false);
        }
        let n = 997.min(self.total - self.produced);
        out.extend(
            (self.produced..self.produced + n)
                .map(|i| 0.25 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 48_000.0).sin()),
        );
        self.produced += n;
        Ok(true)
    }
}

#[test]
fn any_decoder_can_plug_into_the_pipeline() {
    let mut decoder = ToneDecoder {
        produced: 0,
        total: 48_000 * 3,
    };
    let (d, duration_ms) = analyze_decoder(&mut decoder).unwrap();
    assert_eq!(duration_ms, 3_000);
    assert!((d.duration_s - 3.0).abs() < 0.01);
    assert!(d.chroma[9] > 0.9, "{:?}", d.chroma);
}

#[test]
fn finds_every_fixture() {
    let files = find_audio_files(&fixtures()).unwrap();
    assert_eq!(files.len(), 6, "{files:?}");
    assert!(files.windows(2).all(|w| w[0] < w[1]), "sorted");
}

#[test]
fn missing_directory_is_not_found() {
    let err = find_audio_files(&fixtures().join("nope")).unwrap_err();
    assert!(matches!(err, AudioError::NotFound { .. }), "{err}");
}

#[test]
fn batch_analysis_keeps_order_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.flac");
    std::fs::write(&bad, b"not a flac file at all").unwrap();
    let mut files = find_audio_files(&fixtures()).unwrap();
    files.push(bad.clone());
    let results = analyze_files(&files, 2).unwrap();
    assert_eq!(results.len(), 7);
    assert!(results.iter().zip(&files).all(|((p, _), f)| p == f));
    assert!(results[..6].iter().all(|(_, r)| r.is_ok()));
    assert!(results[6].1.is_err());
}

#[test]
fn bench_reports_consistent_figures() {
    let r = bench_analyze(&fixtures(), 2).unwrap();
    assert_eq!((r.files, r.analysed, r.failed), (6, 6, 0));
    assert_eq!(r.threads, 2);
    // 1 + 1.5 + 4 × 2 s of audio.
    assert!((r.audio_s - 10.5).abs() < 0.3, "{}", r.audio_s);
    assert!(r.tracks_per_s > 0.0 && r.realtime_overall > 0.0);
    assert!(r.peak_rss_mb > 0.0, "VmHWM readable on Linux");
    assert!(r.to_string().contains("x real time / core"));
}

#[test]
fn fixtures_are_one_fully_coherent_album() {
    let (r, failures) = eval_album_coherence(&fixtures(), 2).unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!((r.tracks, r.albums), (6, 1));
    assert_eq!(r.coherence_at_5, 1.0);
    // With a single album every permutation is the same album.
    assert_eq!(r.shuffled_floor, 1.0);
    let json = serde_json::to_value(r).unwrap();
    for key in ["tracks", "albums", "coherence_at_5", "shuffled_floor"] {
        assert!(json.get(key).is_some(), "{key}");
    }
}
