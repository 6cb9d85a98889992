//! Deterministic test-signal synthesisers (no fixtures needed).

use std::f32::consts::PI;

pub const SR: u32 = 22_050;

pub fn sine(freq_hz: f32, secs: f32, amp: f32, rate: u32) -> Vec<f32> {
    let n = (rate as f32 * secs) as usize;
    (0..n)
        .map(|i| amp * (2.0 * PI * freq_hz * i as f32 / rate as f32).sin())
        .collect()
}

/// Click track: a 10 ms decaying 1.5 kHz burst on every beat.
pub fn click_track(bpm: f32, secs: f32) -> Vec<f32> {
    let n = (SR as f32 * secs) as usize;
    let mut out = vec![0.0f32; n];
    let period = 60.0 / bpm * SR as f32;
    let click_len = (0.01 * SR as f32) as usize;
    let mut beat = 0usize;
    loop {
        let start = (beat as f32 * period).round() as usize;
        if start >= n {
            break;
        }
        for j in 0..click_len.min(n - start) {
            let env = (-(j as f32) / (click_len as f32 / 4.0)).exp();
            out[start + j] = 0.8 * env * (2.0 * PI * 1500.0 * j as f32 / SR as f32).sin();
        }
        beat += 1;
    }
    out
}

/// Xorshift white noise in [-amp, amp] (deterministic).
pub fn white_noise(secs: f32, amp: f32) -> Vec<f32> {
    let n = (SR as f32 * secs) as usize;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 40) as f32 / (1u64 << 24) as f32;
            amp * (2.0 * u - 1.0)
        })
        .collect()
}

pub fn square(freq_hz: f32, secs: f32) -> Vec<f32> {
    sine(freq_hz, secs, 1.0, SR)
        .into_iter()
        .map(|x| if x >= 0.0 { 1.0 } else { -1.0 })
        .collect()
}

fn midi_hz(note: i32) -> f32 {
    440.0 * 2f32.powf((note - 69) as f32 / 12.0)
}

/// A note with a few decaying harmonics (piano-ish timbre).
fn add_note(out: &mut [f32], start: usize, len: usize, midi: i32, amp: f32) {
    let f0 = midi_hz(midi);
    for j in 0..len.min(out.len().saturating_sub(start)) {
        let t = j as f32 / SR as f32;
        let env = (-t * 1.5).exp() * (1.0 - (-t * 200.0).exp());
        let mut v = 0.0;
        for (h, a) in [(1.0f32, 1.0f32), (2.0, 0.5), (3.0, 0.25), (4.0, 0.12)] {
            if f0 * h < 10_000.0 {
                v += a * (2.0 * PI * f0 * h * t).sin();
            }
        }
        out[start + j] += amp * env * v;
    }
}

/// I–IV–V–I in C major (C, F, G, C chords with bass), repeated, 1 s per chord.
pub fn c_major_progression(repeats: usize) -> Vec<f32> {
    let chords: [&[i32]; 4] = [
        &[48, 60, 64, 67],
        &[53, 60, 65, 69],
        &[55, 59, 62, 67],
        &[48, 60, 64, 67],
    ];
    let chord_len = SR as usize;
    let mut out = vec![0.0f32; chord_len * 4 * repeats];
    for r in 0..repeats {
        for (c, notes) in chords.iter().enumerate() {
            let start = (r * 4 + c) * chord_len;
            for &n in notes.iter() {
                add_note(&mut out, start, chord_len, n, 0.15);
            }
        }
    }
    out
}
