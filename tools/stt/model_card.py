#!/usr/bin/python3
"""Writes tools/default-bundle/stt/MODEL_CARD.md from the figures train.py measured (tools/stt/.cache/eval.json).

    /usr/bin/python3 tools/stt/model_card.py [eval.json] [MODEL_CARD.md]
"""
from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def _table(r: dict) -> str:
    rows = ["| language | utterances | CER | WER |", "|---|---|---|---|"]
    for lang, label in (("hi", "Hindi (Devanagari)"), ("en", "English"), ("hinglish", "Hinglish (Latin)"), ("all", "all")):
        x = r[lang]
        rows.append(f"| {label} | {x['n']} | {100 * x['cer']:.1f}% | {100 * x['wer']:.1f}% |")
    return "\n".join(rows)


def _synth_note(rep: dict) -> str:
    if rep.get("features_cached"):
        return (f", plus {rep['synthesis_minutes']} minutes of synthesis done earlier and reused from the feature "
                f"cache")
    return f", of which synthesis {rep.get('synthesis_minutes', '?')} minutes"


def _speed(rep: dict) -> str:
    o = rep.get("ort")
    if not o:
        return ""
    return (f"; {o['msPer5s']:.0f} ms for 5 s of audio, real-time factor {o['rtf']:.3f}, in {o['runtime']} "
            f"(logprobs within {o['maxAbsDiff']:.1e} of torch; `npx tsx tools/stt/verify-onnx.ts`)")


def write(rep: dict, path: str) -> None:
    cfg, args = rep["config"], rep["args"]
    ex = "\n".join(f"| {e['lang']} | `{e['voice']}` | {e['ref']} | {e['hyp']} |" for e in rep["examples"])
    hist = ", ".join(f"{h['minutes']} min: {100 * h['dev_cer']:.1f}%" for h in rep["history"])
    text = f"""# Default speech recognition model (demo)

A small CTC model that ships inside the app so speech recognition works with no bundle installed.
**It is a demo trained only on synthetic eSpeak NG speech: it is NOT for real customers.** It recognises short
gold-loan banking utterances spoken by a formant synthesiser; real voices, accents, microphones and topics
outside the training phrases will give poor transcripts. Real deployments install a bank bundle with an
IndicConformer model (the `encoder.onnx` + `ctc_decoder.onnx` layout) or another NeMo CTC model under `stt/`.

## Interface (sherpa-onnx NeMo CTC layout)
- `model.onnx`: input `audio_signal` float32 [B, 80, T] — the NeMo 80-mel front-end (16 kHz, n_fft 512,
  hop 160, win 400, Slaney mel, log(x + 2^-24), per-feature normalisation; `tools/stt/nemo_features.py`, the
  same features `src/speech/features` computes) — and `length` int64 [B] (valid frames);
  output `logprobs` float32 [B, T', V+1], log-softmax, blank = last index V, T' = ceil(T / 4) (40 ms a frame).
- metadata: vocab_size={cfg['vocab_with_blank'] - 1} (the number of tokens before `<blk>`), normalize_type=per_feature,
  subsampling_factor=4, model_type=EncDecCTCModel, languages=hi,en, feature_dim=80, trained_on.
- `tokens.txt`: one character a token (`▁` = word boundary, a–z, 0–9, Devanagari letters and signs), `<blk>` last.
  Transcripts are lower-case Latin, NFC Devanagari, digits and spaces; small numbers come out as digits
  ("2 lakh", "22 carat", "12 months").

## Data
- Text: `tools/stt/textgen.py` — templates with slots (amounts, grams, carat, months, percent, documents,
  ornaments, cities, names, days, payment channels…) for gold-loan questions (interest, EMI, documents,
  eligibility, LTV, auction, closure, part-payment, branch visit, purity) plus short answers
  (haan / nahin / yes / no / theek hai / okay), in Hindi (Devanagari), Indian English and Hinglish (romanised
  Hindi, spoken with the Hindi voice).
- Audio: Debian's `espeak-ng` (voices {', '.join(sorted(set(b for v in rep['bases'].values() for b in v)))}) with
  {len(rep['train_variants'])} voice variants, speed 120–200 wpm, pitch 30–70, resampled to 16 kHz by sox;
  half the utterances speed-perturbed ×0.9–1.1; 85% augmented: random padding, synthetic room reverb
  (exponentially decaying noise impulse response, RT60 0.1–0.6 s, 35%), additive white / pink / babble noise
  (babble from other utterances) at 5–30 dB SNR (75%), random gain −12…+4 dB; SpecAugment during training.
- Training set: {rep['train_utterances']} utterances ({rep['train_hours']} h), a third per language.
- Held-out test set: {rep['heldout_clean']['all']['n']} utterances whose sentences never occur in training or dev,
  spoken by voice variants never used in training ({', '.join(rep['test_variants'])}).
  Manifest: `tools/stt/heldout.json`; re-make the WAVs with
  `/usr/bin/python3 tools/stt/synth_heldout.py --out DIR`.

## Model
Subsampling ×4: two kernel-3 stride-2 convolutions in time (80 → {cfg['channels']} → {cfg['d']} channels, written
as a 3-frame window + Linear, GELU) → {cfg['layers']}
conformer-lite blocks (d={cfg['d']}, {cfg['heads']} heads of hand-written self-attention with a key padding
mask, depthwise-conv module kernel {cfg['kernel']} with LayerNorm, feed-forward {cfg['ff']}, SiLU) → linear →
log-softmax over {cfg['vocab_with_blank']} classes. {rep['parameters'] / 1e6:.2f} M parameters,
{rep['onnx_mb']} MB fp32 ONNX (opset 17){_speed(rep)}. CTC loss, AdamW (peak lr {args['lr']}, warmup, cosine over the
time budget), batches by length ({args['max_frames']} frames), best checkpoint by dev CER.

## Measured accuracy (greedy CTC decoding)
Held-out test set, clean synthetic speech (what `synth_heldout.py` re-makes):

{_table(rep['heldout_clean'])}

Same sentences and voices with the training augmentation (noise, reverb, gain):

{_table(rep['heldout_augmented'])}

Dev CER during training (new sentences, training voices): {hist}.

Examples (held-out, clean):

| lang | voice | reference | recognised |
|---|---|---|---|
{ex}

## Reproduce
```
apt-get install -y espeak-ng sox libopenblas0-openmp   # OpenBLAS: Debian's torch is several times slower on the reference BLAS
/usr/bin/python3 tools/stt/train.py            # full run, --minutes 55 by default; --smoke for a 3-minute check
npx tsx tools/stt/verify-onnx.ts               # onnxruntime-web gives the same logprobs as torch; times it
/usr/bin/python3 tools/stt/model_card.py       # this card, from tools/stt/.cache/eval.json (+ ort.json)
```
This run (`--minutes {args['minutes']:g}`): {rep['total_minutes']} minutes on a 2-core machine{_synth_note(rep)}
(training {rep['train_minutes']} min, {rep['steps']} steps, {rep['epochs']} epochs, {args['threads']} torch thread(s)),
Debian python3-torch 1.13 with OpenBLAS.
The figures are from tools/stt/.cache/eval.json of that run.
"""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, ".cache", "eval.json")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "public", "models", "default", "stt", "MODEL_CARD.md")
    with open(src, encoding="utf-8") as f:
        rep = json.load(f)
    ort_path = os.path.join(os.path.dirname(src), "ort.json")
    if os.path.exists(ort_path):
        with open(ort_path, encoding="utf-8") as f:
            rep["ort"] = json.load(f)
    write(rep, dst)
    print(f"wrote {dst}")
