//! Streaming polyphase windowed-sinc resampler (any rate → any rate, mono).
//!
//! The ratio is reduced to `up / down` (e.g. 44,100 → 22,050 is 1/2,
//! 48,000 → 22,050 is 147/320). Output sample `n` sits at input position
//! `n · down / up`; its integer part selects the input window and its
//! fractional part one of `up` precomputed filter phases (exact), or — for
//! exotic rates where `up` exceeds [`MAX_PHASES`] — the nearest of
//! `MAX_PHASES` phases (timing error below 1/2048 of an input sample).
//!
//! The low-pass is a Blackman-windowed sinc with [`ZERO_CROSSINGS`] zero
//! crossings per side, cut off at 0.45 × the lower of the two rates (so
//! 44.1 kHz → 22.05 kHz passes 0–9.9 kHz and rejects aliases above
//! 11.025 kHz by > 60 dB). Each phase is normalised to unit DC gain.
//! Memory is one filter table plus a history of one filter length, whatever
//! the input length.

/// Zero crossings of the sinc on each side of the centre tap.
pub const ZERO_CROSSINGS: usize = 8;
/// Upper bound on precomputed filter phases.
pub const MAX_PHASES: u64 = 1024;
/// Cut-off as a fraction of the lower sample rate.
const CUTOFF: f64 = 0.45;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Streaming resampler from `input_rate_hz` to `output_rate_hz`.
#[derive(Debug, Clone)]
pub struct Resampler {
    up: u64,
    down: u64,
    phases: u64,
    taps: usize,
    /// `phases × taps` coefficients.
    table: Vec<f32>,
    /// Input history; `history[0]` has absolute index `history_start`
    /// (which may be negative: the stream is preceded by zeros).
    history: Vec<f32>,
    history_start: i64,
    /// Absolute input samples received.
    received: u64,
    /// Index of the next output sample.
    next_out: u64,
    passthrough: bool,
}

impl Resampler {
    /// Creates a resampler; both rates must be non-zero.
    pub fn new(input_rate_hz: u32, output_rate_hz: u32) -> Self {
        let (input, output) = (
            u64::from(input_rate_hz.max(1)),
            u64::from(output_rate_hz.max(1)),
        );
        let g = gcd(input, output);
        let (up, down) = (output / g, input / g);
        let passthrough = up == down;
        let phases = up.min(MAX_PHASES);
        // Cut-off in cycles per input sample.
        let fc = CUTOFF * (output.min(input) as f64) / input as f64;
        let half_width = ZERO_CROSSINGS as f64 / (2.0 * fc);
        let half_taps = half_width.ceil() as usize;
        let taps = if passthrough { 1 } else { 2 * half_taps };
        let mut table = Vec::with_capacity(phases as usize * taps);
        if passthrough {
            table.push(1.0);
        } else {
            for p in 0..phases {
                let frac = p as f64 / phases as f64;
                let start = table.len();
                for m in 0..taps {
                    // Tap m reads input index floor(t) - half_taps + 1 + m.
                    let x = (m as f64 - half_taps as f64 + 1.0) - frac;
                    let w = if x.abs() >= half_width {
                        0.0
                    } else {
                        let r = (x / half_width + 1.0) * 0.5; // 0..1 across the window
                        let tau = 2.0 * std::f64::consts::PI * r;
                        0.42 - 0.5 * tau.cos() + 0.08 * (2.0 * tau).cos()
                    };
                    let arg = 2.0 * fc * x;
                    let sinc = if arg.abs() < 1e-12 {
                        1.0
                    } else {
                        (std::f64::consts::PI * arg).sin() / (std::f64::consts::PI * arg)
                    };
                    table.push((sinc * w) as f32);
                }
                let sum: f32 = table[start..].iter().sum();
                if sum.abs() > 1e-9 {
                    table[start..].iter_mut().for_each(|c| *c /= sum);
                }
            }
        }
        let lead = if passthrough { 0 } else { half_taps - 1 };
        Self {
            up,
            down,
            phases,
            taps,
            table,
            history: vec![0.0; lead],
            history_start: -(lead as i64),
            received: 0,
            next_out: 0,
            passthrough,
        }
    }

    /// Number of output samples that `input_samples` produce in total.
    pub fn output_len(&self, input_samples: u64) -> u64 {
        (input_samples * self.up).div_ceil(self.down)
    }

    /// Resamples `input`, appending the output to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        if self.passthrough {
            out.extend_from_slice(input);
            self.received += input.len() as u64;
            return;
        }
        self.history.extend_from_slice(input);
        self.received += input.len() as u64;
        self.drain(out, false);
    }

    /// Flushes the filter tail: call once after the last `process`.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if self.passthrough {
            return;
        }
        let pad = self.taps;
        self.history.extend(std::iter::repeat_n(0.0, pad));
        self.drain(out, true);
    }

    fn drain(&mut self, out: &mut Vec<f32>, flushing: bool) {
        let half_taps = self.taps / 2;
        let end = self.history_start + self.history.len() as i64;
        let total_out = self.output_len(self.received);
        loop {
            if flushing && self.next_out >= total_out {
                break;
            }
            let pos = self.next_out * self.down;
            let base = (pos / self.up) as i64;
            let first = base - half_taps as i64 + 1;
            if first + self.taps as i64 > end {
                break;
            }
            let rem = pos % self.up;
            let phase = if self.phases == self.up {
                rem
            } else {
                ((rem * self.phases + self.up / 2) / self.up).min(self.phases - 1)
            } as usize;
            let coeffs = &self.table[phase * self.taps..(phase + 1) * self.taps];
            let offset = (first - self.history_start) as usize;
            let window = &self.history[offset..offset + self.taps];
            let y = crate::dsp::kernels::dot(coeffs, window);
            out.push(y);
            self.next_out += 1;
        }
        // Drop history no longer needed by the next output.
        let pos = self.next_out * self.down;
        let next_first = (pos / self.up) as i64 - half_taps as i64 + 1;
        let drop = (next_first - self.history_start).clamp(0, self.history.len() as i64) as usize;
        if drop > 0 {
            self.history.drain(..drop);
            self.history_start += drop as i64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, secs: f32) -> Vec<f32> {
        let n = (rate as f32 * secs) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Frequency estimate from zero crossings (robust for a clean sine).
    fn zero_crossing_freq(x: &[f32], rate: u32) -> f32 {
        let crossings = x.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f32 * rate as f32 / x.len() as f32
    }

    #[test]
    fn sine_440_keeps_its_pitch_at_every_common_rate() {
        for rate in [8_000u32, 16_000, 32_000, 44_100, 48_000, 96_000, 44_056] {
            let input = sine(440.0, rate, 2.0);
            let mut r = Resampler::new(rate, 22_050);
            let mut out = Vec::new();
            for block in input.chunks(1000) {
                r.process(block, &mut out);
            }
            r.finish(&mut out);
            let expected = r.output_len(input.len() as u64) as usize;
            assert_eq!(out.len(), expected, "rate {rate}");
            let f = zero_crossing_freq(&out[1000..out.len() - 1000], 22_050);
            assert!((f - 440.0).abs() < 2.0, "rate {rate}: {f} Hz");
            let peak = out[1000..out.len() - 1000]
                .iter()
                .fold(0.0f32, |a, &b| a.max(b.abs()));
            assert!((peak - 1.0).abs() < 0.02, "rate {rate}: peak {peak}");
        }
    }

    #[test]
    fn tone_above_new_nyquist_is_rejected() {
        // 15 kHz at 44.1 kHz would alias to 7.05 kHz without the low-pass.
        let input = sine(15_000.0, 44_100, 1.0);
        let mut r = Resampler::new(44_100, 22_050);
        let mut out = Vec::new();
        r.process(&input, &mut out);
        r.finish(&mut out);
        let rms = (out[500..out.len() - 500].iter().map(|x| x * x).sum::<f32>()
            / (out.len() - 1000) as f32)
            .sqrt();
        assert!(rms < 0.01, "alias rms {rms}");
    }

    #[test]
    fn block_size_does_not_change_output() {
        let input = sine(1000.0, 48_000, 0.5);
        let mut a = Resampler::new(48_000, 22_050);
        let mut b = Resampler::new(48_000, 22_050);
        let (mut out_a, mut out_b) = (Vec::new(), Vec::new());
        a.process(&input, &mut out_a);
        a.finish(&mut out_a);
        for block in input.chunks(7) {
            b.process(block, &mut out_b);
        }
        b.finish(&mut out_b);
        assert_eq!(out_a, out_b);
    }

    #[test]
    fn passthrough_is_identity() {
        let input = sine(440.0, 22_050, 0.1);
        let mut r = Resampler::new(22_050, 22_050);
        let mut out = Vec::new();
        r.process(&input, &mut out);
        r.finish(&mut out);
        assert_eq!(out, input);
    }
}
