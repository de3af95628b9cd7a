"""ONNX export of the default speech model in the sherpa-onnx NeMo CTC layout, plus tokens.txt."""
from __future__ import annotations

import os

import numpy as np
import onnx
import torch

from model import CtcModel


class _Exported(torch.nn.Module):
    """Only `logprobs` is an output (the NeMo CTC interface); T' = ceil(T / 4) for every utterance."""

    def __init__(self, m: CtcModel):
        super().__init__()
        self.m = m

    def forward(self, audio_signal, length):
        return self.m(audio_signal, length)[0]


def export_onnx(m: CtcModel, vocab: list[str], out_dir: str, trained_on: str) -> str:
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.onnx")
    m = m.eval()
    x = torch.randn(2, 80, 230)
    length = torch.tensor([230, 171], dtype=torch.int64)
    torch.onnx.export(
        _Exported(m), (x, length), path, opset_version=17, do_constant_folding=True,
        input_names=["audio_signal", "length"], output_names=["logprobs"],
        dynamic_axes={"audio_signal": {0: "B", 2: "T"}, "length": {0: "B"}, "logprobs": {0: "B", 1: "T_out"}},
    )
    model = onnx.load(path)
    meta = {
        "vocab_size": str(len(vocab)),
        "normalize_type": "per_feature",
        "subsampling_factor": "4",
        "model_type": "EncDecCTCModel",
        "languages": "hi,en",
        "feature_dim": "80",
        "trained_on": trained_on,
    }
    del model.metadata_props[:]
    for k, v in meta.items():
        p = model.metadata_props.add()
        p.key, p.value = k, v
    onnx.checker.check_model(model)
    onnx.save(model, path)
    with open(os.path.join(out_dir, "tokens.txt"), "w", encoding="utf-8") as f:
        for i, t in enumerate(vocab):
            f.write(f"{t} {i}\n")
        f.write(f"<blk> {len(vocab)}\n")
    return path


def write_verify_case(m: CtcModel, feats: list[np.ndarray], path: str) -> None:
    """Inputs and torch outputs for tools/stt/verify-onnx.ts (onnxruntime-web must give the same logprobs)."""
    import json

    m = m.eval()
    b = len(feats)
    t = max(f.shape[1] for f in feats)
    x = np.zeros((b, 80, t), dtype=np.float32)
    for i, f in enumerate(feats):
        x[i, :, : f.shape[1]] = f
    lengths = np.array([f.shape[1] for f in feats], dtype=np.int64)
    with torch.no_grad():
        lp, out_len = m(torch.from_numpy(x), torch.from_numpy(lengths))
    with open(path, "w") as fh:
        json.dump({"dims": [b, 80, t], "audio_signal": x.reshape(-1).tolist(), "length": lengths.tolist(),
                   "logprobs_dims": list(lp.shape), "logprobs": lp.numpy().reshape(-1).tolist(),
                   "out_lengths": out_len.tolist()}, fh)
