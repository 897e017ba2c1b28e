"""Which adaptive cutoff separates a query's matches from the rest? Measured with the deterministic colour
embedder (photoclip/core/embed/color_test_model.py) on generated libraries of pure colours and mixtures.

Ground truth for a colour query: a photo whose share of that colour is at least ``RELEVANT`` is a match, one
with none of it is not, one in between (a small patch, one stripe of four) counts neither way. Queries that
name a colour the library lacks, or no colour at all ("dog"), should give no match.

Methods (all per query, no flat cutoff):
  raw-z        robust z of the cosine over the library >= 3
  raw-z+gate   the same, and the margin over the neutral prompts > 0
  margin-z     robust z of the margin (cosine minus the neutral prompts' cosine) >= 3 and margin > 0
               (what tag suggestions and smart albums use: core/calibration.py)
  gap          above the largest gap between neighbouring sorted cosines
  knee         above the knee of the sorted cosines (the point farthest from the chord, Kneedle)

    .venv/bin/python -m benchmarks.search_cutoff
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from photoclip.core import calibration
from photoclip.core.search import compose, parse_query
from photoclip.core.tagging.labels import BACKGROUND_PROMPTS
from photoclip.testing.color_embedder import NAMES, PALETTE, ColorEmbedder

RELEVANT = 0.3
THRESHOLD = 3.0


@dataclass(frozen=True)
class Photo:
    shares: dict[str, float]  # colour -> share of the picture


def render(photo: Photo, rng: np.random.Generator) -> Image.Image:
    """Vertical bands of each colour, then a JPEG round trip (block artefacts, as in real files)."""
    width, height = 160, 120
    image = Image.new("RGB", (width, height))
    x = 0
    for colour, share in photo.shares.items():
        w = round(width * share)
        image.paste(PALETTE[colour], (x, 0, x + w, height))
        x += w
    pixels = np.asarray(image, np.int16) + rng.integers(-12, 13, (height, width, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=85)
    return Image.open(io.BytesIO(buffer.getvalue()))


def libraries() -> dict[str, list[Photo]]:
    pure = [Photo({c: 1.0}) for c in NAMES for _ in range(3)]
    pairs = [("red", "white"), ("blue", "yellow"), ("green", "black"), ("orange", "purple"), ("white", "blue")]
    mixed = [Photo({c: 1.0}) for c in NAMES[:6] for _ in range(2)]
    for a, b in pairs:
        for share in (0.5, 0.7, 0.9):
            mixed.append(Photo({a: share, b: round(1 - share, 2)}))
    mixed += [Photo({"red": 0.25, "green": 0.25, "blue": 0.25, "yellow": 0.25}),
              Photo({"white": 0.25, "black": 0.25, "orange": 0.25, "purple": 0.25})]
    # a family library: most photos alike (white/black), a few colourful ones
    skewed = [Photo({"white": 0.8, "black": 0.2}) for _ in range(30)] + [Photo({"black": 0.7, "white": 0.3})] * 20
    skewed += [Photo({"red": 0.6, "white": 0.4}), Photo({"red": 1.0}), Photo({"blue": 0.5, "white": 0.5}),
               Photo({"green": 1.0}), Photo({"yellow": 0.4, "black": 0.6})]
    # the query's subject is the majority: the median sits among the matches
    majority = [Photo({"red": 1.0})] * 14 + [Photo({"red": 0.6, "blue": 0.4})] * 4
    majority += [Photo({c: 1.0}) for c in NAMES[1:]]
    return {"pure colours (24)": pure, "mixtures (39)": mixed, "skewed (55)": skewed, "majority red (25)": majority}


QUERIES = ["red", "white", "blue", "yellow", "purple", "red +yellow", "white -red", "dog"]


def relevant(photo: Photo, query: str) -> bool | None:
    """True / False / None (ambiguous) for the query's positive colours (a -colour excludes)."""
    parsed = parse_query(query)
    wanted = [w for term in parsed.positive for w in term.split() if w in PALETTE]
    unwanted = [w for term in parsed.negative for w in term.split() if w in PALETTE]
    if not wanted:
        return False
    share = sum(photo.shares.get(c, 0.0) for c in wanted)
    if any(photo.shares.get(c, 0.0) > photo.shares.get(wanted[0], 0.0) for c in unwanted):
        return False
    if share >= RELEVANT:
        return True
    return False if share == 0 else None


def robust_z(values: np.ndarray) -> np.ndarray:
    cal = calibration.fit(values[:, None])
    return cal.z(values[:, None].copy())[:, 0]


def gap_cut(scores: np.ndarray) -> np.ndarray:
    ordered = np.sort(scores)[::-1]
    if len(ordered) < 2:
        return np.ones(len(scores), bool)
    cut = int(np.argmax(ordered[:-1] - ordered[1:]))
    return scores >= ordered[cut]


def knee_cut(scores: np.ndarray) -> np.ndarray:
    ordered = np.sort(scores)[::-1]
    n = len(ordered)
    if n < 3 or ordered[0] == ordered[-1]:
        return np.zeros(n, bool)
    x = np.linspace(0, 1, n)
    y = (ordered - ordered[-1]) / (ordered[0] - ordered[-1])
    distance = (1 - x) - y  # below the chord from (0, 1) to (1, 0): the curve bends there
    knee = int(np.argmax(distance))
    return scores > ordered[knee]


def significant_gap(margin: np.ndarray) -> np.ndarray:
    """Above the widest gap of the sorted margins, if that gap is THRESHOLD robust spreads of the photos below
    it (a library where most photos show the thing: the median sits among them and z sees nothing)."""
    ordered = np.sort(margin)
    best = np.zeros(len(margin), bool)
    for k in range(1, len(ordered)):
        gap = ordered[k] - ordered[k - 1]
        lower = ordered[:k]
        scale = max(1.4826 * float(np.median(np.abs(lower - np.median(lower)))), calibration.MIN_SCALE)
        if gap >= THRESHOLD * scale and gap > 0:
            best = margin >= ordered[k]
            break
    return best & (margin > calibration.MIN_MARGIN)


def methods(cos: np.ndarray, margin: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "raw-z": robust_z(cos) >= THRESHOLD,
        "raw-z+gate": (robust_z(cos) >= THRESHOLD) & (margin > calibration.MIN_MARGIN),
        "margin-z": (robust_z(margin) >= THRESHOLD) & (margin > calibration.MIN_MARGIN),
        "gap": gap_cut(cos),
        "knee": knee_cut(cos),
        "margin-z|gap": ((robust_z(margin) >= THRESHOLD) & (margin > calibration.MIN_MARGIN)) | significant_gap(margin),
    }


def main() -> None:
    embedder = ColorEmbedder()
    rng = np.random.default_rng(0)
    background = embedder.embed_texts(list(BACKGROUND_PROMPTS)).mean(axis=0)
    background /= np.linalg.norm(background)
    totals: dict[str, list[int]] = {}
    minority: dict[str, list[int]] = {}
    print(f"{'library':20} {'query':12} " + " ".join(f"{m:>15}" for m in methods(np.zeros(3), np.zeros(3))))
    for name, photos in libraries().items():
        images = np.stack([embedder.prepare(render(p, rng)) for p in photos])
        vectors = embedder.embed_prepared(images)
        for query in QUERIES:
            parsed = parse_query(query)
            pos = embedder.embed_texts(parsed.positive) if parsed.positive else np.zeros((0, embedder.dim))
            neg = embedder.embed_texts(parsed.negative) if parsed.negative else np.zeros((0, embedder.dim))
            q = compose(pos, neg)
            cos = vectors @ q
            margin = cos - vectors @ background
            truth = [relevant(p, query) for p in photos]
            cells = []
            for method, picked in methods(cos, margin).items():
                tp = sum(1 for t, m in zip(truth, picked, strict=True) if t is True and m)
                fp = sum(1 for t, m in zip(truth, picked, strict=True) if t is False and m)
                fn = sum(1 for t, m in zip(truth, picked, strict=True) if t is True and not m)
                between = sum(1 for t, m in zip(truth, picked, strict=True) if t is None and m)
                for table, counts in ((totals, True), (minority, sum(t is True for t in truth) < len(truth) / 2)):
                    if counts:
                        total = table.setdefault(method, [0, 0, 0, 0])
                        for i, n in enumerate((tp, fp, fn, between)):
                            total[i] += n
                cells.append(f"{tp:>3}/{tp + fn:<3} fp {fp:<3}")
            print(f"{name:20} {query:12} " + " ".join(f"{c:>15}" for c in cells))
    for title, table in (("all queries", totals), ("queries whose subject is under half the library", minority)):
        print(f"\n{title}: found / relevant, wrong matches, in-between photos (a patch of the colour) matched")
        for method, (tp, fp, fn, between) in table.items():
            print(f"  {method:12} found {tp}/{tp + fn} ({tp / (tp + fn):.0%}), wrong {fp}, in-between {between}")


if __name__ == "__main__":
    main()
