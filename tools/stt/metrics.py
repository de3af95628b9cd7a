"""CER and WER (Levenshtein over characters / words), summed per language."""
from __future__ import annotations


def edit_distance(a, b) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def score(refs: list[str], hyps: list[str], langs: list[str]) -> dict:
    """{lang | 'all': {cer, wer, n}}: character errors / reference characters (spaces included), same for words."""
    acc: dict[str, list[int]] = {}
    for r, h, lang in zip(refs, hyps, langs):
        ce, cn = edit_distance(r, h), len(r)
        we, wn = edit_distance(r.split(), h.split()), len(r.split())
        for k in (lang, "all"):
            s = acc.setdefault(k, [0, 0, 0, 0, 0])
            s[0] += ce; s[1] += cn; s[2] += we; s[3] += wn; s[4] += 1
    out = {k: {"cer": round(v[0] / max(1, v[1]), 4), "wer": round(v[2] / max(1, v[3]), 4), "n": v[4]} for k, v in acc.items()}
    for lang in ("hi", "en", "hinglish"):
        out.setdefault(lang, {"cer": float("nan"), "wer": float("nan"), "n": 0})
    return out
