"""Tiny random models of the other families, saved in the hub's layout (as ``tiny_model.py`` does for CLIP).

Random weights, 2 layers, width 64: they exercise loading, preprocessing, tokenisation and numerics exactly as
a downloaded ``google/siglip2-*`` or ``BAAI/AltCLIP`` folder would, and say nothing about search quality.
Their tokenizers are small ones built here in the same classes the hub's folders use (Gemma BPE with byte
fallback for SigLIP 2, a SentencePiece model for SigLIP 1, XLM-R Unigram for AltCLIP), so accents and CJK
text go through the same code paths.
"""

from __future__ import annotations

import json
from pathlib import Path

#: Words and characters the tiny vocabularies know; anything else falls back to bytes (Gemma) or <unk> (XLM-R).
_WORDS = ["a", "photo", "of", "the", "dog", "cat", "red", "sled", "kids", "on", "beach", "receipt", "from",
          "hardware", "store", "chien", "perro", "playa", "hund", "strand", "café", "naïve", "über", "straße",
          "写真", "犬", "海", "猫", "ビーチ", "sunset"]
_LETTERS = list("abcdefghijklmnopqrstuvwxyzéèêàçäöüßñ写真犬海猫ビーチ0123456789.,!'")


def _small(text: dict, vision: dict) -> tuple[dict, dict]:
    text = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, **text}
    vision = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
              "patch_size": 32, **vision}
    return text, vision


# --- SigLIP 2 (fixed resolution: SiglipModel + Gemma tokenizer) ---------------------------------------------


def gemma_tokenizer():
    """A small Gemma-style BPE tokenizer (byte fallback: any character encodes), right padding, EOS appended."""
    from tokenizers import processors
    from transformers import GemmaTokenizer

    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    vocab = {tok: i for i, tok in enumerate(specials)}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    merges: list[tuple[str, str]] = []
    for word in _WORDS:
        piece = "▁" + word
        # build each word left to right from single characters so BPE can reach it
        current = piece[0]
        for ch in piece[1:]:
            for tok in (current, ch):
                vocab.setdefault(tok, len(vocab))
            merges.append((current, ch))
            current += ch
            vocab.setdefault(current, len(vocab))
    for ch in [*_LETTERS, "▁"]:
        vocab.setdefault(ch, len(vocab))
    tokenizer = GemmaTokenizer(vocab=vocab, merges=merges)
    # SigLIP 2's tokenizer ends every text with <eos> and no <bos> (big_vision's convention)
    tokenizer._tokenizer.post_processor = processors.TemplateProcessing(
        single="$A <eos>", special_tokens=[("<eos>", vocab["<eos>"])]
    )
    tokenizer.padding_side = "right"
    return tokenizer


def build_tiny_siglip2(folder: Path, seed: int = 0, *, image_size: int = 256) -> Path:
    """A tiny random SigLIP 2 (fixed resolution) in ``folder``: SiglipModel, Gemma tokenizer, 256 px squash."""
    import torch
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = gemma_tokenizer()
    text, vision = _small({"vocab_size": len(tokenizer), "max_position_embeddings": 64, "pad_token_id": 0,
                           "eos_token_id": 1, "bos_token_id": 2}, {"image_size": image_size})
    torch.manual_seed(seed)
    SiglipModel(SiglipConfig(text_config=text, vision_config=vision)).eval().save_pretrained(
        folder, safe_serialization=True)
    tokenizer.model_max_length = 64
    tokenizer.save_pretrained(folder)
    _set_json(folder / "tokenizer_config.json", tokenizer_class="GemmaTokenizer")
    SiglipImageProcessor(size={"height": image_size, "width": image_size}).save_pretrained(folder)
    return folder


# --- SigLIP 1 (SiglipModel + SentencePiece tokenizer) --------------------------------------------------------


def build_tiny_siglip(folder: Path, seed: int = 0, *, image_size: int = 224) -> Path:
    """A tiny random SigLIP 1: SiglipModel and a SentencePiece (spiece.model) tokenizer trained here on a few
    sentences, as google/siglip-base-patch16-224 ships it (no tokenizer.json)."""
    import io

    import sentencepiece as spm
    import torch
    from transformers import SiglipConfig, SiglipImageProcessor, SiglipModel, SiglipTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    corpus = [" ".join(_WORDS[i:i + 5]) for i in range(len(_WORDS))] * 20
    model_file = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus), model_writer=model_file, vocab_size=96, model_type="unigram",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0, hard_vocab_limit=False, minloglevel=3,
    )
    (folder / "spiece.model").write_bytes(model_file.getvalue())
    tokenizer = SiglipTokenizer(str(folder / "spiece.model"), model_max_length=64)
    text, vision = _small({"vocab_size": len(tokenizer), "max_position_embeddings": 64, "pad_token_id": 0,
                           "eos_token_id": 1}, {"image_size": image_size})
    torch.manual_seed(seed)
    SiglipModel(SiglipConfig(text_config=text, vision_config=vision)).eval().save_pretrained(
        folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    SiglipImageProcessor(size={"height": image_size, "width": image_size}).save_pretrained(folder)
    return folder


# --- AltCLIP (AltCLIPModel + XLM-R tokenizer) ----------------------------------------------------------------


def xlmr_tokenizer():
    """A small XLM-R Unigram tokenizer (<s> text </s>, right padding)."""
    from transformers import XLMRobertaTokenizer

    pieces = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces += [("▁" + w, -2.0) for w in _WORDS] + [(w, -4.0) for w in _WORDS]
    pieces += [(ch, -8.0) for ch in _LETTERS] + [("▁", -6.0)]
    pieces += [("<mask>", 0.0)]
    tokenizer = XLMRobertaTokenizer(vocab=pieces)
    tokenizer.padding_side = "right"
    return tokenizer


def build_tiny_altclip(folder: Path, seed: int = 0) -> Path:
    """A tiny random AltCLIP in ``folder``: AltCLIPModel (XLM-R text tower), CLIP image processor."""
    import torch
    from transformers import AltCLIPConfig, AltCLIPModel, CLIPImageProcessor

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = xlmr_tokenizer()
    text, vision = _small({"vocab_size": len(tokenizer), "max_position_embeddings": 80, "pad_token_id": 1,
                           "project_dim": 64, "type_vocab_size": 1}, {"image_size": 224})
    torch.manual_seed(seed)
    AltCLIPModel(AltCLIPConfig(text_config=text, vision_config=vision, projection_dim=64)).eval().save_pretrained(
        folder, safe_serialization=True)
    tokenizer.model_max_length = 77
    tokenizer.save_pretrained(folder)
    CLIPImageProcessor().save_pretrained(folder)
    return folder


def _set_json(path: Path, **values: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data.update(values)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
