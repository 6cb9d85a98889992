//! Decoding of every supported format from the committed fixtures.

use std::path::PathBuf;

use hearth_audio::{analyze_file, read_tags, AudioError, SUPPORTED_EXTENSIONS};
use rstest::rstest;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[rstest]
#[case("tone_440hz_8k_mono.wav", 1_000)]
#[case("tone_440hz_22k_mono.flac", 1_500)]
#[case("tone_440hz_44k_stereo.mp3", 2_000)]
#[case("tone_440hz_44k_stereo.m4a", 2_000)]
#[case("tone_440hz_44k_stereo.ogg", 2_000)]
#[case("tone_440hz_48k_stereo.opus", 2_000)]
fn decodes_fixture_and_recovers_the_tone(#[case] name: &str, #[case] expected_ms: u64) {
    let a = analyze_file(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    // Lossy codecs may keep a few ms of padding; 60 ms is well under a frame.
    assert!(
        a.duration_ms.abs_diff(expected_ms) <= 60,
        "{name}: decoded {} ms, expected {expected_ms}",
        a.duration_ms
    );
    let d = &a.descriptor;
    let peak = d
        .chroma
        .iter()
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(y.1))
        .map(|(i, _)| i)
        .unwrap();
    assert_eq!(peak, 9, "{name}: chroma {:?}", d.chroma);
    assert!(d.chroma[9] > 0.8, "{name}: chroma {:?}", d.chroma);
    assert!(
        (d.spectral_centroid_hz.mean - 440.0).abs() < 40.0,
        "{name}: centroid {}",
        d.spectral_centroid_hz.mean
    );
    // Amplitude 1/16 → RMS -27 dBFS; lossy codecs stay within a dB.
    assert!(
        (d.loudness_mean_db - -27.1).abs() < 1.5,
        "{name}: loudness {}",
        d.loudness_mean_db
    );
    assert_eq!(a.tags.title.as_deref(), Some("Fixture_Tone"), "{name}");
    assert_eq!(a.tags.artist.as_deref(), Some("Hearth"), "{name}");
    assert_eq!(a.tags.album.as_deref(), Some("Fixtures"), "{name}");
}

#[rstest]
#[case("tone_440hz_8k_mono.wav", 1_000)]
#[case("tone_440hz_22k_mono.flac", 1_500)]
#[case("tone_440hz_44k_stereo.mp3", 2_000)]
#[case("tone_440hz_44k_stereo.m4a", 2_000)]
#[case("tone_440hz_44k_stereo.ogg", 2_000)]
#[case("tone_440hz_48k_stereo.opus", 2_000)]
fn reads_tags_without_decoding(#[case] name: &str, #[case] expected_ms: u64) {
    let tags = read_tags(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(tags.title.as_deref(), Some("Fixture_Tone"), "{name}");
    assert_eq!(tags.genre.as_deref(), Some("Test"), "{name}");
    let ms = tags
        .duration_ms
        .unwrap_or_else(|| panic!("{name}: no duration"));
    assert!(ms.abs_diff(expected_ms) <= 100, "{name}: tag duration {ms}");
}

#[test]
fn every_fixture_extension_is_advertised() {
    for ext in ["wav", "flac", "mp3", "m4a", "ogg", "opus"] {
        assert!(SUPPORTED_EXTENSIONS.contains(&ext), "{ext}");
    }
}

#[test]
fn missing_file_is_not_found() {
    let err = analyze_file(&fixture("does-not-exist.mp3")).unwrap_err();
    assert!(matches!(err, AudioError::NotFound { .. }), "{err}");
}

#[test]
fn garbage_is_rejected_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noise.mp3");
    let bytes: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, bytes).unwrap();
    let err = analyze_file(&path).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::Unsupported { .. } | AudioError::Decode { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("noise.mp3"), "{err}");
}

/// Cuts a fixture in half into a temp dir.
fn cut_in_half(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let bytes = std::fs::read(fixture(name)).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    (dir, path)
}

#[test]
fn truncated_mp3_still_analyses_what_is_there() {
    let (_dir, path) = cut_in_half("tone_440hz_44k_stereo.mp3");
    let a = analyze_file(&path).unwrap();
    assert!(
        a.duration_ms > 500 && a.duration_ms < 2_000,
        "{}",
        a.duration_ms
    );
    assert!(a.descriptor.chroma[9] > 0.8);
}

#[rstest]
#[case("tone_440hz_44k_stereo.ogg")]
#[case("tone_440hz_44k_stereo.m4a")]
fn truncated_container_is_a_decode_error_naming_truncation(#[case] name: &str) {
    let (_dir, path) = cut_in_half(name);
    let err = analyze_file(&path).unwrap_err();
    assert!(matches!(err, AudioError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");
}
