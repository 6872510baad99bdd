//! The five sounds, synthesized at start-up from a few oscillators and noise: no asset files,
//! a few KB of code instead of a bundle of WAVs. Mono, [`SAMPLE_RATE`], peak 0.9.

use std::f32::consts::TAU;

use super::Sfx;

/// Samples per second of every sound (the output resamples; these sounds have little above
/// 8 kHz).
pub(super) const SAMPLE_RATE: u32 = 22_050;

/// Samples of `sfx`; [`Sfx::Thrust`] loops seamlessly.
pub(super) fn synthesize(sfx: Sfx) -> Vec<f32> {
    let mut samples = match sfx {
        Sfx::Fire => fire(),
        Sfx::Hit => hit(),
        Sfx::Explosion => explosion(),
        Sfx::Thrust => thrust(),
        Sfx::Kill => kill(),
    };
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        samples.iter_mut().for_each(|s| *s *= 0.9 / peak);
    }
    samples
}

/// Deterministic white noise in [-1, 1].
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as f32 / u32::MAX as f32 * 2.0 - 1.0
    }
}

/// A one-pole low-pass filter; `alpha` in (0, 1], smaller is darker.
struct LowPass(f32);

impl LowPass {
    fn run(&mut self, input: f32, alpha: f32) -> f32 {
        self.0 += alpha * (input - self.0);
        self.0
    }
}

/// `seconds` of samples: each gets its time in seconds.
fn render(seconds: f32, mut sample: impl FnMut(f32) -> f32) -> Vec<f32> {
    let count = (seconds * SAMPLE_RATE as f32) as usize;
    (0..count).map(|i| sample(i as f32 / SAMPLE_RATE as f32)).collect()
}

/// A linear attack of `attack` seconds, then exponential decay at `rate` per second.
fn envelope(t: f32, attack: f32, rate: f32) -> f32 {
    if t < attack { t / attack } else { (-(t - attack) * rate).exp() }
}

/// A short laser zap: a buzzy tone sweeping down from 1.5 kHz, with a click of noise.
fn fire() -> Vec<f32> {
    const SECS: f32 = 0.13;
    let mut phase = 0.0f32;
    let mut noise = Noise(0x1234_5678);
    render(SECS, |t| {
        let freq = 1500.0 * (250.0f32 / 1500.0).powf(t / SECS);
        phase = (phase + freq / SAMPLE_RATE as f32).fract();
        let wave = (phase * TAU).sin();
        let buzz = 0.55 * wave.signum() + 0.45 * wave;
        envelope(t, 0.003, 28.0) * buzz + 0.2 * noise.next() * (-t * 70.0).exp()
    })
}

/// A hull hit: a low thump and a crunch of dark noise.
fn hit() -> Vec<f32> {
    let mut phase = 0.0f32;
    let mut noise = Noise(0x0bad_cafe);
    let mut dark = LowPass(0.0);
    render(0.2, |t| {
        let freq = 55.0 + 120.0 * (-t * 18.0).exp();
        phase = (phase + freq / SAMPLE_RATE as f32).fract();
        let thump = (phase * TAU).sin() * envelope(t, 0.002, 22.0);
        let crunch = dark.run(noise.next(), 0.35) * envelope(t, 0.001, 30.0);
        0.8 * thump + 1.2 * crunch
    })
}

/// An explosion: a roar of noise whose brightness falls away, over a low rumble.
fn explosion() -> Vec<f32> {
    const SECS: f32 = 1.2;
    let mut phase = 0.0f32;
    let mut noise = Noise(0xdead_beef);
    let (mut first, mut second) = (LowPass(0.0), LowPass(0.0));
    render(SECS, |t| {
        let alpha = 0.45 * (-t * 3.5).exp() + 0.03;
        let roar = second.run(first.run(noise.next(), alpha), alpha);
        phase = (phase + 42.0 / SAMPLE_RATE as f32).fract();
        let rumble = (phase * TAU).sin() * (-t * 3.0).exp();
        (2.2 * roar + 0.5 * rumble) * envelope(t, 0.006, 3.2)
    })
}

/// The engine: a steady dark rush of noise, crossfaded at the seam so it loops without a click.
fn thrust() -> Vec<f32> {
    const SECS: f32 = 0.6;
    const FADE: usize = (SAMPLE_RATE / 20) as usize;
    let mut noise = Noise(0x5eed_f00d);
    let (mut first, mut second) = (LowPass(0.0), LowPass(0.0));
    // Let the filters settle before the loop starts.
    for _ in 0..FADE {
        second.run(first.run(noise.next(), 0.1), 0.2);
    }
    let raw = render(SECS + FADE as f32 / SAMPLE_RATE as f32, |t| {
        let flutter = 1.0 + 0.15 * (t * TAU * 23.0).sin();
        second.run(first.run(noise.next(), 0.1), 0.2) * flutter
    });
    let length = raw.len() - FADE;
    (0..length)
        .map(|i| {
            if i < FADE {
                let w = i as f32 / FADE as f32;
                raw[i] * w + raw[length + i] * (1.0 - w)
            } else {
                raw[i]
            }
        })
        .collect()
}

/// A kill: two bright rising notes.
fn kill() -> Vec<f32> {
    let note = |t: f32, start: f32, freq: f32| {
        if t < start {
            return 0.0;
        }
        let t = t - start;
        let x = t * freq * TAU;
        (x.sin() + 0.3 * (2.0 * x).sin()) * envelope(t, 0.004, 9.0)
    };
    render(0.45, |t| note(t, 0.0, 880.0) + note(t, 0.11, 1318.5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sound_is_short_loud_enough_and_clean() {
        for sfx in Sfx::ALL {
            let samples = synthesize(sfx);
            let secs = samples.len() as f32 / SAMPLE_RATE as f32;
            assert!((0.1..=1.3).contains(&secs), "{sfx:?}: {secs} s");
            let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert!((0.89..=0.91).contains(&peak), "{sfx:?}: peak {peak}");
            assert!(samples.iter().all(|s| s.is_finite()));
        }
        // One-shots fade out instead of ending in a click.
        for sfx in [Sfx::Fire, Sfx::Hit, Sfx::Explosion, Sfx::Kill] {
            let samples = synthesize(sfx);
            assert!(samples.last().unwrap().abs() < 0.05, "{sfx:?} ends at {}", samples.last().unwrap());
        }
    }

    #[test]
    fn the_engine_loops_without_a_seam() {
        let samples = synthesize(Sfx::Thrust);
        let step = |a: f32, b: f32| (a - b).abs();
        let largest = samples.windows(2).map(|w| step(w[0], w[1])).fold(0.0f32, f32::max);
        let seam = step(*samples.last().unwrap(), samples[0]);
        assert!(seam <= largest * 1.01, "seam {seam} vs largest step {largest}");
    }
}
