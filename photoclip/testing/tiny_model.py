"""A tiny CLIP model saved in the Hugging Face hub's layout, with the real CLIP tokenizer.

Random weights (2 layers, width 64, ~3.5 M parameters, ~17 MB): good for exercising loading, preprocessing,
tokenisation and numerics exactly as a downloaded ``openai/clip-vit-base-patch32`` folder would, useless for
any claim about search quality.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from photoclip.testing.clip_vocab import VOCAB_SIZE

BOS_ID = 49406
EOS_ID = 49407
PAD_ID = 1  # what HF's openai/clip-* configs say; padding itself uses <|endoftext|> via the tokenizer


def tiny_clip_config():  # -> transformers.CLIPConfig (lazy import keeps collection torch-free)
    from transformers import CLIPConfig

    text = {
        "vocab_size": VOCAB_SIZE,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 77,
        "bos_token_id": BOS_ID,
        "eos_token_id": EOS_ID,
        "pad_token_id": PAD_ID,
    }
    vision = {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "image_size": 224,
        "patch_size": 32,
    }
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=64)


def build_tiny_clip(folder: Path, seed: int = 0, *, vocab_dir: Path | None = None) -> Path:
    """Write a tiny random CLIP model + tokenizer + image-processor config into ``folder``.

    ``vocab_dir`` holds ``vocab.json`` and ``merges.txt`` (see ``clip_vocab.write_vocab_files``); when None
    they must already be in ``folder``.
    """
    import torch
    from transformers import CLIPImageProcessor, CLIPModel, CLIPTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab_dir = vocab_dir or folder
    torch.manual_seed(seed)
    model = CLIPModel(tiny_clip_config()).eval()
    model.save_pretrained(folder, safe_serialization=True)
    # Positional on purpose: transformers 5 silently ignores vocab_file=/merges_file= keywords.
    tokenizer = CLIPTokenizer(str(vocab_dir / "vocab.json"), str(vocab_dir / "merges.txt"))
    tokenizer.model_max_length = 77
    tokenizer.save_pretrained(folder)
    for name in ("vocab.json", "merges.txt"):  # the hub's CLIP repos carry these beside tokenizer.json
        if (vocab_dir / name).resolve() != (folder / name).resolve():
            shutil.copyfile(vocab_dir / name, folder / name)
    CLIPImageProcessor().save_pretrained(folder)
    return folder


def write_bin_only_copy(src: Path, dest: Path) -> Path:
    """A copy of a model folder with ``pytorch_model.bin`` instead of safetensors (an old hub layout)."""
    import torch
    from safetensors.torch import load_file

    dest.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.suffix != ".safetensors":
            shutil.copy2(item, dest / item.name)
    torch.save(load_file(src / "model.safetensors"), dest / "pytorch_model.bin")
    return dest


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
