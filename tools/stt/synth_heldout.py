#!/usr/bin/python3
"""Re-synthesizes the held-out test set of the default speech model (tools/stt/heldout.json) as WAV files.

    /usr/bin/python3 tools/stt/synth_heldout.py --out DIR [--manifest tools/stt/heldout.json] [--lang hi]

Writes DIR/<id>.wav (16 kHz mono 16-bit PCM) and DIR/manifest.json ([{id, lang, text, voice, speed, pitch,
wav}]): the clean held-out audio train.py scored, made by the same espeak-ng + sox path (synth.synthesize),
so the app's TypeScript benchmark can measure CER with the real app pipeline. Needs espeak-ng and sox.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import wave

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import synth  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="folder for the WAV files and manifest.json")
    p.add_argument("--manifest", default=os.path.join(HERE, "heldout.json"))
    p.add_argument("--lang", choices=["hi", "en", "hinglish"], help="only this language")
    p.add_argument("--limit", type=int, default=0, help="at most this many items per language (0: all)")
    a = p.parse_args()
    synth.check_tools()
    with open(a.manifest, encoding="utf-8") as f:
        items = json.load(f)["items"]
    os.makedirs(a.out, exist_ok=True)
    per_lang: dict[str, int] = {}
    written = []
    for it in items:
        if a.lang and it["lang"] != a.lang:
            continue
        per_lang[it["lang"]] = per_lang.get(it["lang"], 0) + 1
        if a.limit and per_lang[it["lang"]] > a.limit:
            continue
        samples = synth.synthesize(it)
        name = f"{it['id']}.wav"
        with wave.open(os.path.join(a.out, name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(synth.SR)
            w.writeframes(samples.tobytes())
        written.append({**it, "wav": name})
    with open(os.path.join(a.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(written, f, ensure_ascii=False, indent=1)
    print(f"wrote {len(written)} WAV files and manifest.json to {a.out}")


if __name__ == "__main__":
    main()
