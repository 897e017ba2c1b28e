"""What the tags panel asks the tagging worker for: a run of a label set over a scope, and a label's preview at
a threshold. Both run on the tagging thread (workers/tagging.py); the run's scores stay in memory there, so a
preview only re-thresholds them."""

from __future__ import annotations

from dataclasses import dataclass

from photoclip.core.tagging import LabelSet, Scope, Suggestion, TagRun
from photoclip.gui.workers.tagging import TagContext

PREVIEW_LIMIT = 48


@dataclass(frozen=True)
class RunResult:
    run: TagRun
    counts: dict[str, int]
    #: per label, the best score in the scope: the slider's useful range ends just above it
    best: dict[str, float]
    seconds: float
    photos: int
    #: prompts longer than the model reads (only their start was used)
    cut: tuple = ()


@dataclass(frozen=True)
class PreviewItem:
    suggestion: Suggestion
    content_hash: str | None


@dataclass(frozen=True)
class Preview:
    label: str
    threshold: float
    counts: dict[str, int]
    items: list[PreviewItem]


def run_label_set(ctx: TagContext, label_set: LabelSet, scope: Scope, thresholds: dict[str, float]) -> RunResult:
    run = ctx.tagger.run(label_set, scope)
    maxima = run.z.max(axis=0).tolist() if len(run.z) else [0.0] * len(run.labels)
    best = dict(zip((lb.name for lb in run.labels), maxima, strict=True))
    seconds = sum(run.timings.values())
    cut = tuple(ctx.library.cut_texts(label_set.all_prompts()))
    return RunResult(run, run.counts(thresholds), best, seconds, len(run.photo_ids), cut)


def preview_label(ctx: TagContext, run: TagRun, label: str, thresholds: dict[str, float]) -> Preview:
    suggestions = run.preview(label, thresholds[label], limit=PREVIEW_LIMIT)
    hashes = {p.id: p.content_hash for p in ctx.library.photos([s.photo_id for s in suggestions])}
    items = [PreviewItem(s, hashes.get(s.photo_id)) for s in suggestions]
    return Preview(label, thresholds[label], run.counts(thresholds), items)
