"""Speech synthesis (Debian's espeak-ng + sox) and augmentation for the default speech model.

`synthesize(item)` is the one path from a manifest item (text, voice, speed, pitch) to 16 kHz mono int16:
training, evaluation and `synth_heldout.py` all use it, so the held-out WAVs re-made later are the ones
that were scored.
"""
from __future__ import annotations

import shutil
import subprocess

import numpy as np

SR = 16000

# eSpeak voice variants (`-v base+variant`). TEST variants are never used in training; the odd ones
# (whisper, croak, robots, announcer) are left out entirely.
TRAIN_VARIANTS = [
    "", "m1", "m2", "m3", "m4", "m5", "m7", "f1", "f3", "f5", "klatt", "klatt2", "klatt4", "adam", "Alex",
    "Alicia", "Andrea", "Andy", "Annie", "anika", "aunty", "belinda", "benjamin", "boris", "caleb", "david",
    "ed", "edward", "iven", "iven3", "Jacky", "john", "Lee", "linda", "max", "Michael", "Mike", "norbert",
    "pablo", "paul", "quincy", "rob", "robert", "sandro", "shelby", "steph", "travis", "victor", "zac",
    "grandma", "grandpa",
]
TEST_VARIANTS = ["f2", "f4", "m6", "m8", "klatt3", "steph2", "iven2", "edward2"]
# Hindi and Hinglish are spoken with the Hindi voice; English with several English accents, and sometimes
# with the Hindi voice (eSpeak switches to English pronunciation for Latin words).
BASES = {
    "hi": ["hi"],
    "hinglish": ["hi"],
    "en": ["en-us", "en-gb", "en-gb-x-rp", "en-029", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
           "en-us-nyc", "hi", "hi"],
}
SPEED = (120, 200)
PITCH = (30, 70)


def check_tools() -> None:
    missing = [t for t in ("espeak-ng", "sox") if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"{' and '.join(missing)} not found: run `apt-get install -y espeak-ng sox` and retry.")


def random_voice(lang: str, rng: np.random.Generator, test: bool) -> dict:
    variants = TEST_VARIANTS if test else TRAIN_VARIANTS
    base = BASES[lang][rng.integers(len(BASES[lang]))]
    var = variants[rng.integers(len(variants))]
    return {
        "voice": base + ("+" + var if var else ""),
        "speed": int(rng.integers(SPEED[0], SPEED[1] + 1)),
        "pitch": int(rng.integers(PITCH[0], PITCH[1] + 1)),
    }


def synthesize(item: dict, tempo: float = 1.0) -> np.ndarray:
    """espeak-ng → sox (resample to 16 kHz, optional speed perturbation) → int16 samples."""
    esp = subprocess.run(
        ["espeak-ng", "--stdout", "-v", item["voice"], "-s", str(item["speed"]), "-p", str(item["pitch"]), item["text"]],
        capture_output=True, check=True,
    )
    effects = ["speed", f"{tempo:.4f}"] if abs(tempo - 1.0) > 1e-4 else []
    out = subprocess.run(
        ["sox", "-t", "wav", "-", "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", str(SR), "-", *effects],
        input=esp.stdout, capture_output=True, check=True,
    )
    return np.frombuffer(out.stdout, dtype=np.int16).copy()


# ---- augmentation ---------------------------------------------------------------------------------------
def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    return np.fft.irfft(spec / np.sqrt(f), n)


def _reverb(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    rt60 = rng.uniform(0.1, 0.6)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[: int(0.002 * SR)] = 0.0
    ir *= rng.uniform(0.1, 0.5) / (np.sqrt(np.sum(ir**2)) + 1e-9)
    ir[0] = 1.0
    m = len(x) + n - 1
    size = 1 << (m - 1).bit_length()
    y = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[: len(x)]
    return y * (np.sqrt(np.mean(x**2)) / (np.sqrt(np.mean(y**2)) + 1e-9))


def augment(wave: np.ndarray, rng: np.random.Generator, babble_pool: list[np.ndarray]) -> np.ndarray:
    """Random padding, room reverb, additive white/pink/babble noise at a random SNR, random gain."""
    x = wave.astype(np.float64) / 32768.0
    pad = rng.integers(0, int(0.25 * SR), size=2)
    x = np.concatenate([np.zeros(pad[0]), x, np.zeros(pad[1])])
    if rng.random() < 0.35:
        x = _reverb(x, rng)
    p_sig = np.mean(x**2) + 1e-12
    if rng.random() < 0.75:
        kind = rng.choice(["white", "pink", "babble"], p=[0.3, 0.4, 0.3]) if len(babble_pool) >= 3 else "pink"
        if kind == "white":
            noise = rng.standard_normal(len(x))
        elif kind == "pink":
            noise = _pink(len(x), rng)
        else:
            noise = np.zeros(len(x))
            for k in rng.choice(len(babble_pool), size=min(4, len(babble_pool)), replace=False):
                b = babble_pool[k].astype(np.float64)
                reps = int(np.ceil(len(x) / len(b)))
                start = rng.integers(0, len(b))
                noise += np.roll(np.tile(b, reps), -start)[: len(x)]
        snr_db = rng.uniform(5.0, 30.0)
        noise *= np.sqrt(p_sig / (np.mean(noise**2) + 1e-12) / 10 ** (snr_db / 10))
        x = x + noise
    x *= 10 ** (rng.uniform(-12.0, 4.0) / 20)
    peak = np.max(np.abs(x)) + 1e-9
    if peak > 0.99:
        x *= 0.99 / peak
    return np.round(x * 32767).astype(np.int16)
