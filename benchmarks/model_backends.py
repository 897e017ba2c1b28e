"""CPU backends for the CLIP model: fp32 vs bf16 vs int8 on ViT-B/32 geometry.

RANDOM WEIGHTS (``CLIPConfig()`` built in memory, ~151 M parameters, nothing downloaded): the numbers are
about speed and numerical agreement with fp32 only, never about search quality. Cosines on random weights
and random inputs are a rough guide to the real model's.

    .venv/bin/python -m benchmarks.model_backends [--batch 16] [--seconds 6] [--threads 1 2]

Prints a markdown table: images/s by wall clock and per CPU-second (the latter is steadier on a shared
machine), cosine to fp32 (mean/min over the batch) and p50 latency of a short text query.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BACKENDS = ("fp32", "bf16", "int8")
#: For comparison only: int8 on the text tower too (photoclip's int8 keeps text in fp32).
VARIANTS = (*BACKENDS, "int8-all")
SHORT_QUERY_IDS = [49406, 320, 1125, 539, 320, 2368, 49407]  # "a photo of a cat"


@dataclass
class Row:
    backend: str
    threads: int
    img_per_s: float
    img_per_cpu_s: float
    cos_mean: float
    cos_min: float
    text_cos_min: float
    text_p50_ms: float
    text77_p50_ms: float


def build_fp32_model():
    import torch
    from transformers import CLIPConfig, CLIPModel

    torch.manual_seed(0)
    return CLIPModel(CLIPConfig()).float().eval().requires_grad_(False)


def image_features(model, pixels, dtype) -> np.ndarray:
    import torch

    from photoclip.core.embed.base import normalize_rows
    from photoclip.core.embed.clip_hf import _pooled

    with torch.inference_mode():
        out = _pooled(model.get_image_features(pixel_values=pixels.to(dtype)))
    return normalize_rows(out.float().numpy())


def time_images(model, pixels, dtype, seconds: float) -> tuple[float, float]:
    """(images/s wall, images per CPU-second) over at least one batch, about ``seconds`` long.

    The caller has already run one batch (the cosine check), which doubles as the warm-up.
    """
    n = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while n < 1 or time.perf_counter() - wall0 < seconds:
        image_features(model, pixels, dtype)
        n += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return n * len(pixels) / wall, n * len(pixels) / cpu


def text_features(model, ids) -> np.ndarray:
    import torch

    from photoclip.core.embed.base import normalize_rows
    from photoclip.core.embed.clip_hf import _pooled

    with torch.inference_mode():
        out = _pooled(model.get_text_features(input_ids=ids, attention_mask=torch.ones_like(ids)))
    return normalize_rows(out.float().numpy())


def int8_everything(model):
    import warnings

    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def text_p50_ms(model, ids: list[int], repeats: int = 7) -> float:
    import torch

    from photoclip.core.embed.clip_hf import _pooled

    input_ids = torch.tensor([ids])
    mask = torch.ones_like(input_ids)
    times = []
    with torch.inference_mode():
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            _pooled(model.get_text_features(input_ids=input_ids, attention_mask=mask))
            times.append(time.perf_counter() - t0)
    return statistics.median(times[1:]) * 1000


def run(batch: int, seconds: float, thread_counts: list[int]) -> list[Row]:
    import copy

    import torch

    from photoclip.core.embed.clip_hf import apply_backend, cpu_has_native_bf16

    fp32 = build_fp32_model()
    rng = np.random.default_rng(0)
    pixels = torch.from_numpy(rng.standard_normal((batch, 3, 224, 224), dtype=np.float32))
    prompts = torch.from_numpy(rng.integers(1, 49405, (32, 12)))
    prompts[:, 0], prompts[:, -1] = 49406, 49407
    padded77 = SHORT_QUERY_IDS[:-1] + [49407] * (77 - len(SHORT_QUERY_IDS) + 1)
    models = {"fp32": fp32, "int8-all": int8_everything(fp32)}
    for name in BACKENDS[1:]:
        models[name], actual = apply_backend(copy.deepcopy(fp32), name, "cpu")
        assert actual == name, f"{name} unavailable (got {actual})"
    dtypes = {"bf16": torch.bfloat16}
    torch.set_num_threads(thread_counts[0])
    reference = image_features(fp32, pixels, torch.float32)
    text_reference = text_features(fp32, prompts)
    cosines: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows = []
    for i, threads in enumerate(thread_counts):
        torch.set_num_threads(threads)
        for name in VARIANTS:
            if i > 0 and (name == "int8-all" or (name == "bf16" and not cpu_has_native_bf16())):
                continue  # emulated bf16 is ~10x slower than fp32; one thread count shows that
            model, dtype = models[name], dtypes.get(name, torch.float32)
            if name not in cosines:  # the image pass doubles as the warm-up
                cosines[name] = (np.sum(image_features(model, pixels, dtype) * reference, axis=1),
                                 np.sum(text_features(model, prompts) * text_reference, axis=1))
            else:
                image_features(model, pixels[:2], dtype)  # warm-up at this thread count
            ips, ipcpu = time_images(model, pixels, dtype, seconds)
            cos, text_cos = cosines[name]
            rows.append(Row(name, threads, ips, ipcpu, float(cos.mean()), float(cos.min()), float(text_cos.min()),
                            text_p50_ms(model, SHORT_QUERY_IDS), text_p50_ms(model, padded77, repeats=3)))
            print(f"  measured {name} x{threads}", file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[Row], batch: int) -> str:
    lines = [
        "| backend | torch threads | img/s (wall) | img per CPU-s | ×fp32 | image cos vs fp32 mean / min "
        "| text cos min | text 7 tok p50 ms | text 77 tok p50 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    base = {r.threads: r.img_per_s for r in rows if r.backend == "fp32"}
    for r in rows:
        lines.append(
            f"| {r.backend} | {r.threads} | {r.img_per_s:.1f} | {r.img_per_cpu_s:.1f} | "
            f"{r.img_per_s / base[r.threads]:.2f} | {r.cos_mean:.5f} / {r.cos_min:.5f} | {r.text_cos_min:.5f} | "
            f"{r.text_p50_ms:.1f} | {r.text77_p50_ms:.1f} |"
        )
    return "\n".join(lines) + (
        f"\n\nbatch {batch}, 224×224, ViT-B/32 geometry, RANDOM weights (speed and numerics only). "
        "int8 = photoclip's backend (image tower int8, text fp32); int8-all also quantises the text tower, "
        "for comparison. Text cosines: 32 random 12-token prompts."
    )


def machine() -> str:
    import torch

    from photoclip.core.embed.clip_hf import cpu_has_native_bf16

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} "
            f"({torch.backends.cpu.get_cpu_capability()}), native bf16: {cpu_has_native_bf16()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=4.0, help="timed seconds per backend and thread count")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = run(args.batch, args.seconds, args.threads)
    print(f"{machine()}\n")
    print(markdown(rows, args.batch))
    fastest = max((r for r in rows if r.threads == args.threads[0] and r.backend in BACKENDS
                   and min(r.cos_min, r.text_cos_min) >= 0.999),
                  key=lambda r: r.img_per_s)
    fp32 = next(r for r in rows if r.threads == args.threads[0] and r.backend == "fp32")
    print(f"\nfastest with cos >= 0.999 at {args.threads[0]} thread(s): {fastest.backend}, "
          f"{fastest.img_per_s / fp32.img_per_s:.2f}x fp32; total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
