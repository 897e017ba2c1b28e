"""Turn OpenAI's ``bpe_simple_vocab_16e6.txt.gz`` into the hub's ``vocab.json`` + ``merges.txt``.

The construction mirrors ``clip/simple_tokenizer.py`` (SimpleTokenizer.__init__) line for line, so the ids
match OpenAI's reference tokenizer: 256 byte characters, the same with ``</w>``, 48,894 merged tokens, then
``<|startoftext|>`` (49406) and ``<|endoftext|>`` (49407) — 49,408 entries.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

VOCAB_SIZE = 49_408
N_MERGES = 49152 - 256 - 2  # SimpleTokenizer keeps merges[1 : 49152-256-2+1]


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """OpenAI/GPT-2's reversible byte -> printable unicode character table."""
    bs = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    cs = bs[:]
    n = 0
    for b in range(2**8):
        if b not in bs:
            bs.append(b)
            cs.append(2**8 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs), strict=True))


def load_merges(bpe_gz: Path) -> list[tuple[str, str]]:
    with gzip.open(bpe_gz) as f:
        lines = f.read().decode("utf-8").split("\n")
    merges = lines[1 : N_MERGES + 1]  # line 0 is a version header
    return [tuple(line.split()) for line in merges]  # type: ignore[misc]


def build_vocab(merges: list[tuple[str, str]]) -> dict[str, int]:
    tokens = list(bytes_to_unicode().values())
    tokens = tokens + [t + "</w>" for t in tokens]
    tokens.extend("".join(m) for m in merges)
    tokens.extend(["<|startoftext|>", "<|endoftext|>"])
    return {tok: i for i, tok in enumerate(tokens)}


def write_vocab_files(bpe_gz: Path, folder: Path) -> tuple[Path, Path]:
    """Write ``vocab.json`` and ``merges.txt`` (hub format, with its ``#version`` header) into ``folder``."""
    merges = load_merges(bpe_gz)
    vocab = build_vocab(merges)
    if len(vocab) != VOCAB_SIZE:
        raise ValueError(f"expected {VOCAB_SIZE} vocabulary entries, built {len(vocab)}")
    folder.mkdir(parents=True, exist_ok=True)
    vocab_path = folder / "vocab.json"
    merges_path = folder / "merges.txt"
    vocab_path.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    merges_path.write_text("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n", encoding="utf-8")
    return vocab_path, merges_path
