"""Corpus building for the default speech model: sentence splits, manifests, parallel synthesis to features.

Held-out TEST sentences are drawn first and never used for training or dev; TEST voices use eSpeak variants
that training never hears (synth.TEST_VARIANTS). DEV (checkpoint choice) has new sentences but training voices.
"""
from __future__ import annotations

import hashlib
import inspect
import multiprocessing as mp
import os
import random
import time

import numpy as np

import synth
import textgen


def make_manifests(n_train: int, n_dev_per_lang: int, n_test_per_lang: int, seed: int) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    vrng = np.random.default_rng(seed)
    test_texts: dict[str, set[str]] = {lang: set() for lang in textgen.LANGS}
    used: set[str] = set()
    test, dev, train = [], [], []
    for lang in textgen.LANGS:  # held-out test: ≥ 4 words, so short answers stay in training
        while len(test_texts[lang]) < n_test_per_lang:
            t = textgen.generate(lang, rng)
            if len(t.split()) >= 4 and t not in used:
                test_texts[lang].add(t)
                used.add(t)
                test.append({"id": f"{lang}-{len(test_texts[lang]):04d}", "lang": lang, "text": t,
                             **synth.random_voice(lang, vrng, test=True)})
    for lang in textgen.LANGS:
        k = 0
        while k < n_dev_per_lang:
            t = textgen.generate(lang, rng)
            if len(t.split()) >= 3 and t not in used:
                used.add(t)
                k += 1
                dev.append({"id": f"dev-{lang}-{k:04d}", "lang": lang, "text": t, **synth.random_voice(lang, vrng, test=False)})
    for i in range(n_train):
        lang = textgen.LANGS[i % 3]
        t = textgen.generate(lang, rng)
        while t in used:  # a sentence held out (test or dev) is never trained on
            t = textgen.generate(lang, rng)
        item = {"id": f"tr-{i:06d}", "lang": lang, "text": t, **synth.random_voice(lang, vrng, test=False)}
        item["tempo"] = float(np.round(vrng.uniform(0.9, 1.1), 3)) if vrng.random() < 0.5 else 1.0
        item["augment"] = bool(vrng.random() < 0.85)
        train.append(item)
    return {"train": train, "dev": dev, "test": test}


# ---- workers ----------------------------------------------------------------------------------------------
_pool_waves: list[np.ndarray] = []


def _init_worker() -> None:
    import torch  # noqa: PLC0415 (workers import torch themselves)

    torch.set_num_threads(1)


def _work(job: tuple[list[dict], int]) -> list[np.ndarray]:
    import nemo_features  # noqa: PLC0415

    items, seed = job
    rng = np.random.default_rng(seed)
    out = []
    for it in items:
        wave = synth.synthesize(it, it.get("tempo", 1.0))
        if it.get("augment"):
            noisy = synth.augment(wave, rng, _pool_waves)
            _pool_waves.append(wave)
            del _pool_waves[:-24]
            wave = noisy
        feats = nemo_features.features(wave.astype(np.float32) / 32768.0)
        out.append(feats.astype(np.float16))
    return out


def synthesize_features(items: list[dict], seed: int, deadline: float | None, procs: int = 2,
                        chunk: int = 48, log=print) -> tuple[list[np.ndarray], list[dict]]:
    """Features for `items` with `procs` processes; stops early (returning what is done) at `deadline`."""
    jobs = [(items[i:i + chunk], seed * 100003 + i) for i in range(0, len(items), chunk)]
    feats: list[np.ndarray] = []
    done_items: list[dict] = []
    t0 = time.time()
    ctx = mp.get_context("spawn")
    with ctx.Pool(procs, initializer=_init_worker) as pool:
        for j, res in enumerate(pool.imap(_work, jobs)):
            feats.extend(res)
            done_items.extend(jobs[j][0])
            if (j + 1) % 25 == 0 or j + 1 == len(jobs):
                log(f"  synthesized {len(feats)}/{len(items)} in {time.time() - t0:.0f}s")
            if deadline is not None and time.time() > deadline and j + 1 < len(jobs):
                log(f"  synthesis time budget used: keeping {len(feats)} of {len(items)} utterances")
                pool.terminate()
                break
    return feats, done_items


# ---- feature cache (tools/stt/.cache/features-<key>.npz) -------------------------------------------------
def cache_key(n_train: int, n_dev: int, n_test: int, seed: int) -> str:
    """Changes with the corpus settings and with the code that makes the features (not with cache I/O)."""
    h = hashlib.sha256(f"{n_train},{n_dev},{n_test},{seed}".encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("textgen.py", "synth.py", "nemo_features.py"):
        with open(os.path.join(here, name), "rb") as f:
            h.update(f.read())
    for fn in (make_manifests, _work, synthesize_features):
        h.update(inspect.getsource(fn).encode())
    return h.hexdigest()[:16]


def save_features(cache: str, key: str, eval_feats: list[np.ndarray], train_feats: list[np.ndarray],
                  seconds: float) -> None:
    allf = eval_feats + train_feats
    np.savez(os.path.join(cache, f"features-{key}.npz"), frames=np.concatenate(allf, axis=1),
             lengths=np.array([f.shape[1] for f in allf]), n_eval=np.array(len(eval_feats)),
             seconds=np.array(seconds))


def load_features(cache: str, key: str):
    path = os.path.join(cache, f"features-{key}.npz")
    if not os.path.exists(path):
        return None
    z = np.load(path)
    frames, lengths, n_eval = z["frames"], z["lengths"], int(z["n_eval"])
    seconds = float(z["seconds"]) if "seconds" in z else float("nan")
    ends = np.cumsum(lengths)
    feats = [frames[:, e - n:e] for e, n in zip(ends, lengths)]
    return feats[:n_eval], feats[n_eval:], len(feats) - n_eval, seconds
