#!/usr/bin/python3
"""Train the embedded default speech model (tools/default-bundle/stt/) end to end, within a time budget.

    /usr/bin/python3 tools/stt/train.py                # full run: ~55 minutes on 2 cores
    /usr/bin/python3 tools/stt/train.py --smoke        # ~3 minutes: tiny corpus, few steps, exported to
                                                       # tools/stt/.cache/smoke/ (never over the shipped model)

Phases: sentences and voices (textgen, synth) → espeak-ng + sox + augmentation → NeMo features
(nemo_features.py, the same front-end the app computes in TypeScript) → CTC training with a wall-clock budget,
keeping the best checkpoint by dev CER → held-out evaluation (CER/WER per language, greedy) → ONNX export,
tokens.txt, heldout.json, MODEL_CARD.md. Cache, logs and eval.json go to tools/stt/.cache/ (not committed).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import data  # noqa: E402
import synth  # noqa: E402
import textgen  # noqa: E402
from export import export_onnx, write_verify_case  # noqa: E402
from model import CtcModel  # noqa: E402
from metrics import score  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
STATUS = "/tmp/stt-train.status"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=55.0, help="wall-clock budget for the whole run (default 55)")
    p.add_argument("--train-utts", type=int, default=20000, help="training utterances to synthesize (default 20000)")
    p.add_argument("--dev-per-lang", type=int, default=60)
    p.add_argument("--test-per-lang", type=int, default=150, help="held-out test sentences per language (default 150)")
    p.add_argument("--synth-share", type=float, default=0.25, help="max share of the budget for synthesis (default 0.25)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads for training; 0 (default) times a few steps with 1 and 2 threads and keeps the "
                        "faster (2 threads ran 10x slower than 1 while another job held a core)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--d-model", type=int, default=144)
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--max-frames", type=int, default=12000, help="feature frames per batch (B × Tmax)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--out", help="model folder (default tools/default-bundle/stt; with --smoke tools/stt/.cache/smoke)")
    p.add_argument("--cache", default=os.path.join(HERE, ".cache"))
    p.add_argument("--smoke", action="store_true", help="3-minute end-to-end check (small corpus, few steps)")
    a = p.parse_args()
    if a.smoke:
        a.minutes, a.train_utts, a.dev_per_lang, a.test_per_lang = min(a.minutes, 3.0), 600, 10, 10
    if a.out is None:  # a smoke run never overwrites the shipped model
        a.out = os.path.join(a.cache, "smoke") if a.smoke else os.path.join(ROOT, "tools", "default-bundle", "stt")
    return a


class Log:
    def __init__(self, path: str):
        self.f = open(path, "a", encoding="utf-8")

    def __call__(self, msg: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def status(msg: str) -> None:
    with open(STATUS, "w") as f:
        f.write(f"{time.strftime('%H:%M:%S')} {msg}\n")


# ---- batching ---------------------------------------------------------------------------------------------
def make_batches(lengths: np.ndarray, max_frames: int, rng: random.Random) -> list[list[int]]:
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    batches = []
    for s in range(0, len(idx), 2000):  # sort within large chunks: similar lengths, still random
        chunk = sorted(idx[s:s + 2000], key=lambda i: lengths[i])
        cur: list[int] = []
        for i in chunk:
            if cur and (len(cur) + 1) * max(lengths[cur[-1]], lengths[i]) > max_frames:
                batches.append(cur)
                cur = []
            cur.append(i)
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def collate(feats: list[np.ndarray], ids: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    t = max(feats[i].shape[1] for i in ids)
    x = np.zeros((len(ids), 80, t), dtype=np.float32)
    for k, i in enumerate(ids):
        x[k, :, : feats[i].shape[1]] = feats[i]
    return torch.from_numpy(x), torch.tensor([feats[i].shape[1] for i in ids], dtype=torch.int64)


def spec_augment(x: torch.Tensor, lengths: torch.Tensor, rng: random.Random) -> torch.Tensor:
    x = x.clone()
    for b in range(x.shape[0]):
        for _ in range(2):
            w = rng.randint(0, 12)
            f0 = rng.randint(0, 80 - w)
            x[b, f0:f0 + w, :] = 0.0
        n = int(lengths[b])
        for _ in range(2):
            w = rng.randint(0, min(20, max(1, n // 10)))
            t0 = rng.randint(0, max(0, n - w))
            x[b, :, t0:t0 + w] = 0.0
    return x


def clip_gradients(m: torch.nn.Module, max_norm: float) -> float:
    """Global-norm clipping summed in float64: torch 1.13's clip_grad_norm_ returned inf/NaN norms here for finite
    gradients (and its NaN scale then poisoned every weight)."""
    grads = [p.grad for p in m.parameters() if p.grad is not None]
    total = math.sqrt(sum(float(g.double().pow(2).sum()) for g in grads))
    if math.isfinite(total) and total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return total


def pick_threads(m: CtcModel, feats, targets, lengths, max_frames: int, blank: int, log) -> int:
    """Times two training steps (forward + backward, no update) with 1 and with 2 threads."""
    ids = sorted(range(len(feats)), key=lambda i: lengths[i])[len(feats) // 2:][: max(1, max_frames // int(np.median(lengths)))]
    x, n = collate(feats, ids)
    y = torch.cat([targets[i] for i in ids])
    yl = torch.tensor([len(targets[i]) for i in ids], dtype=torch.int64)
    times = {}
    for th in (1, 2):
        torch.set_num_threads(th)
        t0 = time.time()
        for _ in range(2):
            lp, out_len = m(x, n)
            F.ctc_loss(lp.transpose(0, 1), y, out_len, yl, blank=blank, zero_infinity=True).backward()
        times[th] = (time.time() - t0) / 2
    m.zero_grad()
    best = min(times, key=times.get)
    log(f"seconds per step: {times}; training with {best} thread(s)")
    return best


# ---- decoding and evaluation ------------------------------------------------------------------------------
def greedy(lp: torch.Tensor, out_len: torch.Tensor, vocab: list[str]) -> list[str]:
    blank = len(vocab)
    best = lp.argmax(-1)
    texts = []
    for b in range(lp.shape[0]):
        prev, chars = -1, []
        for t in best[b, : int(out_len[b])].tolist():
            if t != prev and t != blank:
                chars.append(" " if vocab[t] == textgen.SPACE else vocab[t])
            prev = t
        texts.append(" ".join("".join(chars).split()))
    return texts


def transcribe(m: CtcModel, feats: list[np.ndarray], vocab: list[str], batch: int = 24) -> list[str]:
    m.eval()
    order = sorted(range(len(feats)), key=lambda i: feats[i].shape[1])
    hyp = [""] * len(feats)
    with torch.no_grad():
        for s in range(0, len(order), batch):
            ids = order[s:s + batch]
            x, n = collate(feats, ids)
            lp, out_len = m(x, n)
            for i, h in zip(ids, greedy(lp, out_len, vocab)):
                hyp[i] = h
    m.train()
    return hyp


def evaluate(m, feats, items, vocab) -> dict:
    hyps = transcribe(m, feats, vocab)
    return score([it["text"] for it in items], hyps, [it["lang"] for it in items]), hyps


# ---- main -------------------------------------------------------------------------------------------------
def main() -> None:
    a = parse_args()
    t_start = time.time()
    deadline = t_start + a.minutes * 60
    work = os.path.join(a.cache, "smoke") if a.smoke else a.cache  # a smoke run keeps the full run's reports
    os.makedirs(work, exist_ok=True)
    log = Log(os.path.join(work, "train.log"))
    log(f"start: {vars(a)}")
    synth.check_tools()
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)

    vocab = textgen.vocabulary()
    token_id = {t: i for i, t in enumerate(vocab)}
    man = data.make_manifests(a.train_utts, a.dev_per_lang, a.test_per_lang, a.seed)

    # held-out manifest (committed) and test items with and without augmentation
    heldout = [{k: it[k] for k in ("id", "lang", "text", "voice", "speed", "pitch")} for it in man["test"]]
    if not a.smoke:
        with open(os.path.join(HERE, "heldout.json"), "w", encoding="utf-8") as f:
            json.dump({"about": "held-out synthetic test set: sentences and eSpeak voice variants never used in "
                                "training; re-make the WAVs with tools/stt/synth_heldout.py --out DIR",
                       "sample_rate": synth.SR, "items": heldout}, f, ensure_ascii=False, indent=1)
    noisy_test = [dict(it, id=it["id"] + "-noisy", augment=True) for it in man["test"]]

    eval_items = man["dev"] + man["test"] + noisy_test
    key = data.cache_key(a.train_utts, a.dev_per_lang, a.test_per_lang, a.seed)
    cached = data.load_features(a.cache, key)
    if cached is not None:  # same corpus settings and code: reuse the synthesized features
        eval_feats, train_feats, n_done, synth_seconds = cached
        train_items = man["train"][:n_done]
        log(f"reusing cached features {key} (their synthesis took {synth_seconds:.0f}s)")
    else:
        status(f"synthesizing {len(man['train'])} train + {len(man['dev'])} dev + {2 * len(man['test'])} test utterances")
        log("synthesizing dev and test")
        eval_feats, _ = data.synthesize_features(eval_items, a.seed + 1, None, log=log)
        log("synthesizing train")
        synth_deadline = t_start + a.minutes * 60 * a.synth_share
        train_feats, train_items = data.synthesize_features(man["train"], a.seed, synth_deadline, log=log)
        synth_seconds = time.time() - t_start
        data.save_features(a.cache, key, eval_feats, train_feats, synth_seconds)
    nd, nt = len(man["dev"]), len(man["test"])
    dev_feats, test_feats, noisy_feats = eval_feats[:nd], eval_feats[nd:nd + nt], eval_feats[nd + nt:]
    hours = sum(f.shape[1] for f in train_feats) / 100 / 3600
    log(f"train: {len(train_feats)} utterances, {hours:.2f} h; synthesis took {synth_seconds:.0f}s")
    # CTC needs at least one frame per label plus one between repeated labels: drop utterances that spoke
    # too fast for 40 ms frames (their loss is infinite and only adds noise)
    feasible = []
    for f, it in zip(train_feats, train_items):
        ids = textgen.encode(it["text"], token_id)
        need = len(ids) + sum(1 for p, q in zip(ids, ids[1:]) if p == q)
        feasible.append((f.shape[1] + 3) // 4 >= need)
    if not all(feasible):
        log(f"dropped {len(feasible) - sum(feasible)} utterances too short for their labels at 4x subsampling")
        train_feats = [f for f, ok in zip(train_feats, feasible) if ok]
        train_items = [it for it, ok in zip(train_items, feasible) if ok]
    targets = [torch.tensor(textgen.encode(it["text"], token_id), dtype=torch.int64) for it in train_items]
    lengths = np.array([f.shape[1] for f in train_feats])

    # model
    m = CtcModel(len(vocab) + 1, d=a.d_model, layers=a.layers, ff=4 * a.d_model)
    a.threads = a.threads or pick_threads(m, train_feats, targets, lengths, a.max_frames, len(vocab), log)
    torch.set_num_threads(a.threads)
    n_params = sum(p.numel() for p in m.parameters())
    log(f"model: {n_params / 1e6:.2f} M parameters, vocab {len(vocab)} + blank, threads {a.threads}")
    decay = [p for n, p in m.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in m.named_parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.98))
    reserve = 40 if a.smoke else 150  # seconds kept for the final evaluation and export
    t_train0 = time.time()
    train_budget = max(10.0, deadline - reserve - t_train0)
    warmup = 30 if a.smoke else 400
    eval_every = 30 if a.smoke else 240
    rng = random.Random(a.seed)
    step, epoch, best_cer, best_state, last_eval = 0, 0, float("inf"), None, time.time()
    loss_avg = None
    skipped = 0
    history = []
    status(f"training ({len(train_feats)} utts, {hours:.1f} h audio, budget {train_budget / 60:.0f} min)")
    done = False
    while not done:
        epoch += 1
        for ids in make_batches(lengths, a.max_frames, rng):
            elapsed = time.time() - t_train0
            if elapsed > train_budget:
                done = True
                break
            progress = elapsed / train_budget
            lr = a.lr * min(1.0, (step + 1) / warmup) * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))
            for g in opt.param_groups:
                g["lr"] = lr
            x, n = collate(train_feats, ids)
            x = spec_augment(x, n, rng)
            y = torch.cat([targets[i] for i in ids])
            yl = torch.tensor([len(targets[i]) for i in ids], dtype=torch.int64)
            lp, out_len = m(x, n)
            loss = F.ctc_loss(lp.transpose(0, 1), y, out_len, yl, blank=len(vocab), zero_infinity=True)
            opt.zero_grad()
            if not torch.isfinite(loss):
                skipped += 1
                log(f"non-finite loss at step {step} (frames {n.tolist()[:4]}…, labels {yl.tolist()[:4]}…): batch skipped")
                continue
            loss.backward()
            gnorm = clip_gradients(m, 5.0)
            if not math.isfinite(gnorm):
                skipped += 1
                bad = [k for k, p in m.named_parameters() if p.grad is not None and not torch.isfinite(p.grad).all()]
                log(f"non-finite gradient at step {step} in {len(bad)} tensors ({', '.join(bad[:3])}…): batch skipped")
                continue
            opt.step()
            step += 1
            loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
            if step % 50 == 0:
                log(f"epoch {epoch} step {step} loss {loss_avg:.3f} lr {lr:.2e} ({elapsed / 60:.1f} min)")
            if time.time() - last_eval > eval_every:
                res, _ = evaluate(m, dev_feats, man["dev"], vocab)
                last_eval = time.time()
                history.append({"step": step, "minutes": round(elapsed / 60, 1), "dev_cer": res["all"]["cer"]})
                log(f"dev CER {res['all']['cer']:.4f} WER {res['all']['wer']:.4f} at step {step}")
                status(f"training step {step}, epoch {epoch}, dev CER {res['all']['cer']:.3f}, "
                       f"{(train_budget - elapsed) / 60:.0f} min left")
                if res["all"]["cer"] < best_cer:
                    best_cer = res["all"]["cer"]
                    best_state = {k: v.detach().clone() for k, v in m.state_dict().items()}
    train_minutes = (time.time() - t_train0) / 60
    res, _ = evaluate(m, dev_feats, man["dev"], vocab)
    history.append({"step": step, "minutes": round(train_minutes, 1), "dev_cer": res["all"]["cer"]})
    log(f"final dev CER {res['all']['cer']:.4f} (best before {best_cer:.4f})")
    if res["all"]["cer"] <= best_cer or best_state is None:
        best_cer = res["all"]["cer"]
    else:
        m.load_state_dict(best_state)
    torch.save({"config": m.config, "state": m.state_dict(), "vocab": vocab}, os.path.join(work, "model.pt"))

    # held-out evaluation
    status("evaluating on the held-out set")
    clean, clean_hyp = evaluate(m, test_feats, man["test"], vocab)
    noisy, _ = evaluate(m, noisy_feats, noisy_test, vocab)
    for name, r in (("held-out (clean)", clean), ("held-out (augmented)", noisy)):
        for lang in ("hi", "en", "hinglish", "all"):
            log(f"{name} {lang:9s} CER {r[lang]['cer']:.4f} WER {r[lang]['wer']:.4f} ({r[lang]['n']} utts)")
    examples = [{"lang": it["lang"], "voice": it["voice"], "ref": it["text"], "hyp": h}
                for it, h in list(zip(man["test"], clean_hyp))[:: max(1, nt // 12)]]

    # export
    status("exporting ONNX")
    trained_on = (f"synthetic eSpeak NG speech, {len(train_feats)} utterances ({hours:.1f} h), hi/en/Hinglish "
                  f"gold-loan banking phrases; demo model, not for real customers")
    path = export_onnx(m, vocab, a.out, trained_on)
    write_verify_case(m, [test_feats[0], test_feats[1]], os.path.join(work, "verify.json"))
    size_mb = os.path.getsize(path) / 1e6
    total_minutes = (time.time() - t_start) / 60
    report = {
        "smoke": a.smoke, "train_utterances": len(train_feats), "train_hours": round(hours, 2),
        "parameters": n_params, "onnx_mb": round(size_mb, 2), "steps": step, "epochs": epoch, "skipped_batches": skipped,
        "train_minutes": round(train_minutes, 1), "total_minutes": round(total_minutes, 1),
        "synthesis_minutes": round(synth_seconds / 60, 1), "features_cached": cached is not None,
        "dev_cer_best": best_cer, "heldout_clean": clean, "heldout_augmented": noisy, "history": history,
        "examples": examples, "config": m.config, "args": vars(a),
        "train_variants": synth.TRAIN_VARIANTS, "test_variants": synth.TEST_VARIANTS, "bases": synth.BASES,
    }
    with open(os.path.join(work, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    if not a.smoke:
        try:
            import model_card  # noqa: PLC0415

            model_card.write(report, os.path.join(a.out, "MODEL_CARD.md"))
        except Exception as e:  # the model is exported already; the card can be re-made from eval.json
            log(f"MODEL_CARD.md not written ({e}); run /usr/bin/python3 tools/stt/model_card.py")
    c = clean
    status(f"done in {total_minutes:.0f} min: held-out clean CER hi {c['hi']['cer']:.3f} en {c['en']['cer']:.3f} "
           f"hinglish {c['hinglish']['cer']:.3f} all {c['all']['cer']:.3f} (WER all {c['all']['wer']:.3f}); "
           f"augmented CER all {noisy['all']['cer']:.3f}; {size_mb:.1f} MB" + (" [SMOKE]" if a.smoke else ""))
    log(f"done in {total_minutes:.1f} min; model {path} ({size_mb:.1f} MB)")


if __name__ == "__main__":
    main()
