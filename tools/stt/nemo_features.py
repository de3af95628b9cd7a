"""Torch/numpy reference of the NeMo 1.23 mel front-end (AudioToMelSpectrogramPreprocessor as used by Conformer).

Facts from /work/shared/reference/speech-models.md:
  16 kHz mono; pre-emphasis 0.97 (y[0] = x[0]); STFT n_fft 512, hop 160, win 400 symmetric Hann
  (torch.hann_window(400, periodic=False)) zero-padded centred to 512, center=True with reflect padding;
  power |X|^2; 80 Slaney-scale mel filters with Slaney area normalisation (fmin 0, fmax 8000);
  log(x + 2**-24); frames = floor(L/160) + 1; per-feature normalisation over the valid frames:
  (x - mean) / (std + 1e-5) with unbiased std; frames past the valid length are 0. No dither.

API (all float32, CPU):
  features(wave)        -> np.ndarray [80, T]   normalised, T = floor(L/160) + 1
  log_mel(wave)         -> np.ndarray [80, T]   before normalisation
  features_batch(waves) -> (torch.Tensor [B, 80, Tmax], torch.Tensor lengths int64 [B])

Batching: NeMo pads the batch with zeros and then lets torch.stft reflect-pad the *padded* signal, so the last
frames of a shorter utterance see zeros instead of its own reflected end, and so differ from what the same
utterance gives alone (which is what inference on the device computes). Here each utterance is reflect-padded
on its own before the batch is stacked, so features_batch(ws)[0][i, :, :lengths[i]] == features(ws[i]) exactly:
training sees the features the device will compute. Everything else is one vectorised STFT over the batch.

Edge cases NeMo leaves undefined (it raises or yields NaN); defined here and in src/speech/features/mel.ts alike:
  - L <= 256 (reflect pad not smaller than the input): numpy-style reflection that bounces back and forth
    (np.pad mode='reflect'), which equals torch's reflect whenever torch accepts the input (L > 256).
  - one valid frame (L < 160): the unbiased std is undefined; std is taken as 0, so the frame normalises to 0.
  - L == 0: rejected (ValueError).

Usage as a script: `/usr/bin/python3 tools/stt/nemo_features.py` runs a self-check on synthetic tones.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
import torchaudio

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 160
WIN = 400
N_MELS = 80
PREEMPH = 0.97
LOG_GUARD = 2.0 ** -24
STD_GUARD = 1e-5
PAD = N_FFT // 2  # center=True pads n_fft // 2 on each side

_WINDOW = torch.hann_window(WIN, periodic=False, dtype=torch.float32)
# torchaudio returns [n_freqs, n_mels]; NeMo multiplies fb [n_mels, n_freqs] @ spec [n_freqs, T].
_FB = torchaudio.functional.melscale_fbanks(
    n_freqs=N_FFT // 2 + 1, f_min=0.0, f_max=SAMPLE_RATE / 2, n_mels=N_MELS,
    sample_rate=SAMPLE_RATE, norm='slaney', mel_scale='slaney',
).T.contiguous().to(torch.float32)


def frame_count(num_samples: int) -> int:
    return num_samples // HOP + 1


def window() -> torch.Tensor:
    return _WINDOW.clone()


def filterbank() -> torch.Tensor:
    """[80, 257] float32 Slaney mel filterbank (area normalised)."""
    return _FB.clone()


def _as_wave(wave) -> np.ndarray:
    w = np.asarray(wave, dtype=np.float32)
    if w.ndim != 1:
        raise ValueError(f'expected a mono 1-D waveform, got shape {w.shape}: downmix first')
    if w.size == 0:
        raise ValueError('empty waveform: need at least 1 sample to compute a feature frame')
    return w


def _preemph_and_pad(w: np.ndarray, dtype: torch.dtype) -> torch.Tensor:
    x = torch.from_numpy(w).to(dtype)
    x = torch.cat((x[:1], x[1:] - PREEMPH * x[:-1]))
    if x.numel() > PAD:
        return torch.nn.functional.pad(x[None, None], (PAD, PAD), mode='reflect')[0, 0]
    # Input too short for torch's reflect: numpy's reflection bounces (same result where both are defined).
    return torch.from_numpy(np.pad(x.numpy(), (PAD, PAD), mode='reflect'))


def _window_for(dtype: torch.dtype) -> torch.Tensor:
    return _WINDOW if dtype == torch.float32 else torch.hann_window(WIN, periodic=False, dtype=dtype)


def _fb_for(dtype: torch.dtype) -> torch.Tensor:
    # float64: the same filters from librosa's formula evaluated in float64 (torchaudio builds them in float32).
    return _FB if dtype == torch.float32 else torch.from_numpy(_librosa_slaney_fb()).to(dtype)


def _log_mel_batch(waves: Sequence, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    ws = [_as_wave(w) for w in waves]
    if not ws:
        raise ValueError('features_batch needs at least one waveform')
    lengths = torch.tensor([frame_count(w.size) for w in ws], dtype=torch.int64)
    padded = [_preemph_and_pad(w, dtype) for w in ws]
    longest = max(p.numel() for p in padded)
    x = torch.zeros(len(padded), longest, dtype=dtype)
    for i, p in enumerate(padded):
        x[i, : p.numel()] = p
    spec = torch.stft(x, n_fft=N_FFT, hop_length=HOP, win_length=WIN, window=_window_for(dtype),
                      center=False, return_complex=True)  # [B, 257, Tmax]
    power = spec.real.square() + spec.imag.square()
    mel = torch.matmul(_fb_for(dtype), power)  # [B, 80, Tmax]
    return torch.log(mel + LOG_GUARD), lengths


def _normalize_per_feature(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    t = torch.arange(x.shape[2])[None, :]
    valid = (t < lengths[:, None])[:, None, :]  # [B, 1, T]
    n = lengths.to(x.dtype)[:, None]
    mean = torch.where(valid, x, torch.zeros(())).sum(dim=2) / n
    centred = torch.where(valid, x - mean[:, :, None], torch.zeros(()))
    var = centred.square().sum(dim=2) / torch.clamp(n - 1.0, min=1.0)  # n == 1: var 0 (see module doc)
    std = var.sqrt() + STD_GUARD
    out = (x - mean[:, :, None]) / std[:, :, None]
    return torch.where(valid, out, torch.zeros(()))


def features_batch(waves: Sequence, normalize: str = 'per_feature',
                   dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Waves: list of 1-D float32 arrays at 16 kHz. Returns ([B, 80, Tmax] zero past each length, lengths).

    dtype float32 is what NeMo computes (and what training should use); float64 only serves to measure the
    float32 rounding noise of the reference itself (tools/stt/make_mel_golden.py).
    """
    with torch.no_grad():
        x, lengths = _log_mel_batch(waves, dtype)
        t = torch.arange(x.shape[2])[None, None, :]
        if normalize == 'per_feature':
            return _normalize_per_feature(x, lengths), lengths
        if normalize == 'none':
            return torch.where(t < lengths[:, None, None], x, torch.zeros(())), lengths
        raise ValueError(f"normalize must be 'per_feature' or 'none', got {normalize!r}")


def features(wave) -> np.ndarray:
    x, n = features_batch([wave])
    return x[0, :, : int(n[0])].numpy()


def log_mel(wave) -> np.ndarray:
    x, n = features_batch([wave], normalize='none')
    return x[0, :, : int(n[0])].numpy()


# ---------------------------------------------------------------------------------------------------------
# Self-check: independent formulations agree with the vectorised path above.

def _nemo_style_single(wave: np.ndarray) -> np.ndarray:
    """Literally NeMo 1.23's steps for one utterance: torch.stft(center=True, reflect), sqrt then pow 2."""
    x = torch.from_numpy(wave)[None]
    x = torch.cat((x[:, :1], x[:, 1:] - PREEMPH * x[:, :-1]), dim=1)
    s = torch.stft(x, n_fft=N_FFT, hop_length=HOP, win_length=WIN, window=_WINDOW, center=True,
                   pad_mode='reflect', return_complex=True)
    mag = torch.sqrt(torch.view_as_real(s).pow(2).sum(-1)).pow(2.0)
    m = torch.log(torch.matmul(_FB, mag) + LOG_GUARD)[0]
    mean = m.mean(dim=1, keepdim=True)
    std = m.std(dim=1, keepdim=True) + STD_GUARD  # unbiased
    return ((m - mean) / std).numpy()


def _librosa_slaney_fb() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=512, n_mels=80, fmin=0, fmax=8000, htk=False, norm='slaney'), float64."""
    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        f_sp = 200.0 / 3
        mels = f / f_sp
        min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, math.log(6.4) / 27.0
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        f_sp = 200.0 / 3
        min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, math.log(6.4) / 27.0
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)

    fftfreqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    w = np.maximum(0, np.minimum(lower, upper))
    return w * (2.0 / (mel_f[2:N_MELS + 2] - mel_f[:N_MELS]))[:, None]


def _self_check() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(int(1.3 * SAMPLE_RATE)) / SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * 1000.0 * t) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)
    f = features(tone)
    assert f.shape == (N_MELS, frame_count(tone.size)), f.shape
    assert f.dtype == np.float32 and np.isfinite(f).all()

    ref = _nemo_style_single(tone)
    d_nemo = float(np.abs(ref - f).max())
    assert d_nemo < 1e-4, d_nemo

    d_fb = float(np.abs(_librosa_slaney_fb() - _FB.numpy().astype(np.float64)).max())
    assert d_fb < 1e-6, d_fb

    # The tone's energy lands in the mel band whose centre is nearest 1 kHz.
    lm = log_mel(tone)
    band = int(lm[:, 5:-5].mean(axis=1).argmax())
    peak_hz = float(np.linspace(0, 8000, 257)[_FB[band].argmax()])
    assert abs(peak_hz - 1000.0) < 60.0, (band, peak_hz)

    # Batch of different lengths == each alone; zero past each length.
    short = tone[:300].copy()
    tiny = tone[:100].copy()
    xb, lens = features_batch([tone, short, tiny])
    assert lens.tolist() == [frame_count(tone.size), 2, 1]
    for i, w in enumerate([tone, short, tiny]):
        assert np.array_equal(xb[i, :, : lens[i]].numpy(), features(w))
        assert float(xb[i, :, lens[i]:].abs().max() if lens[i] < xb.shape[2] else 0.0) == 0.0
    assert np.all(features(tiny) == 0.0)

    # Speed: vectorised batch of 16 × 4 s.
    import time
    batch = [rng.standard_normal(4 * SAMPLE_RATE).astype(np.float32) * 0.1 for _ in range(16)]
    t0 = time.perf_counter()
    features_batch(batch)
    dt = time.perf_counter() - t0
    print(f'self-check ok: vs NeMo-style single path max|d|={d_nemo:.2e}; fb vs librosa formula {d_fb:.2e}; '
          f'1 kHz -> band {band} (peak {peak_hz:.0f} Hz); batch 16x4 s in {dt * 1000:.0f} ms')


if __name__ == '__main__':
    _self_check()
