"""Models of REAL GEOMETRY with RANDOM WEIGHTS in the hub's layout, for speed and memory benchmarks only.

Saved once under ``/tmp/photoclip-bench`` and loaded through photoclip's own path, so loading, tokenising and
the backends are what a download gets. The weights are random: nothing here says anything about search quality.

* ``clip_b32_folder(224)``: ``openai/clip-vit-base-patch32`` (the real CLIP BPE vocabulary);
  ``clip_b32_folder(256)``: the same at 256 px, the geometry of rclip's ``ViT-B-32-256`` (DataComp) model.
* ``siglip2_b32_256_folder()``: ``google/siglip2-base-patch32-256``, photoclip's default on CPU-only machines
  (its 256k-token Gemma embedding table included; a small Gemma-style tokenizer whose ids fit it).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.indexing import CACHE, VOCAB_GZ, vit_b32_folder


def clip_b32_folder(image_size: int = 224) -> Path:
    """CLIP ViT-B/32 (``CLIPConfig()`` defaults) at ``image_size`` px, with the real tokenizer files."""
    if image_size == 224:
        return vit_b32_folder()
    folder = CACHE / f"vit-b32-{image_size}-random"
    if (folder / "model.safetensors").exists():
        return folder
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    from photoclip.testing.clip_vocab import write_vocab_files

    torch.manual_seed(0)
    vocab, merges = write_vocab_files(VOCAB_GZ, folder)
    config = CLIPConfig(vision_config={"image_size": image_size})
    CLIPModel(config).eval().save_pretrained(folder, safe_serialization=True)
    tokenizer = CLIPTokenizer(str(vocab), str(merges))
    tokenizer.model_max_length = 77
    tokenizer.save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": image_size},
                       crop_size={"height": image_size, "width": image_size}).save_pretrained(folder)
    return folder


def siglip2_b32_256_folder() -> Path:
    """SigLIP 2 B/32 at 256 px: text and vision 768/3072/12 layers/12 heads, patch 32, Gemma vocabulary of
    256,000 tokens and 64 positions (google/siglip2-base-patch32-256's config.json)."""
    folder = CACHE / "siglip2-b32-256-random"
    if (folder / "model.safetensors").exists():
        return folder
    import torch
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel

    from photoclip.testing.tiny_families import _set_json, gemma_tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    layers = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12}
    text = {**layers, "vocab_size": 256000, "max_position_embeddings": 64, "hidden_act": "gelu_pytorch_tanh",
            "pad_token_id": 0, "eos_token_id": 1, "bos_token_id": 2}
    vision = {**layers, "patch_size": 32, "image_size": 256, "hidden_act": "gelu_pytorch_tanh"}
    torch.manual_seed(0)
    SiglipModel(SiglipConfig(text_config=text, vision_config=vision)).eval().save_pretrained(
        folder, safe_serialization=True)
    tokenizer = gemma_tokenizer()
    tokenizer.model_max_length = 64
    tokenizer.save_pretrained(folder)
    _set_json(folder / "tokenizer_config.json", tokenizer_class="GemmaTokenizer")
    SiglipImageProcessor(size={"height": 256, "width": 256}).save_pretrained(folder)
    return folder


if __name__ == "__main__":
    for path in (clip_b32_folder(224), clip_b32_folder(256), siglip2_b32_256_folder()):
        print(path)
