"""Builds the tiny STT test models and their python reference transcripts (test/fixtures/stt/).

    /usr/bin/python3 tools/stt/build_tiny_models.py [out_dir]      (default test/fixtures/stt)

Two model layouts, random weights with fixed seeds (they recognise nothing; they exist so the TypeScript
engines can be checked against an independent implementation on real tensor names, shapes, masks and
decoding):

  indic/  the IndicConformer 600M multilingual layout: encoder.onnx (audio_signal [B,80,T] float32, length [B]
          int64 -> outputs [B,D,T'] channel-first, encoded_lengths [B]; 8x subsampling, D=32), ctc_decoder.onnx
          (encoder_output [B,D,T'] -> logprobs [B,T',5633] = 22 x 256 + shared blank), vocab.json (257 tokens a
          language, 0 <unk>, 256 the blank's slot) and language_masks.json (5633 booleans a language). The head has
          all 22 language blocks; the fixture's vocab/masks carry 4 of them (hi, mr, bn, ta) to keep the files small.
  nemo/   the sherpa-onnx NeMo CTC layout: model.onnx (audio_signal, length -> logprobs [B,T',V+1]) with
          metadata_props vocab_size, normalize_type=per_feature, subsampling_factor=4, model_type; tokens.txt.
  whisper/ the onnx-community layout transformers.js loads (config.json, generation_config.json,
          preprocessor_config.json, tokenizer.json, tokenizer_config.json, onnx/encoder_model.onnx,
          onnx/decoder_model_merged.onnx with input_ids, encoder_hidden_states, past_key_values.0.decoder.{key,value}
          -> logits, present.0.decoder.{key,value}). Its decoder is hand-wired to spell a fixed phrase per language
          token ("gold loan" / "गोल्ड लोन"): it tests the engine's plumbing (files, prompt, cache, language), not recognition.

For the committed speech.wav (16 kHz mono, eSpeak NG Hindi), features come from tools/stt/nemo_features.py (the
reference NeMo front-end), the model runs in torch, and decoding follows the reference
(/work/shared/reference/speech-models.md): select the language's 257 columns, log_softmax, argmax, collapse
repeats, drop the blank, map through the vocabulary, "▁" -> space, strip. The reference text is also given with
runs of spaces collapsed (the one thing the engines add). A prefix beam search written here independently of
the TypeScript one gives the beam reference. Seeds are searched until every argmax and the beam's top choice win
by a clear margin, so float noise between the torch and wasm runs cannot flip a token.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import unicodedata
import wave

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nemo_features  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, 'test', 'fixtures', 'stt')

# The 22 languages of the multilingual model, in head order (block k = columns k*256 .. k*256+255).
LANGUAGES = ['as', 'bn', 'brx', 'doi', 'gu', 'hi', 'kn', 'kok', 'ks', 'mai', 'ml', 'mni', 'mr', 'ne', 'or', 'pa',
             'sa', 'sat', 'sd', 'ta', 'te', 'ur']
FIXTURE_LANGUAGES = ['hi', 'mr', 'bn', 'ta']
SCRIPT_BLOCK = {'hi': 0x0900, 'mr': 0x0900, 'bn': 0x0980, 'ta': 0x0B80}
INDIC_WIDTH = len(LANGUAGES) * 256 + 1
INDIC_BLANK = 256
D_MODEL = 32
MIN_MARGIN = 0.02  # nats; 5e-5 of feature noise (the float32 noise of the front-end) moves log-probs by < 5e-4
BEAM = 4
WAV_TEXT = 'गोल्ड लोन का ब्याज कितना है'


# ---------------------------------------------------------------- fixture audio

def ensure_wav(path: str) -> np.ndarray:
    if not os.path.exists(path):
        tmp = path + '.espeak.wav'
        subprocess.run(['espeak-ng', '-v', 'hi', '-s', '150', '-w', tmp, WAV_TEXT], check=True)
        subprocess.run(['sox', tmp, '-r', '16000', '-b', '16', '-c', '1', path], check=True)
        os.remove(tmp)
    with wave.open(path, 'rb') as w:
        assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2, 'speech.wav must be 16 kHz mono 16-bit'
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2')
    return pcm.astype(np.float32) / 32768.0


# ---------------------------------------------------------------- models

def conv_len(length: torch.Tensor, times: int) -> torch.Tensor:
    """Frames after `times` stride-2 convolutions with kernel 3, padding 1: L -> floor((L-1)/2)+1."""
    for _ in range(times):
        length = torch.div(length - 1, 2, rounding_mode='floor') + 1
    return length


def time_mask(x: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    t = torch.arange(x.shape[2], device=x.device)[None, None, :]
    return x * (t < length[:, None, None]).to(x.dtype)


class TinyIndicEncoder(nn.Module):
    """[B,80,T] -> [B,D,T'] with three stride-2 convolutions (8x), padding frames zeroed like NeMo's mask."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv1d(80, D_MODEL, 3, 2, 1), nn.Conv1d(D_MODEL, D_MODEL, 3, 2, 1),
                                    nn.Conv1d(D_MODEL, D_MODEL, 3, 2, 1)])

    def forward(self, audio_signal: torch.Tensor, length: torch.Tensor):
        x = audio_signal
        for conv in self.convs:
            x = torch.tanh(conv(x))
        encoded_lengths = conv_len(length, 3)
        return time_mask(x, encoded_lengths), encoded_lengths


class TinyIndicCtcDecoder(nn.Module):
    """[B,D,T'] -> log_softmax logits [B,T',5633]: a shared projection, shaped per language by a scale and bias."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv1d(D_MODEL, 257, 1)
        n = len(LANGUAGES)
        self.lang_scale = nn.Parameter(0.5 + torch.rand(n, 1))
        self.lang_bias = nn.Parameter(3.0 * torch.randn(n, 256))  # fewer near-ties between tokens
        with torch.no_grad():
            self.proj.weight.mul_(12.0)
            self.lang_bias[:, 0] = -30.0  # <unk> never wins: the engines drop it, the reference would print it
            self.proj.bias[256] += 1.5  # some blanks between tokens

    def forward(self, encoder_output: torch.Tensor):
        base = self.proj(encoder_output).transpose(1, 2)  # [B,T',257]
        tokens = base[:, :, None, :256] * self.lang_scale + self.lang_bias  # [B,T',22,256]
        logits = torch.cat([tokens.flatten(2), base[:, :, 256:]], dim=2)  # [B,T',5633]
        return F.log_softmax(logits, dim=-1)


class TinyNemoCtc(nn.Module):
    """sherpa-onnx NeMo CTC interface: audio_signal [B,80,T], length [B] -> logprobs [B,T',V+1], 4x subsampling."""

    def __init__(self, classes: int):
        super().__init__()
        self.conv1 = nn.Conv1d(80, 32, 3, 2, 1)
        self.conv2 = nn.Conv1d(32, 32, 3, 2, 1)
        self.head = nn.Conv1d(32, classes, 1)
        with torch.no_grad():
            self.head.weight.mul_(8.0)
            self.head.bias[0] = -30.0  # <unk>
            self.head.bias[-1] += 1.5  # blank

    def forward(self, audio_signal: torch.Tensor, length: torch.Tensor):
        x = torch.tanh(self.conv1(audio_signal))
        x = torch.tanh(self.conv2(x))
        x = time_mask(x, conv_len(length, 2))
        return F.log_softmax(self.head(x).transpose(1, 2), dim=-1)


# ---------------------------------------------------------------- vocabularies

def script_chars(block: int) -> list[str]:
    """The block's independent vowels and consonants (offsets 05-39) and dependent signs (3E-4D): the same
    ISCII-derived layout in Devanagari, Bengali and Tamil; unassigned code points are skipped."""
    out = []
    for cp in list(range(block + 0x05, block + 0x3A)) + list(range(block + 0x3E, block + 0x4E)):
        ch = chr(cp)
        if unicodedata.category(ch) in ('Lo', 'Mn', 'Mc') and unicodedata.name(ch, ''):
            out.append(ch)
    return out


def indic_tokens(lang: str) -> list[str]:
    chars = script_chars(SCRIPT_BLOCK[lang])
    words = {
        'hi': ['▁गोल्ड', '▁लोन', '▁का', '▁ब्याज', '▁कितना', '▁है', '▁ईएमआई'],
        'mr': ['▁सोने', '▁कर्ज', '▁किती', '▁आहे'],
        'bn': ['▁সোনা', '▁ঋণ', '▁সুদ', '▁কত'],
        'ta': ['▁தங்க', '▁கடன்', '▁வட்டி', '▁எவ்வளவு'],
    }[lang]
    toks = ['<unk>', '▁'] + words + chars + ['▁' + c for c in chars]
    seen, unique = set(), []
    for t in toks:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    pairs = (a + b for a in chars for b in chars)
    while len(unique) < 256:  # pad with two-letter pieces of the script
        t = next(pairs)
        if t not in seen:
            seen.add(t)
            unique.append(t)
    return unique[:256] + ['<blk>']


def nemo_tokens() -> list[str]:
    latin = [chr(c) for c in range(ord('a'), ord('z') + 1)]
    deva = script_chars(0x0900)[:60]
    pieces = ['▁gold', '▁loan', '▁emi', '▁rate', '▁kya', '▁hai', '▁लोन', '▁ब्याज', '▁गोल्ड', "'"]
    return ['<unk>', '▁'] + pieces + latin + ['▁' + c for c in latin[:20]] + deva + ['<blk>']


# ---------------------------------------------------------------- reference decoding

def greedy_reference(lp: np.ndarray, pieces: list[str], blank: int) -> tuple[list[int], str]:
    ids = lp.argmax(axis=-1)
    collapsed = [int(i) for k, i in enumerate(ids) if k == 0 or i != ids[k - 1]]
    tokens = [i for i in collapsed if i != blank]
    return tokens, ''.join(pieces[i] for i in tokens).replace('▁', ' ').strip()


def min_margin(lp: np.ndarray) -> float:
    top2 = np.sort(lp, axis=-1)[:, -2:]
    return float((top2[:, 1] - top2[:, 0]).min())


def beam_reference(lp: np.ndarray, blank: int, width: int) -> list[tuple[tuple[int, ...], float]]:
    """Textbook CTC prefix beam search (log space, every token tried each frame)."""
    def lse(a: float, b: float) -> float:
        if a == -math.inf:
            return b
        if b == -math.inf:
            return a
        m = max(a, b)
        return m + math.log(math.exp(a - m) + math.exp(b - m))

    beams = {(): (0.0, -math.inf)}
    for row in lp.astype(np.float64):
        nxt: dict[tuple[int, ...], list[float]] = {}
        for prefix, (pb, pnb) in beams.items():
            total = lse(pb, pnb)
            e = nxt.setdefault(prefix, [-math.inf, -math.inf])
            e[0] = lse(e[0], total + row[blank])
            if prefix:
                e[1] = lse(e[1], pnb + row[prefix[-1]])
            for c in range(len(row)):
                if c == blank:
                    continue
                ext = prefix + (c,)
                e2 = nxt.setdefault(ext, [-math.inf, -math.inf])
                e2[1] = lse(e2[1], (pb if prefix and c == prefix[-1] else total) + row[c])
        ranked = sorted(nxt.items(), key=lambda kv: -lse(*kv[1]))[:width]
        beams = {k: (v[0], v[1]) for k, v in ranked}
    return sorted(((k, lse(*v)) for k, v in beams.items()), key=lambda kv: -kv[1])


def collapse_spaces(s: str) -> str:
    return ' '.join(s.split())


# ---------------------------------------------------------------- export

def export(module: nn.Module, args: tuple, path: str, inputs: list[str], outputs: list[str], axes: dict) -> None:
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=17, do_constant_folding=True)


def add_metadata(path: str, meta: dict[str, str]) -> None:
    import onnx
    model = onnx.load(path)
    del model.metadata_props[:]
    for k, v in meta.items():
        p = model.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.save(model, path)


def write_f32(path: str, a: np.ndarray) -> None:
    np.ascontiguousarray(a, dtype='<f4').tofile(path)


def build_indic(feats: torch.Tensor, length: torch.Tensor) -> dict:
    for seed in range(400):
        torch.manual_seed(1000 + seed)
        enc, dec = TinyIndicEncoder().eval(), TinyIndicCtcDecoder().eval()
        with torch.no_grad():
            out, enc_len = enc(feats, length)
            full = dec(out)[0].numpy()
        per_lang, ok = {}, True
        for lang in FIXTURE_LANGUAGES:
            k = LANGUAGES.index(lang)
            cols = list(range(k * 256, k * 256 + 256)) + [INDIC_WIDTH - 1]
            lp = torch.from_numpy(full[:, cols]).log_softmax(-1).numpy()
            pieces = indic_tokens(lang)
            toks, text = greedy_reference(lp, pieces, INDIC_BLANK)
            beams = beam_reference(lp, INDIC_BLANK, BEAM)
            beam_gap = beams[0][1] - beams[1][1] if len(beams) > 1 else math.inf
            ok &= min_margin(lp) >= MIN_MARGIN and beam_gap >= MIN_MARGIN and len(toks) >= 4 and 0 not in toks
            per_lang[lang] = dict(lp=lp, tokens=toks, text=text, beam=beams[0], margin=min_margin(lp), beam_gap=beam_gap,
                                  pieces=pieces)
        if ok:
            break
    else:
        raise SystemExit('no seed gave clear margins for the IndicConformer-layout model')

    d = os.path.join(OUT, 'indic')
    os.makedirs(d, exist_ok=True)
    export(enc, (feats, length), os.path.join(d, 'encoder.onnx'), ['audio_signal', 'length'], ['outputs', 'encoded_lengths'],
           {'audio_signal': {0: 'B', 2: 'T'}, 'length': {0: 'B'}, 'outputs': {0: 'B', 2: 'T_enc'}, 'encoded_lengths': {0: 'B'}})
    export(dec, (out,), os.path.join(d, 'ctc_decoder.onnx'), ['encoder_output'], ['logprobs'],
           {'encoder_output': {0: 'B', 2: 'T_enc'}, 'logprobs': {0: 'B', 1: 'T_enc'}})
    vocab = {lang: per_lang[lang]['pieces'] for lang in FIXTURE_LANGUAGES}
    masks = {}
    for lang in FIXTURE_LANGUAGES:
        k = LANGUAGES.index(lang)
        masks[lang] = [k * 256 <= c < (k + 1) * 256 or c == INDIC_WIDTH - 1 for c in range(INDIC_WIDTH)]
    with open(os.path.join(d, 'vocab.json'), 'w', encoding='utf-8') as f:
        json.dump(vocab, f, ensure_ascii=False, separators=(',', ':'))
    with open(os.path.join(d, 'language_masks.json'), 'w', encoding='utf-8') as f:
        json.dump(masks, f, separators=(',', ':'))
    write_f32(os.path.join(OUT, 'indic.hi.logprobs.bin'), per_lang['hi']['lp'])

    return {
        'seed': 1000 + seed,
        'encoderFrames': int(enc_len[0]),
        'dModel': D_MODEL,
        'width': INDIC_WIDTH,
        'languages': FIXTURE_LANGUAGES,
        'logprobs': {'file': 'indic.hi.logprobs.bin', 'lang': 'hi', 'shape': list(per_lang['hi']['lp'].shape)},
        'results': {
            lang: {
                'referenceText': r['text'],
                'text': collapse_spaces(r['text']),
                'tokens': r['tokens'],
                'minArgmaxMargin': r['margin'],
                'beam': {'width': BEAM, 'tokens': list(r['beam'][0]), 'score': r['beam'][1],
                         'text': collapse_spaces(''.join(r['pieces'][i] for i in r['beam'][0]).replace('▁', ' ')),
                         'gapToSecond': r['beam_gap']},
            }
            for lang, r in per_lang.items()
        },
    }


def build_nemo(feats: torch.Tensor, length: torch.Tensor) -> dict:
    pieces = nemo_tokens()
    blank = len(pieces) - 1
    for seed in range(400):
        torch.manual_seed(2000 + seed)
        model = TinyNemoCtc(len(pieces)).eval()
        with torch.no_grad():
            lp = model(feats, length)[0].numpy()
        toks, text = greedy_reference(lp, pieces, blank)
        beams = beam_reference(lp, blank, BEAM)
        gap = beams[0][1] - beams[1][1] if len(beams) > 1 else math.inf
        if min_margin(lp) >= MIN_MARGIN and gap >= MIN_MARGIN and len(toks) >= 4 and 0 not in toks:
            break
    else:
        raise SystemExit('no seed gave clear margins for the NeMo-layout model')

    d = os.path.join(OUT, 'nemo')
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, 'model.onnx')
    export(model, (feats, length), path, ['audio_signal', 'length'], ['logprobs'],
           {'audio_signal': {0: 'B', 2: 'T'}, 'length': {0: 'B'}, 'logprobs': {0: 'B', 1: 'T_enc'}})
    add_metadata(path, {
        'vocab_size': len(pieces),
        'normalize_type': 'per_feature',
        'subsampling_factor': 4,
        'model_type': 'EncDecCTCModelBPE',
        'comment': 'tiny test model with random weights (tools/stt/build_tiny_models.py); recognises nothing',
    })
    with open(os.path.join(d, 'tokens.txt'), 'w', encoding='utf-8') as f:
        for i, p in enumerate(pieces):
            f.write(f'{p} {i}\n')
    write_f32(os.path.join(OUT, 'nemo.logprobs.bin'), lp)
    return {
        'seed': 2000 + seed,
        'encoderFrames': int(lp.shape[0]),
        'subsamplingFactor': 4,
        'vocabSize': len(pieces),
        'logprobs': {'file': 'nemo.logprobs.bin', 'shape': list(lp.shape)},
        'referenceText': text,
        'text': collapse_spaces(text),
        'tokens': toks,
        'minArgmaxMargin': min_margin(lp),
        'beam': {'width': BEAM, 'tokens': list(beams[0][0]), 'score': beams[0][1],
                 'text': collapse_spaces(''.join(pieces[i] for i in beams[0][0]).replace('▁', ' ')),
                 'gapToSecond': gap},
    }


# ---------------------------------------------------------------- tiny Whisper (transformers.js layout)

W_D, W_HEADS, W_LAYERS = 32, 2, 1
W_HEAD_DIM = W_D // W_HEADS
W_SPECIAL = ['<|endoftext|>', '<|startoftranscript|>', '<|en|>', '<|hi|>', '<|translate|>', '<|transcribe|>', '<|notimestamps|>']
W_EOT, W_SOT, W_EN, W_HI, W_TRANSLATE, W_TRANSCRIBE, W_NOTS = range(256, 256 + len(W_SPECIAL))
W_VOCAB = 256 + len(W_SPECIAL)
W_PROMPT = 4  # <|startoftranscript|> <|lang|> <|transcribe|> <|notimestamps|>
W_TARGETS = {'en': 'gold loan', 'hi': 'गोल्ड लोन'}
W_POSITIONS = 32  # prompt (4) + the longest phrase in bytes (25) + <|endoftext|> fits


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2 / Whisper byte-level BPE alphabet: every byte as a printable character."""
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


class TinyWhisperEncoder(nn.Module):
    """input_features [B,80,3000] -> last_hidden_state [B,1500,D] (conv, stride-2 conv, like Whisper's stem)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(80, W_D, 3, 1, 1)
        self.conv2 = nn.Conv1d(W_D, W_D, 3, 2, 1)

    def forward(self, input_features):
        x = F.gelu(self.conv1(input_features))
        return torch.tanh(self.conv2(x)).transpose(1, 2)


class TinyWhisperDecoder(nn.Module):
    """Hand-wired decoder with a KV cache in the optimum/transformers.js naming.

    Self-attention in every position looks up the language token (position 1) through the cache, and a table
    indexed by (position, language) spells a fixed phrase per language, then <|endoftext|>. The encoder output
    adds a small term (so the audio path is exercised without deciding the output). It recognises nothing:
    it tests that the engine feeds the prompt, cache, language and files the way transformers.js expects.
    """

    def __init__(self):
        super().__init__()
        # targets[p, lang]: the token to emit at position p (the phrase's UTF-8 bytes, then <|endoftext|>).
        targets = torch.full((W_POSITIONS, 2), W_EOT, dtype=torch.int64)
        for li, lang in enumerate(['en', 'hi']):
            ids = list(W_TARGETS[lang].encode('utf-8')) + [W_EOT]
            for p in range(W_POSITIONS):
                k = p - (W_PROMPT - 1)
                if 0 <= k < len(ids):
                    targets[p, li] = ids[k]
        self.register_buffer('targets', targets)
        self.audio = nn.Linear(W_D, 1)

    def forward(self, input_ids, encoder_hidden_states, past_key, past_value):
        B, S = input_ids.shape
        P = past_key.shape[2]
        pos = torch.arange(S, device=input_ids.device) + P  # [S]
        # key: a marker on position 1 (the language token); value: which language that token is.
        k_new = (pos == 1).to(torch.float32)[None, None, :, None] * torch.ones(B, W_HEADS, S, W_HEAD_DIM) * 3.0
        is_en = (input_ids == W_EN).to(torch.float32)
        is_hi = (input_ids == W_HI).to(torch.float32)
        v_new = torch.zeros(B, W_HEADS, S, W_HEAD_DIM)
        v_new = v_new + torch.stack([is_en, is_hi], dim=-1)[:, None, :, :].repeat(1, W_HEADS, 1, W_HEAD_DIM // 2)[..., :W_HEAD_DIM]
        keys = torch.cat([past_key, k_new], dim=2)
        values = torch.cat([past_value, v_new], dim=2)
        q = torch.ones(B, W_HEADS, S, W_HEAD_DIM)
        scores = (q @ keys.transpose(2, 3))  # [B,H,S,P+S]: 48 on position 1, 0 elsewhere
        key_pos = torch.arange(P + S, device=input_ids.device)
        causal = key_pos[None, :] <= pos[:, None]  # [S,P+S]
        scores = scores.masked_fill(~causal[None, None], -1e9)
        attn = scores.softmax(-1) @ values  # [B,H,S,Dh]
        lang = attn[:, 0, :, 0:2]  # [B,S,2]: ≈ one-hot of the language once position 1 is visible
        target = self.targets[pos.clamp(max=W_POSITIONS - 1)]  # [S,2]
        rows = 10.0 * (torch.arange(W_VOCAB)[None, None, :] == target[:, :, None]).to(torch.float32)  # [S,2,V]
        logits = (rows[None] * lang[..., None]).sum(2)  # [B,S,V]
        # The audio term is the same for every token: it uses the encoder output without deciding anything.
        logits = logits + 0.01 * torch.tanh(self.audio(encoder_hidden_states.mean(1)))[:, None, :]
        return logits, keys, values


def whisper_features(wave: np.ndarray) -> torch.Tensor:
    """Whisper's log-mel (n_fft 400, hop 160, periodic Hann, Slaney mel, log10 clamp to max-8, (x+4)/4), 30 s."""
    x = np.zeros(480000, dtype=np.float32)
    x[:min(len(wave), 480000)] = wave[:480000]
    spec = torch.stft(torch.from_numpy(x), 400, 160, window=torch.hann_window(400), center=True, return_complex=True)
    power = spec.abs() ** 2
    fb = torchaudio.functional.melscale_fbanks(201, 0.0, 8000.0, 80, 16000, norm='slaney', mel_scale='slaney').T
    mel = (fb @ power)[:, :-1]
    log = torch.clamp(mel, min=1e-10).log10()
    log = torch.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0)[None].to(torch.float32)


def whisper_tokenizer_json() -> dict:
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    added = [{'id': 256 + i, 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False,
              'special': True} for i, t in enumerate(W_SPECIAL)]
    for t in added:
        vocab[t['content']] = t['id']
    return {
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added, 'normalizer': None,
        'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
        'post_processor': None,
        'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
                  'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False, 'vocab': vocab, 'merges': []},
    }


def build_whisper(samples: np.ndarray) -> dict:
    torch.manual_seed(3000)
    enc, dec = TinyWhisperEncoder().eval(), TinyWhisperDecoder().eval()
    feats = whisper_features(samples)
    results = {}
    with torch.no_grad():
        hidden = enc(feats)
        for lang, lang_id in (('en', W_EN), ('hi', W_HI)):
            ids = [W_SOT, lang_id, W_TRANSCRIBE, W_NOTS]
            pk = torch.zeros(1, W_HEADS, 0, W_HEAD_DIM)
            pv = torch.zeros(1, W_HEADS, 0, W_HEAD_DIM)
            step = torch.tensor([ids])
            out, margins = [], []
            for _ in range(W_POSITIONS):
                logits, pk, pv = dec(step, hidden, pk, pv)
                last = logits[0, -1]
                top2 = last.topk(2).values
                margins.append(float(top2[0] - top2[1]))
                nxt = int(last.argmax())
                if nxt == W_EOT:
                    break
                out.append(nxt)
                step = torch.tensor([[nxt]])
            text = bytes(out).decode('utf-8')
            assert text == W_TARGETS[lang], (lang, text)
            results[lang] = {'text': text, 'tokens': out, 'minMargin': min(margins)}

    d = os.path.join(OUT, 'whisper')
    os.makedirs(os.path.join(d, 'onnx'), exist_ok=True)
    export(enc, (feats,), os.path.join(d, 'onnx', 'encoder_model.onnx'), ['input_features'], ['last_hidden_state'],
           {'input_features': {0: 'batch_size'}, 'last_hidden_state': {0: 'batch_size'}})
    pk = torch.zeros(1, W_HEADS, 3, W_HEAD_DIM)
    export(dec, (torch.tensor([[W_SOT, W_HI]]), hidden, pk, pk.clone()), os.path.join(d, 'onnx', 'decoder_model_merged.onnx'),
           ['input_ids', 'encoder_hidden_states', 'past_key_values.0.decoder.key', 'past_key_values.0.decoder.value'],
           ['logits', 'present.0.decoder.key', 'present.0.decoder.value'],
           {'input_ids': {0: 'batch_size', 1: 'decoder_sequence_length'},
            'encoder_hidden_states': {0: 'batch_size', 1: 'encoder_sequence_length'},
            'past_key_values.0.decoder.key': {0: 'batch_size', 2: 'past_decoder_sequence_length'},
            'past_key_values.0.decoder.value': {0: 'batch_size', 2: 'past_decoder_sequence_length'},
            'logits': {0: 'batch_size', 1: 'decoder_sequence_length'},
            'present.0.decoder.key': {0: 'batch_size', 2: 'past_decoder_sequence_length + 1'},
            'present.0.decoder.value': {0: 'batch_size', 2: 'past_decoder_sequence_length + 1'}})
    common = {'decoder_start_token_id': W_SOT, 'eos_token_id': W_EOT, 'bos_token_id': W_EOT, 'pad_token_id': W_EOT,
              'begin_suppress_tokens': [], 'suppress_tokens': []}
    files = {
        'config.json': {'model_type': 'whisper', 'architectures': ['WhisperForConditionalGeneration'], 'd_model': W_D,
                        'encoder_layers': W_LAYERS, 'decoder_layers': W_LAYERS, 'encoder_attention_heads': W_HEADS,
                        'decoder_attention_heads': W_HEADS, 'num_mel_bins': 80, 'max_source_positions': 1500,
                        'max_target_positions': 448, 'vocab_size': W_VOCAB, 'is_encoder_decoder': True, **common},
        'generation_config.json': {**common, 'is_multilingual': True, 'lang_to_id': {'<|en|>': W_EN, '<|hi|>': W_HI},
                                   'task_to_id': {'translate': W_TRANSLATE, 'transcribe': W_TRANSCRIBE},
                                   'no_timestamps_token_id': W_NOTS, 'max_length': W_POSITIONS, 'forced_decoder_ids': None},
        'preprocessor_config.json': {'feature_extractor_type': 'WhisperFeatureExtractor', 'feature_size': 80,
                                     'sampling_rate': 16000, 'hop_length': 160, 'chunk_length': 30, 'n_fft': 400,
                                     'n_samples': 480000, 'nb_max_frames': 3000, 'padding_side': 'right',
                                     'padding_value': 0.0, 'return_attention_mask': False, 'processor_class': 'WhisperProcessor'},
        'tokenizer_config.json': {'tokenizer_class': 'WhisperTokenizer', 'model_max_length': 448, 'bos_token': '<|endoftext|>',
                                  'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>', 'pad_token': '<|endoftext|>',
                                  'add_prefix_space': False, 'clean_up_tokenization_spaces': False, 'errors': 'replace'},
        'tokenizer.json': whisper_tokenizer_json(),
    }
    for name, obj in files.items():
        with open(os.path.join(d, name), 'w', encoding='utf-8') as fh:
            json.dump(obj, fh, ensure_ascii=False, separators=(',', ':'))
    return {'seed': 3000, 'vocabSize': W_VOCAB, 'results': results,
            'note': 'hand-wired decoder: spells a fixed phrase per language token; the audio adds a small term'}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    wav_path = os.path.join(OUT, 'speech.wav')
    samples = ensure_wav(wav_path)
    f = nemo_features.features(samples)  # [80, T] normalised per feature
    feats = torch.from_numpy(f)[None]
    length = torch.tensor([f.shape[1]], dtype=torch.int64)
    torch.set_num_threads(1)
    reference = {
        'generator': 'tools/stt/build_tiny_models.py',
        'torch': torch.__version__,
        'wav': 'speech.wav',
        'wavText': WAV_TEXT,
        'samples': int(samples.shape[0]),
        'featureFrames': int(f.shape[1]),
        'features': 'tools/stt/nemo_features.py features() (NeMo per_feature)',
        'indic': build_indic(feats, length),
        'nemo': build_nemo(feats, length),
        'whisper': build_whisper(samples),
    }
    with open(os.path.join(OUT, 'reference.json'), 'w', encoding='utf-8') as fh:
        json.dump(reference, fh, ensure_ascii=False, indent=2)
        fh.write('\n')
    for lang, r in reference['indic']['results'].items():
        print(f"indic {lang}: {r['text']!r} (margin {r['minArgmaxMargin']:.3f})")
    print(f"nemo: {reference['nemo']['text']!r} (margin {reference['nemo']['minArgmaxMargin']:.3f})")
    for lang, r in reference['whisper']['results'].items():
        print(f"whisper {lang}: {r['text']!r} (margin {r['minMargin']:.3f})")


if __name__ == '__main__':
    main()
