"""Scoring a label set over a scope of photos: calibrated scores, negative prompts, thresholds, "why"."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from photoclip.core.calibration import MIN_MARGIN
from photoclip.core.matrix_blocks import product
from photoclip.core.tagging.labels import Label, LabelSet


@dataclass(frozen=True)
class Suggestion:
    photo_id: int
    path: str
    tag: str
    #: calibrated score (robust z over the library, see calibration.py); compared with the threshold
    score: float
    #: cosine of the photo with the label's prompt ensemble, and that minus the neutral background's
    raw: float
    margin: float
    #: the prompt of the label that matched this photo best ("why")
    prompt: str

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "tag": self.tag, "score": round(self.score, 4), "raw": round(self.raw, 4),
                "margin": round(self.margin, 4), "prompt": self.prompt}


@dataclass
class TagRun:
    """The scores of one label set over one scope, kept so thresholds can move without scoring again."""

    label_set: LabelSet
    model_id: str
    photo_ids: np.ndarray  # (n,)
    paths: list[str]
    background: np.ndarray  # (n,) cosine with the neutral background prompts
    margin: np.ndarray  # (n, L) label cosine minus background cosine
    z: np.ndarray  # (n, L)
    #: (n, L) True where a negative prompt matches the photo better than the label does
    blocked: np.ndarray
    #: (n, L) True where the user already accepted (resp. rejected) this label for this photo
    accepted: np.ndarray
    rejected: np.ndarray
    matrix: np.ndarray  # (E, d) the library's image vectors, for "why" (not copied per scope)
    rows: np.ndarray  # (n,) each scope photo's row in ``matrix``
    prompt_vectors: list[np.ndarray]  # per label: (P, d)
    prompt_texts: list[tuple[str, ...]]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[Label, ...]:
        return self.label_set.labels

    def thresholds(self, overrides: dict[str, float] | None = None) -> np.ndarray:
        overrides = overrides or {}
        return np.array(
            [overrides.get(lb.name, self.label_set.threshold(lb)) for lb in self.labels], np.float32
        )

    def passing(self, overrides: dict[str, float] | None = None) -> np.ndarray:
        """(n, L) mask of photo-label pairs that make a (new) suggestion at these thresholds."""
        mask = (self.z >= self.thresholds(overrides)) & (self.margin > MIN_MARGIN) & ~self.blocked & ~self.rejected
        if self.label_set.exclusive and mask.size:
            # one label per photo: the best calibrated score among those that pass (a rejected label left
            # the competition above); a photo whose kind the user accepted gets no other
            best = np.where(mask, self.z, -np.inf).argmax(axis=1)
            keep = np.zeros_like(mask)
            keep[np.arange(len(mask)), best] = True
            mask &= keep
            mask[self.accepted.any(axis=1)] = False
        return mask & ~self.accepted

    def count(self, label: str, threshold: float) -> int:
        """Live count for a threshold slider: photos this label would suggest at ``threshold``."""
        return int(self._passing_column(label, threshold).sum())

    def _passing_column(self, label: str, threshold: float) -> np.ndarray:
        """``passing()`` of one label: only its column is computed unless the set is exclusive (then the
        labels compete and all are needed)."""
        column = self._column(label)
        if self.label_set.exclusive:
            return self.passing({label: threshold})[:, column]
        return ((self.z[:, column] >= np.float32(threshold)) & (self.margin[:, column] > MIN_MARGIN)
                & ~self.blocked[:, column] & ~self.rejected[:, column] & ~self.accepted[:, column])

    def counts(self, overrides: dict[str, float] | None = None) -> dict[str, int]:
        """Suggestions per label at these thresholds (the tags panel's per-label counts)."""
        per_label = self.passing(overrides).sum(axis=0)
        return {lb.name: int(n) for lb, n in zip(self.labels, per_label, strict=True)}

    def preview(self, label: str, threshold: float, limit: int = 50) -> list[Suggestion]:
        """The best-scoring photos this label would suggest at ``threshold`` (for the slider's preview)."""
        column = self._column(label)
        rows = np.flatnonzero(self._passing_column(label, threshold))
        return [self._suggestion(r, column) for r in self._best_first(rows, column, limit)]

    def suggestions(self, overrides: dict[str, float] | None = None) -> list[Suggestion]:
        """Every suggestion at these thresholds, by label then best score first."""
        mask = self.passing(overrides)
        out = []
        for column in range(len(self.labels)):
            rows = np.flatnonzero(mask[:, column])
            out += [self._suggestion(r, column) for r in self._best_first(rows, column)]
        return out

    def _best_first(self, rows: np.ndarray, column: int, limit: int | None = None) -> list[int]:
        """``rows`` by score, best first, ties by path; the first ``limit`` only when given.

        numpy sorts (it releases the GIL); Python's sorted() over thousands of (score, path) tuples held the
        GIL for tens of milliseconds in one C call, stalling the GUI thread while a preview was computed."""
        scores = self.z[rows, column]
        if limit is not None and len(rows) > limit:
            kth = np.partition(-scores, limit - 1)[limit - 1]
            keep = -scores <= kth  # the best ``limit`` and anything tied with the last of them
            rows, scores = rows[keep], scores[keep]
        order = np.argsort(-scores, kind="stable")
        rows, scores = rows[order], scores[order]
        out = rows.tolist()
        starts = np.flatnonzero(np.r_[True, scores[1:] != scores[:-1]])
        ends = np.r_[starts[1:], len(scores)]
        for start, end in zip(starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist(), strict=True):
            out[start:end] = sorted(out[start:end], key=self.paths.__getitem__)  # equal scores: by path
        return out[:limit]

    def _column(self, label: str) -> int:
        for i, lb in enumerate(self.labels):
            if lb.name == label:
                return i
        raise KeyError(label)

    def _suggestion(self, row: int, column: int) -> Suggestion:
        per_prompt = self.prompt_vectors[column] @ self.matrix[self.rows[row]]
        return Suggestion(
            photo_id=int(self.photo_ids[row]), path=self.paths[row], tag=self.labels[column].name,
            score=float(self.z[row, column]), raw=float(self.margin[row, column] + self.background[row]),
            margin=float(self.margin[row, column]), prompt=self.prompt_texts[column][int(np.argmax(per_prompt))],
        )


def score_label_set(space, label_set: LabelSet, scope_rows, decided: dict[tuple[int, int], str],
                    tag_ids: dict[str, int], model_id: str) -> TagRun:
    """One matrix product over the library's stored vectors (calibration needs all of them), then the
    scope's rows of it. Negative prompts cost a second, small product over the scope only."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    vectors = space.library_vectors(model_id)
    t1 = time.perf_counter()
    timings["load_vectors_s"] = t1 - t0

    labels = label_set.labels
    prompt_texts = [lb.positive_prompts(label_set.templates) for lb in labels]
    label_vectors = space.ensemble([list(p) for p in prompt_texts], model_id)
    background = space.background(model_id)
    flat = space.text_vectors([p for group in prompt_texts for p in group], model_id)
    prompt_vectors, start = [], 0
    for group in prompt_texts:
        prompt_vectors.append(flat[start:start + len(group)])
        start += len(group)
    t2 = time.perf_counter()
    timings["text_vectors_s"] = t2 - t1

    key = (label_set.templates, tuple((lb.name, p) for lb, p in zip(labels, prompt_texts, strict=True)))
    cal, library_margins, background_scores = space.calibrate(key, label_vectors, background, vectors)
    rows = vectors.rows_of(scope_rows.embedding_ids)
    if len(rows) == len(library_margins) and np.array_equal(rows, np.arange(len(rows))):
        margin = library_margins  # the whole library in matrix order: no copy
    else:
        margin = library_margins[rows]
    background_scope = background_scores[rows]
    z = cal.z(margin)
    t3 = time.perf_counter()
    timings["score_calibrate_s"] = t3 - t2

    blocked = np.zeros_like(margin, dtype=bool)
    negatives = [(i, lb.negatives) for i, lb in enumerate(labels) if lb.negatives]
    if negatives and len(rows):
        neg_vectors = space.text_vectors([n for _, group in negatives for n in group], model_id)
        neg_scores = product(vectors.matrix, neg_vectors.T)[rows]
        start = 0
        for column, group in negatives:
            best_negative = neg_scores[:, start:start + len(group)].max(axis=1)
            # a zero-shot choice between the label and what it must not be, as '-term' does in search
            blocked[:, column] = best_negative > margin[:, column] + background_scope
            start += len(group)

    accepted, rejected = np.zeros_like(blocked), np.zeros_like(blocked)
    if decided:
        column_of = {tag_ids[lb.name]: i for i, lb in enumerate(labels) if lb.name in tag_ids}
        row_of = {int(p): i for i, p in enumerate(scope_rows.photo_ids)}
        for (photo_id, tag_id), state in decided.items():
            if photo_id in row_of and tag_id in column_of:
                (accepted if state == "accepted" else rejected)[row_of[photo_id], column_of[tag_id]] = True
    timings["negatives_decided_s"] = time.perf_counter() - t3

    return TagRun(
        label_set=label_set, model_id=model_id, photo_ids=scope_rows.photo_ids, paths=scope_rows.paths,
        background=background_scope, margin=margin, z=z, blocked=blocked, accepted=accepted, rejected=rejected,
        matrix=vectors.matrix, rows=rows, prompt_vectors=prompt_vectors, prompt_texts=prompt_texts, timings=timings,
    )
