//! Golden DSP tests on synthesised signals.

use hearth_audio::{analyze_samples, Analyzer, Attributes, Descriptor, Mode, TempoClass};

use crate::synth::{self, SR};

fn assert_all_finite(d: &Descriptor) {
    let json = serde_json::to_value(d).unwrap();
    fn walk(v: &serde_json::Value, path: &str) {
        match v {
            serde_json::Value::Number(n) => {
                assert!(n.as_f64().is_some_and(f64::is_finite), "{path} not finite")
            }
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| walk(x, &format!("{path}[{i}]"))),
            serde_json::Value::Object(o) => {
                o.iter().for_each(|(k, x)| walk(x, &format!("{path}.{k}")))
            }
            serde_json::Value::Null => panic!("{path} is null (NaN serialises as null)"),
            _ => {}
        }
    }
    walk(&json, "descriptor");
    assert!(d.to_vector().iter().all(|x| x.is_finite()));
}

#[test]
fn click_track_120_bpm() {
    let d = analyze_samples(&synth::click_track(120.0, 30.0), SR);
    assert!((d.tempo_bpm - 120.0).abs() <= 2.0, "tempo {}", d.tempo_bpm);
    assert!(
        d.tempo_confidence > 0.5,
        "confidence {}",
        d.tempo_confidence
    );
    // Two clicks per second.
    assert!(
        (d.onset_rate_hz - 2.0).abs() < 0.2,
        "onset rate {}",
        d.onset_rate_hz
    );
    assert_eq!(
        Attributes::from_descriptor(&d).tempo_class,
        TempoClass::Medium
    );
    assert_all_finite(&d);
}

#[rstest::rstest]
#[case(75.0)]
#[case(95.0)]
#[case(140.0)]
#[case(174.0)]
fn click_tracks_at_other_tempi(#[case] bpm: f32) {
    let d = analyze_samples(&synth::click_track(bpm, 30.0), SR);
    assert!(
        (d.tempo_bpm - bpm).abs() <= 2.0,
        "{bpm}: got {}",
        d.tempo_bpm
    );
}

#[test]
fn sine_440_has_chroma_peak_a_and_centroid_near_440() {
    let d = analyze_samples(&synth::sine(440.0, 5.0, 0.5, SR), SR);
    let peak = d
        .chroma
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap();
    assert_eq!(peak, 9, "chroma {:?}", d.chroma);
    assert!(d.chroma[9] > 0.9);
    assert!(
        (d.spectral_centroid_hz.mean - 440.0).abs() < 25.0,
        "centroid {}",
        d.spectral_centroid_hz.mean
    );
    assert!(
        d.spectral_flatness.mean < 0.05,
        "flatness {}",
        d.spectral_flatness.mean
    );
    // Loudness of a 0.5-amplitude sine: RMS 0.354 → -9.0 dBFS.
    assert!(
        (d.loudness_mean_db - -9.03).abs() < 0.3,
        "loudness {}",
        d.loudness_mean_db
    );
    assert_all_finite(&d);
}

#[test]
fn sine_at_44k_is_resampled_and_keeps_pitch() {
    let d = analyze_samples(&synth::sine(440.0, 3.0, 0.5, 44_100), 44_100);
    assert!((d.duration_s - 3.0).abs() < 0.01);
    assert!((d.spectral_centroid_hz.mean - 440.0).abs() < 25.0);
    assert!(d.chroma[9] > 0.9);
}

#[test]
fn white_noise_is_flat_and_bright() {
    let d = analyze_samples(&synth::white_noise(5.0, 0.5), SR);
    assert!(
        d.spectral_flatness.mean > 0.4,
        "flatness {}",
        d.spectral_flatness.mean
    );
    // White noise centroid ≈ Nyquist / 2.
    assert!((d.spectral_centroid_hz.mean - 5512.0).abs() < 400.0);
    assert!(d.zero_crossing_rate.mean > 0.4);
    let a = Attributes::from_descriptor(&d);
    assert!(a.brightness > 0.9);
    assert_all_finite(&d);
}

#[test]
fn silence_gives_finite_values() {
    let d = analyze_samples(&vec![0.0; SR as usize * 3], SR);
    assert_all_finite(&d);
    assert_eq!(d.loudness_mean_db, -100.0);
    assert_eq!(d.tempo_bpm, 0.0);
    assert_eq!(d.tempo_confidence, 0.0);
    let a = Attributes::from_descriptor(&d);
    assert!(a.energy <= 0.01);
}

#[test]
fn clipped_square_wave_gives_finite_values() {
    let mut x = synth::square(220.0, 3.0);
    x.iter_mut().for_each(|s| *s *= 4.0); // way past full scale
    let d = analyze_samples(&x, SR);
    assert_all_finite(&d);
    assert!(d.loudness_mean_db > 0.0);
    let peak = d
        .chroma
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(peak, 9, "220 Hz is an A");
}

#[test]
fn c_major_progression_is_c_major() {
    let d = analyze_samples(&synth::c_major_progression(4), SR);
    assert_eq!((d.key, d.mode), (0, Mode::Major), "chroma {:?}", d.chroma);
    assert!(d.key_strength > 0.6, "strength {}", d.key_strength);
}

#[test]
fn block_size_does_not_change_descriptor() {
    let x = synth::c_major_progression(1);
    let whole = analyze_samples(&x, SR);
    let mut a = Analyzer::new();
    for block in x.chunks(333) {
        a.push(block);
    }
    assert_eq!(a.finish(), whole);
}

#[test]
fn noise_is_more_energetic_than_a_quiet_sine() {
    let loud = Attributes::from_descriptor(&analyze_samples(&synth::white_noise(3.0, 0.9), SR));
    let quiet =
        Attributes::from_descriptor(&analyze_samples(&synth::sine(300.0, 3.0, 0.01, SR), SR));
    assert!(loud.energy > quiet.energy);
    assert!(quiet.acousticness > loud.acousticness);
}
