"""Calibrated scores: make one threshold mean the same thing for every label and every model.

Raw CLIP cosines are not comparable: "dog" may sit around 0.25 on dog photos while "receipt" sits at 0.30 on
everything, and each model has its own range. Two steps remove that:

1. **Background margin**: ``margin = cos(photo, label) - cos(photo, background)``, where *background* is an
   ensemble of neutral prompts ("a photo.", "an image.", ...). It removes what a photo shares with every
   prompt, and ``margin <= 0`` means the label says nothing the neutral prompts don't: never a suggestion.
2. **Per-label robust z-score over the library**: ``z = (margin - median) / (1.4826 * MAD)``, the median and
   the median absolute deviation (MAD) of that label's margins over the library's stored vectors (a random
   sample of at most ``SAMPLE`` of them). The median is the typical photo, which for most labels does not show
   the thing; 1.4826 * MAD is the spread of those photos (the standard deviation if they were normal) and,
   unlike the standard deviation, is not inflated by the photos that do match. ``z = 3`` therefore reads
   "three spreads above a typical photo of this library".

The scale has a floor (``MIN_SCALE``) so a library where most photos score identically (a few photos, or one
very uniform collection) cannot turn a tiny difference into a huge z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photoclip.core.matrix_blocks import product

#: Calibrated score a photo needs to be a match when nothing names another threshold (a label, a smart album, a
#: search): three typical-photo spreads above a typical photo of the library.
DEFAULT_THRESHOLD = 3.0
#: Rows used to fit the per-label statistics; a random sample of this size pins the median and MAD of
#: 100k photos to a few thousandths while costing a fifth of the time.
SAMPLE = 20_000
#: Smallest spread (cosine units) a label's scale may have.
MIN_SCALE = 0.01
#: A margin at or below this says nothing beyond the neutral prompts (float noise included).
MIN_MARGIN = 1e-6
_MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Calibration:
    center: np.ndarray  # (L,) median margin over the library
    scale: np.ndarray  # (L,) robust spread over the library

    def z(self, margins: np.ndarray) -> np.ndarray:
        out: np.ndarray = margins - self.center
        out /= self.scale  # in place: each fresh 40 MB array costs page faults (100k photos x 100 labels)
        return out


def margins(vectors: np.ndarray, label_vectors: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, L) label cosine minus the background cosine, and the (N,) background cosines: one matrix product
    over all vectors and labels."""
    both = np.vstack([label_vectors, background[None]]).T  # (d, L+1): one BLAS call instead of two
    scores = product(vectors, both)  # in blocks: a mapped matrix's pages are let go as it goes
    background_scores = scores[:, -1].copy()
    scores -= scores[:, -1:]  # in place, no second (N, L) array
    return scores[:, :-1], background_scores


def fit(library_margins: np.ndarray, seed: int = 0) -> Calibration:
    """Per-label median and robust spread of the library's margins."""
    sample = library_margins
    if len(sample) > SAMPLE:
        rows = np.random.default_rng(seed).choice(len(sample), SAMPLE, replace=False)
        sample = sample[np.sort(rows)]
    if not len(sample):
        width = library_margins.shape[1]
        return Calibration(np.zeros(width, np.float32), np.full(width, MIN_SCALE, np.float32))
    center = np.median(sample, axis=0)
    mad = np.median(np.abs(sample - center), axis=0)
    scale = np.maximum(mad * _MAD_TO_SIGMA, MIN_SCALE)
    return Calibration(center.astype(np.float32), scale.astype(np.float32))
