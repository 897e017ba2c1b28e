"""Every catalog model at its REAL GEOMETRY with RANDOM WEIGHTS: speed on this machine, NEVER search quality.

Each model's config (sizes copied from its hub config.json, named in a comment) is built in memory with random
weights, saved with ``save_pretrained`` (sharded safetensors above 2 GB, as the big hub models are) into a
temporary folder with a tokenizer, and loaded through photoclip's own path (``ClipEmbedder.load`` /
``OpenVinoEmbedder.load``), so loading, preprocessing, tokenising and the backends are what a download gets.
Measured per model, backend and thread count:

* image tower images/s (a batch of prepared 12 MP JPEGs; wall clock and per CPU-second, the steadier one on a
  shared machine),
* text query latency p50 (one short query, the family's own padding: SigLIP pads to 64, CLIP/AltCLIP do not),
* load time (the first OpenVINO load includes conversion, the first int8 load NNCF quantisation),
* for the base models, photos/s end to end through ``Library.index_folders`` on 12 MP JPEGs.

The weights are random, so these numbers say how fast a model runs, nothing about how well it finds photos.
Published quality figures must never be taken from here. int8 speed does not depend on the weights' values
(dynamic and static int8 run the same kernels), so it is measured honestly; its agreement with fp32 is not.

    .venv/bin/python -m benchmarks.model_families [--models ID ...] [--backends fp32 bf16 int8 openvino-fp32 ...]
        [--threads 1 2] [--seconds 4] [--photos 48] [--device cpu|cuda] [--json PATH]

Base models get every backend at every thread count and the end-to-end figure; large ones get the first thread
count only (the app's default on 2 cores is 1), and ViT-bigG/14 only torch bf16 and fp32 at batch 1: each is
printed with its reason. A backend that would not fit in the memory available now is skipped, with the numbers.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import shutil
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.backends_end_to_end import pipeline_speed
from benchmarks.indexing import CACHE, VOCAB_GZ, camera_photos
from photoclip.core.imaging.decode import decode_photo

BANNER = ("RANDOM WEIGHTS - SPEED ONLY. Real geometry, random values: these figures say how fast each model runs "
          "on this machine and NOTHING about search quality.")
QUERY = "a dog on the beach"
TORCH_BACKENDS = ("fp32", "bf16", "int8")
OPENVINO_BACKENDS = ("openvino-fp32", "openvino-bf16", "openvino-int8")
CUDA_BACKENDS = ("fp16", "fp32")
FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
GB = 1024**3


# --- the catalog's geometries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Geometry:
    hub_id: str
    family: str  # "clip", "siglip2", "altclip"
    #: "base": all backends, all thread counts, end to end; "large": first thread count; "huge": torch only.
    tier: str
    text: dict
    vision: dict
    projection_dim: int | None = None
    #: Image batch of the timed runs (the app uses 16; big towers are already big matmuls at batch 1).
    batch: int = 16


def _clip_text(hidden: int, intermediate: int, layers: int, heads: int, act: str) -> dict:
    return {"vocab_size": 49408, "hidden_size": hidden, "intermediate_size": intermediate,
            "num_hidden_layers": layers, "num_attention_heads": heads, "max_position_embeddings": 77,
            "hidden_act": act, "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1}


def _vit(hidden: int, intermediate: int, layers: int, heads: int, patch: int, size: int, act: str) -> dict:
    return {"hidden_size": hidden, "intermediate_size": intermediate, "num_hidden_layers": layers,
            "num_attention_heads": heads, "patch_size": patch, "image_size": size, "hidden_act": act}


def _siglip2_text(hidden: int, intermediate: int, layers: int, heads: int) -> dict:
    # Gemma vocabulary (256k) and 64 positions in every SigLIP 2 checkpoint; pad 0, eos 1, bos 2
    return {"vocab_size": 256000, "hidden_size": hidden, "intermediate_size": intermediate,
            "num_hidden_layers": layers, "num_attention_heads": heads, "max_position_embeddings": 64,
            "hidden_act": "gelu_pytorch_tanh", "pad_token_id": 0, "eos_token_id": 1, "bos_token_id": 2}


def _siglip2_vision(hidden: int, intermediate: int, layers: int, heads: int, patch: int, size: int) -> dict:
    return _vit(hidden, intermediate, layers, heads, patch, size, "gelu_pytorch_tanh")


CATALOG: tuple[Geometry, ...] = (
    # openai/clip-vit-base-patch32 (config.json: text 512/2048/12/8, vision 768/3072/12/12 p32 224, proj 512)
    Geometry("openai/clip-vit-base-patch32", "clip", "base", _clip_text(512, 2048, 12, 8, "quick_gelu"),
             _vit(768, 3072, 12, 12, 32, 224, "quick_gelu"), projection_dim=512),
    # google/siglip2-base-patch32-256 (text and vision 768/3072/12/12, p32 256, vocab 256000, 64 positions)
    Geometry("google/siglip2-base-patch32-256", "siglip2", "base", _siglip2_text(768, 3072, 12, 12),
             _siglip2_vision(768, 3072, 12, 12, 32, 256)),
    # google/siglip2-base-patch16-224 (text and vision 768/3072/12/12, p16 224, vocab 256000, 64 positions)
    Geometry("google/siglip2-base-patch16-224", "siglip2", "base", _siglip2_text(768, 3072, 12, 12),
             _siglip2_vision(768, 3072, 12, 12, 16, 224)),
    # openai/clip-vit-large-patch14 (text 768/3072/12/12, vision 1024/4096/24/16 p14 224, proj 768)
    Geometry("openai/clip-vit-large-patch14", "clip", "large", _clip_text(768, 3072, 12, 12, "quick_gelu"),
             _vit(1024, 4096, 24, 16, 14, 224, "quick_gelu"), projection_dim=768, batch=2),
    # google/siglip2-large-patch16-256 (text and vision 1024/4096/24/16, p16 256)
    Geometry("google/siglip2-large-patch16-256", "siglip2", "large", _siglip2_text(1024, 4096, 24, 16),
             _siglip2_vision(1024, 4096, 24, 16, 16, 256), batch=2),
    # BAAI/AltCLIP (XLM-R large text: vocab 250002, 1024/4096/24/16, 514 positions, project_dim 768;
    # vision = CLIP ViT-L/14 1024/4096/24/16 p14 224; projection 768)
    Geometry("BAAI/AltCLIP", "altclip", "large",
             {"vocab_size": 250002, "hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24,
              "num_attention_heads": 16, "max_position_embeddings": 514, "type_vocab_size": 1,
              "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2, "project_dim": 768, "hidden_act": "gelu"},
             _vit(1024, 4096, 24, 16, 14, 224, "quick_gelu"), projection_dim=768, batch=2),
    # laion/CLIP-ViT-H-14-laion2B-s32B-b79K (text 1024/4096/24/16, vision 1280/5120/32/16 p14 224, proj 1024)
    Geometry("laion/CLIP-ViT-H-14-laion2B-s32B-b79K", "clip", "large", _clip_text(1024, 4096, 24, 16, "gelu"),
             _vit(1280, 5120, 32, 16, 14, 224, "gelu"), projection_dim=1024, batch=1),
    # google/siglip2-so400m-patch16-384 (text and vision 1152/4304/27/16, p16 384)
    Geometry("google/siglip2-so400m-patch16-384", "siglip2", "large", _siglip2_text(1152, 4304, 27, 16),
             _siglip2_vision(1152, 4304, 27, 16, 16, 384), batch=1),
    # laion/CLIP-ViT-bigG-14-laion2B-39B-b160k (text 1280/5120/32/20, vision 1664/8192/48/16 p14 224, proj 1280)
    Geometry("laion/CLIP-ViT-bigG-14-laion2B-39B-b160k", "clip", "huge", _clip_text(1280, 5120, 32, 20, "gelu"),
             _vit(1664, 8192, 48, 16, 14, 224, "gelu"), projection_dim=1280, batch=1),
)
BY_ID = {g.hub_id: g for g in CATALOG}


# --- building a random model in the hub's layout ----------------------------------------------------------


def build_folder(geo: Geometry, folder: Path) -> dict:
    """Random ``geo`` saved into ``folder`` as the hub has it; returns parameter counts and seconds taken."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    torch.manual_seed(0)
    model = {"clip": _build_clip, "siglip2": _build_siglip2, "altclip": _build_altclip}[geo.family](geo, folder)
    image = sum(p.numel() for n, p in model.named_parameters() if n.startswith(("vision_model.", "visual_")))
    total = sum(p.numel() for p in model.parameters())
    built = time.perf_counter() - started
    # Sharded above 2 GB, like the hub's big checkpoints (and it bounds save_pretrained's extra memory).
    model.save_pretrained(folder, safe_serialization=True, max_shard_size="2GB")
    del model
    gc.collect()
    return {"params_image_m": round(image / 1e6, 1), "params_text_m": round((total - image) / 1e6, 1),
            "params_total_m": round(total / 1e6, 1), "fp32_gb": round(total * 4 / GB, 2),
            "build_s": round(built, 1), "save_s": round(time.perf_counter() - started - built, 1)}


def _build_clip(geo: Geometry, folder: Path):
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    from photoclip.testing.clip_vocab import write_vocab_files

    vocab, merges = write_vocab_files(VOCAB_GZ, folder)  # the real CLIP BPE (49,408 tokens)
    tokenizer = CLIPTokenizer(str(vocab), str(merges))
    tokenizer.model_max_length = 77
    tokenizer.save_pretrained(folder)
    CLIPImageProcessor().save_pretrained(folder)  # 224 shortest edge + centre crop, as the hub's
    config = CLIPConfig(text_config=geo.text, vision_config=geo.vision, projection_dim=geo.projection_dim)
    return CLIPModel(config).eval()


def _build_siglip2(geo: Geometry, folder: Path):
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel

    from photoclip.testing.tiny_families import _set_json, gemma_tokenizer

    # A small Gemma-style tokenizer: its ids fit the real 256k embedding table, whose size is what costs.
    tokenizer = gemma_tokenizer()
    tokenizer.model_max_length = 64
    tokenizer.save_pretrained(folder)
    _set_json(folder / "tokenizer_config.json", tokenizer_class="GemmaTokenizer")
    size = geo.vision["image_size"]
    SiglipImageProcessor(size={"height": size, "width": size}).save_pretrained(folder)
    return SiglipModel(SiglipConfig(text_config=geo.text, vision_config=geo.vision)).eval()


def _build_altclip(geo: Geometry, folder: Path):
    from transformers import AltCLIPConfig, AltCLIPModel, CLIPImageProcessor

    from photoclip.testing.tiny_families import xlmr_tokenizer

    # A small XLM-R tokenizer: its ids fit the real 250,002-token embedding table.
    tokenizer = xlmr_tokenizer()
    tokenizer.model_max_length = 512
    tokenizer.save_pretrained(folder)
    CLIPImageProcessor().save_pretrained(folder)
    config = AltCLIPConfig(text_config=geo.text, vision_config=geo.vision, projection_dim=geo.projection_dim)
    return AltCLIPModel(config).eval()


# --- the machine ------------------------------------------------------------------------------------------


def cpu_info() -> dict:
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
            if key.strip() == "flags":
                break
    except OSError:
        pass
    flags = set(fields.get("flags", "").split())
    return {"name": fields.get("model name", platform.processor() or "unknown"),
            "vendor": fields.get("vendor_id", ""), "family": fields.get("cpu family", ""),
            "model": fields.get("model", ""), "cores": os.cpu_count(),
            "flags": {f: f in flags for f in FLAGS}}


def cpu_short_name(cpu: dict) -> str:
    """A file-name-safe name that tells this repo's machines apart (AMD's model names do not: "AMD EPYC")."""
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"\(.*?\)|processor|cpu|@.*", "", cpu["name"].lower())).strip("-")
    if cpu["vendor"] == "AuthenticAMD" and cpu["family"].isdigit():
        zen = {23: "zen2", 25: "zen3-4", 26: "zen5"}.get(int(cpu["family"]))
        slug += f"-{zen}" if zen else f"-fam{cpu['family']}"
    return slug or "unknown-cpu"


def mem_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 62


def memory_needed(backend: str, fp32_bytes: int) -> int:
    """Rough peak RAM of loading ``backend``: fp32 is loaded first for every backend; int8 copies the model
    (quantize_dynamic is not in place); OpenVINO conversion holds the torch model, the traced graph and the IR."""
    factor = 3.0 if backend.startswith("openvino") else 2.2 if backend == "int8" else 1.3
    return int(fp32_bytes * factor) + GB // 2


def build_memory(geo: Geometry) -> int:
    """Peak RAM of building ``geo``: the fp32 model plus one 2 GB shard being serialised, from the config's
    shapes alone (the model is not built to find out)."""
    import torch
    from transformers import AltCLIPConfig, AltCLIPModel, CLIPConfig, CLIPModel, SiglipConfig, SiglipModel

    config = {"clip": lambda: CLIPConfig(text_config=geo.text, vision_config=geo.vision,
                                         projection_dim=geo.projection_dim),
              "siglip2": lambda: SiglipConfig(text_config=geo.text, vision_config=geo.vision),
              "altclip": lambda: AltCLIPConfig(text_config=geo.text, vision_config=geo.vision,
                                               projection_dim=geo.projection_dim)}[geo.family]()
    model_class = {"clip": CLIPModel, "siglip2": SiglipModel, "altclip": AltCLIPModel}[geo.family]
    with torch.device("meta"):
        params = sum(p.numel() for p in model_class(config).parameters())
    return int(params * 4 * 1.1) + 2 * GB + GB // 2


def versions() -> dict:
    import torch
    import transformers

    found = {"python": platform.python_version(), "torch": torch.__version__,
             "transformers": transformers.__version__}
    try:
        from photoclip.core.embed.openvino_ir import import_openvino

        found["openvino"] = import_openvino().get_version()
        import nncf

        found["nncf"] = nncf.__version__
    except ImportError:
        pass
    return found


# --- measuring ----------------------------------------------------------------------------------------------


@dataclass
class Row:
    model: str
    backend: str
    threads: int
    batch: int
    images_per_s: float
    images_per_cpu_s: float
    text_ms_p50: float
    load_s: float
    load_includes: str
    load_avg_1min: float


@dataclass
class Report:
    cpu: dict
    device: str
    threads: list[int]
    seconds: float
    load_avg_at_start: list[float]
    versions: dict
    note: str = BANNER
    models: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    e2e: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def skip(self, model: str, what: str, reason: str) -> None:
        self.skipped.append({"model": model, "what": what, "reason": reason})
        print(f"  SKIP {what}: {reason}", flush=True)

    def to_json(self) -> dict:
        data = asdict(self)
        data["summary"] = self.summary()
        return data

    def summary(self) -> dict:
        """Per model, the fastest backend at the lowest thread count measured (what `model list` may show)."""
        out = {}
        for model in self.models:
            rows = [r for r in self.rows if r.model == model]
            if not rows:
                continue
            threads = min(r.threads for r in rows)
            best = max((r for r in rows if r.threads == threads), key=lambda r: r.images_per_s)
            out[model] = {"threads": threads, "fastest_backend": best.backend,
                          "images_per_s": best.images_per_s, "text_ms_p50": best.text_ms_p50,
                          "device": self.device, "weights": "random (speed only)"}
        return out


def time_images(embedder, pixels: np.ndarray, batch: int, seconds: float) -> tuple[float, float]:
    """(images/s by wall clock, images per CPU-second) over at least one batch after a warm-up batch of the
    same shape (OpenVINO compiles its kernels per shape on first use)."""
    chunk = pixels[:batch]
    embedder.embed_prepared(chunk)
    done = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while done == 0 or time.perf_counter() - wall0 < seconds:
        embedder.embed_prepared(chunk)
        done += len(chunk)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return done / wall, done / max(cpu, 1e-9)


def text_p50_ms(embedder, seconds: float) -> float:
    """p50 of one short query embedded anew, 5 to 21 runs after two warm-up ones."""
    for _ in range(2):
        embedder.embed_texts([QUERY])
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < 5 or (len(times) < 21 and time.perf_counter() - started < seconds):
        t = time.perf_counter()
        embedder.embed_texts([QUERY])
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def model_id(folder: Path) -> str:
    return f"bench-{folder.name}@random"


def load_embedder(folder: Path, backend: str, threads: int, device: str, cache: Path,
                  calibration: np.ndarray | None):
    """The app's own loading path; OpenVINO converts (and quantises on ``calibration``) into ``cache`` once."""
    if backend.startswith("openvino"):
        from photoclip.core.embed.openvino_backend import OpenVinoEmbedder

        return OpenVinoEmbedder.load(folder, model_id=model_id(folder), precision=backend.split("-", 1)[1],
                                     cache_root=cache, threads=threads, calibration=calibration)
    from photoclip.core.embed.clip_hf import ClipEmbedder

    return ClipEmbedder.load(folder, model_id=model_id(folder), backend=backend, device=device, threads=threads)


def prepared_photos(folder: Path, files: list[Path]) -> np.ndarray:
    """The model's own preprocessing of real 12 MP JPEGs (draft decode at the model's input size)."""
    from photoclip.core.embed.clip_hf import load_preprocess

    preprocess = load_preprocess(folder)
    return np.stack([preprocess(decode_photo(p.read_bytes(), min_side=preprocess.size).image) for p in files])


def photo_folder(n: int) -> Path:
    """``n`` 4000×3000 JPEGs in a folder of their own (the pipeline indexes a whole folder)."""
    source = camera_photos(n, (4000, 3000))
    folder = CACHE / f"families-photos-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.jpg"))[:n]:
        target = folder / path.name
        if not target.exists():
            shutil.copyfile(path, target)
    return folder


# --- one model ----------------------------------------------------------------------------------------------


def plan(geo: Geometry, args: argparse.Namespace, report: Report) -> tuple[list[str], list[int]]:
    """The backends and thread counts measured for ``geo``; what is left out is reported with its reason."""
    from photoclip.core.embed.clip_hf import cpu_has_native_bf16
    from photoclip.core.embed.openvino_ir import openvino_available

    if args.device != "cpu":
        backends = list(args.backends or CUDA_BACKENDS)
        for b in [b for b in backends if b == "int8" or b.startswith("openvino")]:
            report.skip(geo.hub_id, b, "runs on the CPU only")
            backends.remove(b)
        return backends, args.threads[:1]
    explicit = args.backends is not None
    backends = list(args.backends or (*TORCH_BACKENDS, *OPENVINO_BACKENDS))
    threads = list(args.threads)
    if geo.tier != "base" and len(threads) > 1 and not args.all_threads:
        report.skip(geo.hub_id, f"threads {threads[1:]}", f"{geo.tier} model: measured at {threads[0]} thread(s) "
                    "only to keep the run short (the app's default on 2 cores is 1; --all-threads adds them)")
        threads = threads[:1]
    if geo.tier == "huge" and not explicit:
        for b in [b for b in backends if b not in ("bf16", "fp32")]:
            report.skip(geo.hub_id, b, "~2.5 B parameters: only torch bf16 and fp32 at batch 1 (each image takes "
                        "seconds; int8 copies the 10 GB model; OpenVINO conversion would need ~30 GB of memory)")
            backends.remove(b)
    if not cpu_has_native_bf16() and not explicit:
        for b in [b for b in backends if b.endswith("bf16")]:
            report.skip(geo.hub_id, b, "no native bf16 on this CPU (torch emulates it ~10x slower than fp32; "
                        "OpenVINO would run fp32)")
            backends.remove(b)
    if not openvino_available():
        for b in [b for b in backends if b.startswith("openvino")]:
            report.skip(geo.hub_id, b, "openvino is not installed")
            backends.remove(b)
    return backends, threads


def measure_model(geo: Geometry, args: argparse.Namespace, report: Report, files: list[Path],
                  photos: Path | None) -> None:
    print(f"\n== {geo.hub_id} ({geo.family}, {geo.tier}) ==", flush=True)
    backends, threads = plan(geo, args, report)
    if not backends:
        return
    need, free = build_memory(geo), mem_available()
    if need > free:
        report.skip(geo.hub_id, "everything", f"building it needs ~{need / GB:.1f} GB of memory, "
                    f"{free / GB:.1f} GB available now")
        return
    with tempfile.TemporaryDirectory(prefix="photoclip-families-", dir=args.tmp) as tmp:
        folder = Path(tmp) / re.sub(r"[^A-Za-z0-9.-]+", "_", geo.hub_id)
        info = build_folder(geo, folder)
        # a GPU is latency-bound at batch 1-2: give it the app's batch of 16
        batch = args.batch or (max(16, geo.batch) if args.device != "cpu" else geo.batch)
        info.update(tier=geo.tier, family=geo.family, batch=batch,
                    image_size=geo.vision["image_size"], patch=geo.vision["patch_size"])
        report.models[geo.hub_id] = info
        print(f"  params image {info['params_image_m']} M + text {info['params_text_m']} M = "
              f"{info['params_total_m']} M ({info['fp32_gb']} GB fp32); built {info['build_s']} s, "
              f"saved {info['save_s']} s", flush=True)
        pixels = prepared_photos(folder, files)
        batch = min(batch, len(pixels))
        calibration = pixels[: (16 if geo.tier == "base" else 8)]
        cache = Path(tmp) / "cache"
        best: dict[int, dict[str, tuple[float, str]]] = {}
        for t in threads:
            for backend in backends:
                row = measure_one(geo, folder, backend, t, batch, args, report, cache, pixels, calibration)
                if row is not None:
                    kind = "openvino" if backend.startswith("openvino") else "torch"
                    if row.images_per_s > best.setdefault(t, {}).get(kind, (0.0, ""))[0]:
                        best[t][kind] = (row.images_per_s, backend)
        if geo.tier == "base" and photos is not None:
            for t in threads:
                for _, backend in sorted(best.get(t, {}).values(), reverse=True):
                    measure_e2e(geo, folder, backend, t, args, report, cache, calibration, photos)
        write_json(report, args.json)


def measure_one(geo, folder, backend, threads, batch, args, report, cache, pixels, calibration) -> Row | None:
    fp32_bytes = int(report.models[geo.hub_id]["fp32_gb"] * GB)
    need, free = memory_needed(backend, fp32_bytes), mem_available()
    if need > free:
        report.skip(geo.hub_id, f"{backend} x{threads}", f"needs ~{need / GB:.1f} GB of memory, "
                    f"{free / GB:.1f} GB available now")
        return None
    from photoclip.core.embed import openvino_ir as ir

    includes = ""
    if backend.startswith("openvino") and not ir.is_cached(ir.cache_dir(cache, model_id(folder), "fp32")):
        includes = "OpenVINO conversion"
    if backend == "openvino-int8" and not ir.is_cached(ir.cache_dir(cache, model_id(folder), "int8")):
        includes = (includes + " + " if includes else "") + f"int8 quantisation ({len(calibration)} photos)"
    started = time.perf_counter()
    try:
        embedder = load_embedder(folder, backend, threads, args.device, cache, calibration)
    except Exception as exc:  # a family that fails on a backend is a finding, not the end of the run
        report.skip(geo.hub_id, f"{backend} x{threads}", f"load failed: {type(exc).__name__}: {exc}"[:400])
        return None
    load_s = time.perf_counter() - started
    if embedder.backend != backend:
        report.skip(geo.hub_id, f"{backend} x{threads}", f"fell back to {embedder.backend}")
        del embedder
        gc.collect()
        return None
    try:
        ips, ips_cpu = time_images(embedder, pixels, batch, args.seconds)
        text_ms = text_p50_ms(embedder, args.seconds / 2)
    except Exception as exc:
        report.skip(geo.hub_id, f"{backend} x{threads}", f"run failed: {type(exc).__name__}: {exc}"[:400])
        return None
    finally:
        del embedder
        gc.collect()
    row = Row(geo.hub_id, backend, threads, batch, round(ips, 2), round(ips_cpu, 2), round(text_ms, 1),
              round(load_s, 1), includes, round(os.getloadavg()[0], 2))
    report.rows.append(row)
    print(f"  {backend:14} x{threads}  {ips:7.2f} img/s  {ips_cpu:7.2f} img/CPU-s  text p50 {text_ms:7.1f} ms  "
          f"load {load_s:5.1f} s{' (' + includes + ')' if includes else ''}  load avg {row.load_avg_1min}",
          flush=True)
    return row


def measure_e2e(geo, folder, backend, threads, args, report, cache, calibration, photos: Path) -> None:
    embedder = None
    try:
        embedder = load_embedder(folder, backend, threads, args.device, cache, calibration)
        pps = pipeline_speed(embedder, photos, args.workers, "threads")
    except Exception as exc:
        report.skip(geo.hub_id, f"end to end {backend} x{threads}", f"{type(exc).__name__}: {exc}"[:400])
        return
    finally:
        del embedder
        gc.collect()
    report.e2e.append({"model": geo.hub_id, "backend": backend, "threads": threads, "decode_workers": args.workers,
                       "photos": len(list(photos.glob("*.jpg"))), "photos_per_s": round(pps, 2),
                       "load_avg_1min": round(os.getloadavg()[0], 2)})
    print(f"  end to end {backend:14} x{threads} + {args.workers} decode worker(s): {pps:6.2f} photos/s", flush=True)


# --- output -------------------------------------------------------------------------------------------------


def write_json(report: Report, path: Path | None) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.to_json(), indent=1) + "\n", encoding="utf-8")


def print_tables(report: Report) -> None:
    print(f"\n**{BANNER}**\n")
    print("| model | params image + text (M) | backend | threads | batch | images/s | images per CPU-s "
          "| text query p50 ms | load s | load avg |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in report.rows:
        info = report.models[r.model]
        note = f" ({r.load_includes})" if r.load_includes else ""
        print(f"| {r.model} | {info['params_image_m']:.0f} + {info['params_text_m']:.0f} | {r.backend} | "
              f"{r.threads} | {r.batch} | {r.images_per_s:.2f} | {r.images_per_cpu_s:.2f} | {r.text_ms_p50:.0f} | "
              f"{r.load_s:.0f}{note} | {r.load_avg_1min:.1f} |")
    if report.e2e:
        print("\n| model | backend | model threads | decode workers | photos/s end to end (12 MP JPEGs) "
              "| load avg |")
        print("|---|---|---|---|---|---|")
        for e in report.e2e:
            print(f"| {e['model']} | {e['backend']} | {e['threads']} | {e['decode_workers']} | "
                  f"{e['photos_per_s']:.2f} | {e['load_avg_1min']:.1f} |")
    if report.skipped:
        print("\nNot measured:")
        for s in report.skipped:
            print(f"- {s['model']}, {s['what']}: {s['reason']}")


def header(report: Report) -> None:
    cpu = report.cpu
    flags = " ".join(f"{f}{'+' if on else '-'}" for f, on in cpu["flags"].items())
    print(BANNER)
    print(f"CPU: {cpu['name']} (vendor {cpu['vendor']}, family {cpu['family']}, model {cpu['model']}), "
          f"{cpu['cores']} logical cores; short name {cpu_short_name(cpu)}")
    print(f"flags: {flags}")
    print(f"device {report.device}; threads {report.threads}; load average at start "
          f"{' / '.join(f'{v:.2f}' for v in report.load_avg_at_start)} (1/5/15 min); "
          f"memory available {mem_available() / GB:.1f} GB")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in report.versions.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=list(BY_ID), metavar="HUB_ID",
                        help=f"subset of: {', '.join(BY_ID)}")
    parser.add_argument("--backends", nargs="+", choices=[*TORCH_BACKENDS, "fp16", *OPENVINO_BACKENDS],
                        help="default: every CPU backend (cuda: fp16 fp32); naming them also lifts the per-tier "
                        "defaults (bigG's torch-only, no-native-bf16 skips)")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="model threads (default 1 2)")
    parser.add_argument("--all-threads", action="store_true", help="every thread count for large models too")
    parser.add_argument("--seconds", type=float, default=4.0, help="timed image loop per setting (>= 1 batch)")
    parser.add_argument("--batch", type=int, help="image batch (default on a CPU: 16 base, 2 or 1 large; GPU 16)")
    parser.add_argument("--photos", type=int, default=48, help="12 MP JPEGs indexed end to end (base models)")
    parser.add_argument("--workers", type=int, default=1, help="decode workers end to end")
    parser.add_argument("--no-e2e", action="store_true", help="skip the end-to-end runs")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--tmp", default=None, help="where the temporary model folders go (need up to ~12 GB)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # its progress bars and notices would bury the figures
    hf_logging.disable_progress_bar()
    report = Report(cpu=cpu_info(), device=args.device, threads=args.threads, seconds=args.seconds,
                    load_avg_at_start=[round(v, 2) for v in os.getloadavg()], versions=versions())
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            parser.error("--device cuda: this torch sees no CUDA device")
        report.device = f"cuda ({torch.cuda.get_device_name(0)})"
    header(report)
    models = [BY_ID[m] for m in (args.models or BY_ID)]
    # 16 photos: the timed batches and int8's calibration (the app calibrates on 16 of the library's photos)
    files = sorted(photo_folder(16).glob("*.jpg"))
    e2e_photos = None if args.no_e2e else photo_folder(args.photos)
    started = time.perf_counter()
    for geo in models:
        measure_model(geo, args, report, files, e2e_photos)
    print(f"\nran {(time.perf_counter() - started) / 60:.1f} min; load average at end "
          f"{' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    write_json(report, args.json)
    print_tables(report)


if __name__ == "__main__":
    main()
