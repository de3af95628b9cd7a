"""Golden files for the TypeScript mel front-end (src/speech/features/mel.ts), from tools/stt/nemo_features.py.

    /usr/bin/python3 tools/stt/make_mel_golden.py            # synthesize WAVs (if missing) and write features
    /usr/bin/python3 tools/stt/make_mel_golden.py --resynth  # re-synthesize the WAVs too

Needs Debian's espeak-ng and sox (apt-get install espeak-ng sox) only to synthesize; the WAVs are committed, so
later runs recompute the features from them. Writes to test/fixtures/mel/:
  <case>.wav            16 kHz mono 16-bit PCM input
  <case>.features.bin   float32 LE [80, T] per-feature normalised (NeMo float32 computation)
  <case>.logmel.bin     float32 LE [80, T] log-mel before normalisation
  golden.json           shapes, stats, and per case the float32 reference's own rounding noise (max |float32 −
                        float64 computation|), which bounds how closely any implementation can match it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nemo_features as nf  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / 'test' / 'fixtures' / 'mel'

SPEECH = {
    'en_speech': ('en-us', 'Check my gold loan balance.'),
    'hi_speech': ('hi', 'मेरा खाता नंबर बताइए।'),
}


def synthesize(voice: str, text: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / 'raw.wav'
        subprocess.run(['espeak-ng', '-v', voice, '-s', '160', '-w', str(raw), text], check=True)
        # Trim eSpeak's leading/trailing silence (keeps the fixtures small), then 16 kHz 16-bit mono.
        subprocess.run(['sox', str(raw), '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', str(out),
                        'silence', '1', '0.01', '0.5%', 'reverse', 'silence', '1', '0.01', '0.5%', 'reverse',
                        'pad', '0.05', '0.05'], check=True)


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), 'rb') as w:
        if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError(f'{path}: expected 16 kHz mono 16-bit PCM')
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2')
    return (pcm.astype(np.float32) / 32768.0).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype('<i2')
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.tobytes())


def make_inputs(resynth: bool) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (voice, text) in SPEECH.items():
        if resynth or not (OUT / f'{name}.wav').exists():
            synthesize(voice, text, OUT / f'{name}.wav')
    en = read_wav(OUT / 'en_speech.wav')
    voiced = int(np.argmax(np.abs(en) > 0.05))  # first clearly voiced sample
    edge = {
        # < 400 samples: shorter than one window; 2 frames, both reflect-padded.
        'short_300': en[voiced + 800: voiced + 1100],
        # ≤ 256 samples: beyond torch's reflect limit, reflected back and forth (defined in nemo_features.py).
        'tiny_200': en[voiced + 800: voiced + 1000],
        # 0.25 s digital silence, then speech at about −50 dB: few-LSB samples, near-zero mel energies.
        'low_level': np.concatenate([np.zeros(4000, dtype=np.float32), en[voiced: voiced + 8000] * 0.003]),
    }
    for name, x in edge.items():
        if resynth or not (OUT / f'{name}.wav').exists():
            write_wav(OUT / f'{name}.wav', x)


def stats(a: np.ndarray) -> dict:
    return {'min': float(a.min()), 'max': float(a.max()), 'mean': float(a.mean()), 'std': float(a.std())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--resynth', action='store_true', help='synthesize the input WAVs again')
    args = ap.parse_args()
    make_inputs(args.resynth)

    cases = []
    for wav_path in sorted(OUT.glob('*.wav')):
        name = wav_path.stem
        x = read_wav(wav_path)
        feats = nf.features(x)
        lm = nf.log_mel(x)
        f64, n64 = nf.features_batch([x], dtype=torch.float64)
        l64, _ = nf.features_batch([x], normalize='none', dtype=torch.float64)
        t = int(n64[0])
        noise_feat = float(np.abs(f64[0, :, :t].numpy() - feats).max())
        noise_lm = float(np.abs(l64[0, :, :t].numpy() - lm).max())
        assert feats.shape == (nf.N_MELS, nf.frame_count(x.size)), feats.shape
        feats.astype('<f4').tofile(OUT / f'{name}.features.bin')
        lm.astype('<f4').tofile(OUT / f'{name}.logmel.bin')
        cases.append({
            'name': name,
            'wav': f'{name}.wav',
            'samples': int(x.size),
            'frames': int(feats.shape[1]),
            'shape': [nf.N_MELS, int(feats.shape[1])],
            'features': f'{name}.features.bin',
            'logmel': f'{name}.logmel.bin',
            'featuresStats': stats(feats),
            'logmelStats': stats(lm),
            'float32NoiseFeatures': noise_feat,
            'float32NoiseLogmel': noise_lm,
            'text': SPEECH[name][1] if name in SPEECH else None,
        })
        print(f'{name:10s} samples {x.size:6d} frames {feats.shape[1]:4d}  '
              f'float32 noise: features {noise_feat:.2e}, log-mel {noise_lm:.2e}')

    espeak = subprocess.run(['espeak-ng', '--version'], capture_output=True, text=True).stdout.strip()
    meta = {
        'generator': 'tools/stt/make_mel_golden.py (reference: tools/stt/nemo_features.py)',
        'layout': 'float32 little-endian, row-major [mel][frame]',
        'frontEnd': {
            'sampleRate': nf.SAMPLE_RATE, 'nFft': nf.N_FFT, 'hop': nf.HOP, 'win': nf.WIN, 'nMels': nf.N_MELS,
            'preemph': nf.PREEMPH, 'logGuard': nf.LOG_GUARD, 'stdGuard': nf.STD_GUARD,
            'normalize': 'per_feature', 'window': 'hann symmetric', 'mel': 'slaney scale, slaney norm, 0-8000 Hz',
        },
        'torch': torch.__version__,
        'espeak': espeak,
        'cases': cases,
    }
    (OUT / 'golden.json').write_text(json.dumps(meta, indent=2, ensure_ascii=False) + '\n', encoding='utf-8')
    total = sum(f.stat().st_size for f in OUT.iterdir())
    print(f'wrote {len(cases)} cases to {OUT.relative_to(ROOT)} ({total / 1024:.0f} KB)')


if __name__ == '__main__':
    main()
