//! Synthesised audio clips for the demo catalogue: a drum pattern (kick, snare, hi-hat clicks)
//! at a tempo, a melody or pad in a key and mode, and a timbre mix of sine, saw, square and noise
//! through a one-pole low-pass. Mono `f32` at [`hearth_audio::SAMPLE_RATE_HZ`], deterministic
//! for a given seed, so the demo analyses real signals with the real DSP.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::f32::consts::TAU;

pub const SAMPLE_RATE_HZ: u32 = hearth_audio::SAMPLE_RATE_HZ;

/// What a clip sounds like.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipParams {
    pub bpm: f32,
    /// Pitch class of the tonic, C = 0 … B = 11.
    pub key: u8,
    pub minor: bool,
    /// Oscillator mix weights (need not sum to 1).
    pub sine: f32,
    pub saw: f32,
    pub square: f32,
    /// Noise mixed into the melody voice.
    pub noise: f32,
    /// Drum loudness (0 = no drums).
    pub drums: f32,
    /// Melody notes per beat (0 = a sustained pad chord instead of a melody).
    pub notes_per_beat: f32,
    /// Low-pass cutoff in Hz (darker below ~1 kHz, brighter above ~4 kHz).
    pub cutoff_hz: f32,
    /// Peak level in (0, 1].
    pub level: f32,
    pub seconds: f32,
    pub seed: u64,
}

const MAJOR: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
const MINOR: [i32; 7] = [0, 2, 3, 5, 7, 8, 10];

fn midi_hz(note: i32) -> f32 {
    440.0 * 2f32.powf((note - 69) as f32 / 12.0)
}

/// Renders a clip.
pub fn render(p: &ClipParams) -> Vec<f32> {
    let sr = SAMPLE_RATE_HZ as f32;
    let n = (p.seconds * sr) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let scale = if p.minor { &MINOR } else { &MAJOR };
    // Tonic in the octave above C3 (MIDI 48).
    let tonic = 48 + i32::from(p.key % 12);
    let beat_s = 60.0 / p.bpm.max(1.0);
    let mut out = vec![0.0f32; n];

    // Melody or pad.
    let mix = p.sine + p.saw + p.square + p.noise;
    if mix > 0.0 {
        let mut phase = [0.0f32; 3];
        if p.notes_per_beat > 0.0 {
            let note_s = beat_s / p.notes_per_beat;
            let note_len = (note_s * sr).max(1.0) as usize;
            let mut start = 0usize;
            while start < n {
                let degree = rng.gen_range(0..7);
                let octave = if rng.gen_bool(0.25) { 12 } else { 0 };
                let hz = midi_hz(tonic + 12 + scale[degree] + octave);
                let end = (start + note_len).min(n);
                for (i, s) in out[start..end].iter_mut().enumerate() {
                    let t = i as f32 / sr;
                    // Plucked envelope: fast attack, exponential decay.
                    let env = (t * 200.0).min(1.0) * (-t * 6.0 / note_s.max(0.05)).exp();
                    phase[0] = (phase[0] + hz / sr).fract();
                    *s += env * voice(p, phase[0], &mut rng) / mix;
                }
                start = end;
            }
        } else {
            // Pad: tonic, third and fifth, slowly swelling.
            let third = if p.minor { 3 } else { 4 };
            let hz = [midi_hz(tonic), midi_hz(tonic + third), midi_hz(tonic + 7)];
            for (i, s) in out.iter_mut().enumerate() {
                let t = i as f32 / sr;
                let env = 0.6 + 0.4 * (TAU * 0.25 * t).sin();
                let mut v = 0.0;
                for (k, f) in hz.iter().enumerate() {
                    phase[k] = (phase[k] + f * (1.0 + 0.002 * (TAU * 5.0 * t).sin()) / sr).fract();
                    v += voice(p, phase[k], &mut rng);
                }
                *s += env * v / (3.0 * mix);
            }
        }
    }

    // Drums: kick on every beat, snare on 2 and 4, hi-hat clicks on eighths.
    if p.drums > 0.0 {
        let eighth = (beat_s / 2.0 * sr) as usize;
        let mut step = 0usize;
        let mut start = 0usize;
        while start < n && eighth > 0 {
            let on_beat = step % 2 == 0;
            let beat_in_bar = (step / 2) % 4;
            if on_beat {
                add_kick(&mut out[start..], sr, p.drums);
                if beat_in_bar == 1 || beat_in_bar == 3 {
                    add_noise_burst(&mut out[start..], sr, 0.12, 0.6 * p.drums, &mut rng);
                }
            }
            add_noise_burst(&mut out[start..], sr, 0.015, 0.25 * p.drums, &mut rng);
            step += 1;
            start += eighth;
        }
    }

    // One-pole low-pass, then normalise to the requested peak.
    let a = 1.0 - (-TAU * p.cutoff_hz.clamp(50.0, sr / 2.0) / sr).exp();
    let mut y = 0.0f32;
    for s in &mut out {
        y += a * (*s - y);
        *s = y;
    }
    let peak = out.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if peak > 0.0 {
        let g = p.level.clamp(0.01, 1.0) / peak;
        for s in &mut out {
            *s *= g;
        }
    }
    out
}

fn voice(p: &ClipParams, phase: f32, rng: &mut ChaCha8Rng) -> f32 {
    let sine = (TAU * phase).sin();
    let saw = 2.0 * phase - 1.0;
    let square = if phase < 0.5 { 1.0 } else { -1.0 };
    let noise = if p.noise > 0.0 {
        rng.gen_range(-1.0f32..1.0)
    } else {
        0.0
    };
    p.sine * sine + p.saw * saw + p.square * square + p.noise * noise
}

/// A kick: a sine sweeping 120 → 45 Hz under a 150 ms decay.
fn add_kick(out: &mut [f32], sr: f32, level: f32) {
    let len = ((0.25 * sr) as usize).min(out.len());
    let mut phase = 0.0f32;
    for (i, s) in out[..len].iter_mut().enumerate() {
        let t = i as f32 / sr;
        let hz = 45.0 + 75.0 * (-t * 25.0).exp();
        phase = (phase + hz / sr).fract();
        *s += level * (-t / 0.15).exp() * (TAU * phase).sin();
    }
}

/// A noise burst (snare body or hi-hat click) of `len_s` with an exponential decay.
fn add_noise_burst(out: &mut [f32], sr: f32, len_s: f32, level: f32, rng: &mut ChaCha8Rng) {
    let len = ((len_s * sr) as usize).min(out.len());
    for (i, s) in out[..len].iter_mut().enumerate() {
        let t = i as f32 / sr;
        *s += level * (-t / (len_s / 4.0)).exp() * rng.gen_range(-1.0f32..1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(bpm: f32) -> ClipParams {
        ClipParams {
            bpm,
            key: 9,
            minor: true,
            sine: 0.3,
            saw: 0.6,
            square: 0.0,
            noise: 0.1,
            drums: 1.0,
            notes_per_beat: 2.0,
            cutoff_hz: 3000.0,
            level: 0.8,
            seconds: 6.0,
            seed: 7,
        }
    }

    #[test]
    fn clips_are_deterministic_finite_and_at_the_requested_level() {
        let a = render(&params(120.0));
        assert_eq!(a, render(&params(120.0)));
        assert_eq!(a.len(), 6 * SAMPLE_RATE_HZ as usize);
        assert!(a.iter().all(|x| x.is_finite()));
        let peak = a.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!((peak - 0.8).abs() < 1e-4, "{peak}");
    }

    #[test]
    fn the_analyser_hears_fast_and_slow_drums_apart() {
        let fast = hearth_audio::analyze_samples(&render(&params(165.0)), SAMPLE_RATE_HZ);
        let slow = hearth_audio::analyze_samples(&render(&params(75.0)), SAMPLE_RATE_HZ);
        // Onset rate rather than tempo: beat trackers may pick a tempo octave.
        assert!(
            fast.onset_rate_hz > slow.onset_rate_hz,
            "fast {} vs slow {} onsets/s",
            fast.onset_rate_hz,
            slow.onset_rate_hz
        );
    }
}
