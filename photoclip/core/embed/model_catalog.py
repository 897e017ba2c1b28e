"""The curated model catalog: models photoclip knows and recommends, with their published quality and licences.

Quality figures are as published (the source is named per entry), never measured by photoclip: its tests and
benchmarks use random weights. Speeds on *this* computer come from what photoclip measured here (``auto``'s race
and ``benchmarks/model_families.py``), when it has. Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CLIP_TABLES = "OpenCLIP's zero-shot results tables (openclip_results.csv)"
SIGLIP2_PAPER = "SigLIP 2 paper (Tschannen et al. 2025, arXiv:2502.14786), Table 1"
LAION_CARD = "the model's card on the Hugging Face hub (LAION)"


@dataclass(frozen=True)
class Quality:
    imagenet_top1: float | None
    coco_t2i_r1: float | None
    source: str


@dataclass(frozen=True)
class CatalogModel:
    hub_id: str
    family: str
    #: parameters in millions (both towers)
    params_m: int
    dim: int
    image_size: int
    max_text_tokens: int
    languages: str
    licence: str
    #: size of the safetensors download, MB
    download_mb: int
    quality: Quality
    #: "cpu": fast enough for CPU-only computers; "gpu": worth it where CUDA is present
    tier: str
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for people: family, size, languages, licence and the published quality with its source."""
        q = self.quality
        quality = ""
        if q.imagenet_top1 is not None:
            coco = f", COCO text→image R@1 {q.coco_t2i_r1}" if q.coco_t2i_r1 is not None else ""
            quality = f" · ImageNet zero-shot {q.imagenet_top1}{coco} (published: {q.source})"
        size = f"{self.download_mb / 1000:.1f} GB" if self.download_mb >= 1000 else f"{self.download_mb} MB"
        return (f"{self.family}, {self.params_m}M parameters, {size} download, {self.image_size} px, "
                f"{self.languages}, {self.licence}{quality}")


MODELS: tuple[CatalogModel, ...] = (
    CatalogModel("google/siglip2-base-patch32-256", "SigLIP 2", 377, 768, 256, 64, "multilingual", "Apache-2.0",
                 1500, Quality(74.0, 47.2, SIGLIP2_PAPER), "cpu",
                 "1.3x CLIP B/32's cost per photo on a CPU, multilingual; recommended without a GPU"),
    CatalogModel("google/siglip2-base-patch16-224", "SigLIP 2", 375, 768, 224, 64, "multilingual", "Apache-2.0",
                 1500, Quality(78.2, 52.1, SIGLIP2_PAPER), "cpu", "about 3x the image cost of B/32-256"),
    CatalogModel("google/siglip2-large-patch16-256", "SigLIP 2", 882, 1024, 256, 64, "multilingual", "Apache-2.0",
                 3530, Quality(82.5, 54.7, SIGLIP2_PAPER), "gpu"),
    CatalogModel("google/siglip2-so400m-patch16-384", "SigLIP 2", 1136, 1152, 384, 64, "multilingual",
                 "Apache-2.0", 4550, Quality(84.1, 56.0, SIGLIP2_PAPER), "gpu",
                 "the best published figures here; recommended with a GPU"),
    CatalogModel("openai/clip-vit-base-patch32", "CLIP", 151, 512, 224, 77, "English", "MIT", 605,
                 Quality(63.3, 30.4, CLIP_TABLES), "cpu", "the 2021 baseline; photoclip's default before SigLIP 2"),
    CatalogModel("openai/clip-vit-large-patch14", "CLIP", 428, 768, 224, 77, "English", "MIT", 1710,
                 Quality(75.5, 36.5, CLIP_TABLES), "gpu"),
    CatalogModel("laion/CLIP-ViT-H-14-laion2B-s32B-b79K", "CLIP", 986, 1024, 224, 77, "English", "MIT", 3940,
                 Quality(78.0, None, LAION_CARD), "gpu"),
    CatalogModel("laion/CLIP-ViT-bigG-14-laion2B-39B-b160k", "CLIP", 2540, 1280, 224, 77, "English", "MIT",
                 10200, Quality(80.1, None, LAION_CARD), "gpu", "sharded weights; needs a large GPU"),
    CatalogModel("BAAI/AltCLIP", "AltCLIP", 864, 768, 224, 77, "multilingual", "see its model card", 3460,
                 Quality(None, None, ""), "gpu", "XLM-R text tower"),
)
BY_ID = {m.hub_id: m for m in MODELS}


@dataclass(frozen=True)
class Hardware:
    """What decides the recommendation: a CUDA GPU and its memory."""

    cuda: bool = False
    gpu_memory_gb: float = 0.0


def detect_hardware() -> Hardware:
    """CUDA and its memory if torch is already imported and sees a GPU; CPU-only otherwise (never imports
    torch for this: a first run must not pay torch's start-up to show a table)."""
    import sys

    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            memory = torch.cuda.get_device_properties(0).total_memory / 2**30
            return Hardware(cuda=True, gpu_memory_gb=round(memory, 1))
    except Exception:  # a broken CUDA install: treat as CPU-only
        pass
    return _nvidia_smi_hardware()


def _nvidia_smi_hardware() -> Hardware:
    import shutil
    import subprocess

    tool = shutil.which("nvidia-smi")
    if tool is None:
        return Hardware()
    try:
        out = subprocess.run([tool, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=5, check=True).stdout
        return Hardware(cuda=True, gpu_memory_gb=round(float(out.splitlines()[0]) / 1024, 1))
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return Hardware()


def recommended(hardware: Hardware) -> CatalogModel:
    """SigLIP 2 B/32 at 256 px on CPU-only computers (1.3-1.4x CLIP B/32's cost per photo, measured, for
    +10.7 ImageNet / +16.8 COCO points as published: docs/models.md), SigLIP 2 So400m with a GPU of 8 GB or more,
    SigLIP 2 B/16 with a smaller one."""
    if hardware.cuda and hardware.gpu_memory_gb >= 8:
        return BY_ID["google/siglip2-so400m-patch16-384"]
    if hardware.cuda:
        return BY_ID["google/siglip2-base-patch16-224"]
    return BY_ID["google/siglip2-base-patch32-256"]
