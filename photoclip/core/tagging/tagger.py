"""The tagging API the CLI and the GUI call: run label sets, the review queue, user tags, label sets, XMP.

The library's Tagger is ``library.tags``; the vector cache lives in the VectorSpace the library owns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from photoclip.core.errors import AlbumError, LabelSetError, SidecarSkipped, SidecarsSkippedError, TaggingError
from photoclip.core.records import PhotoTagRow, TagCount
from photoclip.core.tagging import xmp
from photoclip.core.tagging.labels import Label, LabelSet, load_preset, preset_names
from photoclip.core.tagging.space import VectorSpace
from photoclip.core.tagging.store import ACCEPTED, REJECTED, SUGGESTED, USER, ZERO_SHOT
from photoclip.core.tagging.suggest import Suggestion, TagRun, score_label_set

#: catalog meta keys of the per-library write-back setting
META_XMP = "xmp_writeback"  # "on" | "off" (default)
META_XMP_NAMING = "xmp_sidecar_naming"  # "append" (photo.jpg.xmp, default) | "replace" (photo.xmp)


@dataclass(frozen=True)
class Scope:
    """Which photos a run covers: the whole library, a folder, an album, or dates."""

    folder: str | None = None
    album: str | None = None
    date_from: str | None = None
    date_to: str | None = None


class Tagger:
    def __init__(self, space: VectorSpace, on_sidecar_skipped: Callable[[SidecarSkipped], None] | None = None) -> None:
        """``space``: the library's (``library.tags`` builds it). ``on_sidecar_skipped``: called for each XMP
        sidecar left unchanged (not valid XMP, not writable). Without it, a call that skipped sidecars raises
        ``SidecarsSkippedError`` once everything else is done (the catalog is updated and the other sidecars
        are written)."""
        self.on_sidecar_skipped = on_sidecar_skipped
        self.space = space
        self.store = space.store

    def reporting(self, on_sidecar_skipped: Callable[[SidecarSkipped], None]) -> Tagger:
        """This library's tagger, telling ``on_sidecar_skipped`` of each sidecar it leaves unchanged instead of
        raising at the end (see ``__init__``)."""
        return Tagger(self.space, on_sidecar_skipped)

    # running label sets ----------------------------------------------------------------------------------
    def run(self, labels: LabelSet | Sequence[Label | str], scope: Scope | None = None) -> TagRun:
        """Score a label set over a scope from stored vectors. Writes nothing: for previews and sliders."""
        label_set = as_label_set(labels)
        if not label_set.labels:
            raise LabelSetError("The label set has no labels.", "Add at least one label.")
        started = time.perf_counter()
        model_id = self.space.model_id()
        if not len(self.space.library_vectors(model_id).searchable):  # (re)loads them after a change
            raise TaggingError(f"No photo has a vector for the model {model_id} yet.", "Run 'photoclip index'.")
        rows = self._scope_rows(model_id, scope or Scope())
        tag_ids = self.store.tag_ids([lb.name for lb in label_set.labels], create=False)
        decided = self.store.decided(list(tag_ids.values()))
        loaded = time.perf_counter() - started
        run = score_label_set(self.space, label_set, rows, decided, tag_ids, model_id)
        run.timings["load_vectors_s"] += loaded
        return run

    def suggest(self, labels: LabelSet | Sequence[Label | str], scope: Scope | None = None,
                thresholds: dict[str, float] | None = None) -> list[Suggestion]:
        """Run and store the suggestions in the review queue (replacing earlier suggestions of these labels
        for these photos; accepted and rejected ones stay as the user left them)."""
        run = self.run(labels, scope)
        return self.save_run(run, thresholds)

    def save_run(self, run: TagRun, thresholds: dict[str, float] | None = None) -> list[Suggestion]:
        suggestions = run.suggestions(thresholds)
        tag_ids = self.store.tag_ids([lb.name for lb in run.labels])
        self.store.replace_suggestions(
            run.model_id, run.photo_ids, list(tag_ids.values()),
            [(s.photo_id, tag_ids[s.tag], s.score, s.prompt) for s in suggestions],
        )
        return suggestions

    def _scope_rows(self, model_id: str, scope: Scope):
        album_id = None
        if scope.album:
            album = self.store.album(scope.album)
            if album is None:
                raise AlbumError(f"No album named {scope.album!r}.", "Run 'photoclip album list'.")
            if album.kind == "smart":
                from photoclip.core.tagging.albums import Albums

                members = {m.photo_id for m in Albums(self.space).members(album.name)}
                rows = self.space.scope_rows(model_id, _folder(scope.folder), scope.date_from, scope.date_to)
                keep = [i for i, p in enumerate(rows.photo_ids) if int(p) in members]
                return type(rows)(rows.photo_ids[keep], [rows.paths[i] for i in keep], rows.embedding_ids[keep])
            album_id = album.id
        return self.space.scope_rows(model_id, _folder(scope.folder), scope.date_from, scope.date_to, album_id)

    # review queue ----------------------------------------------------------------------------------------
    def pending(self, tag: str | None = None, min_score: float | None = None) -> list[PhotoTagRow]:
        """The review queue: suggestions not yet accepted or rejected, by tag then best score."""
        return self.store.rows(states=(SUGGESTED,), source=ZERO_SHOT, tag=tag, min_score=min_score)

    def accept(self, photo_ids: Iterable[int], tag: str) -> int:
        """The user confirms the model's tag on these photos."""
        return self._decide(photo_ids, tag, ACCEPTED)

    def reject(self, photo_ids: Iterable[int], tag: str) -> int:
        """The user says no: this tag is never suggested again for these photos."""
        return self._decide(photo_ids, tag, REJECTED)

    def accept_all(self, tag: str | None = None, min_score: float | None = None) -> int:
        """Bulk accept the pending suggestions (of one tag, at or above a score; all of them by default)."""
        return self._decide_rows(self.pending(tag, min_score), ACCEPTED)

    def reject_all(self, tag: str | None = None, max_score: float | None = None) -> int:
        rows = [r for r in self.pending(tag) if max_score is None or (r.score or 0) <= max_score]
        return self._decide_rows(rows, REJECTED)

    def _decide_rows(self, rows: list[PhotoTagRow], state: str) -> int:
        skipped: list[SidecarSkipped] = []
        for tag in dict.fromkeys(r.tag for r in rows):
            try:
                self._decide([r.photo_id for r in rows if r.tag == tag], tag, state)
            except SidecarsSkippedError as exc:  # decided in the catalog already; go on with the other tags
                skipped += exc.skipped
        if skipped:
            raise SidecarsSkippedError(skipped)
        return len(rows)

    def _decide(self, photo_ids: Iterable[int], tag: str, state: str) -> int:
        photo_ids = [int(p) for p in photo_ids]
        tag = Label(tag).name  # 'Places | Beach' is 'Places|Beach'
        tag_id = self.store.tag_ids([tag])[tag]
        wanted = set(photo_ids)
        before = {r.photo_id for r in self.store.rows(states=(ACCEPTED,), source=ZERO_SHOT, tag=tag)
                  if r.photo_id in wanted}
        count = self.store.set_state([(p, tag_id) for p in photo_ids], state, ZERO_SHOT)
        if state == ACCEPTED:
            self._write_back(photo_ids)
        elif before:
            self._write_back(sorted(before))
        return count

    # the user's own tags ---------------------------------------------------------------------------------
    def add_tags(self, photo_ids: Iterable[int], names: Iterable[str]) -> None:
        """Tags the user typed: stored apart from the model's (source 'user'), accepted by definition."""
        photo_ids = [int(p) for p in photo_ids]
        names = [Label(n).name for n in names]
        for tag_id in self.store.tag_ids(names).values():
            self.store.set_state([(p, tag_id) for p in photo_ids], ACCEPTED, USER)
        self._write_back(photo_ids)

    def remove_tags(self, photo_ids: Iterable[int], names: Iterable[str]) -> None:
        photo_ids = [int(p) for p in photo_ids]
        for tag_id in self.store.tag_ids(list(names), create=False).values():
            self.store.delete([(p, tag_id) for p in photo_ids], USER)
        self._write_back(photo_ids)

    def tags_of(self, photo_id: int) -> list[PhotoTagRow]:
        return self.store.rows(photo_ids=[photo_id])

    def tag_counts(self) -> list[TagCount]:
        return self.store.counts()

    def photos_with(self, tag: str) -> list[PhotoTagRow]:
        """Photos the user stands behind for a tag (typed, or an accepted suggestion)."""
        return self.store.rows(states=(ACCEPTED,), tag=tag)

    def sensitive_tags(self) -> set[str]:
        """Names of the labels of every sensitive label set (saved or preset)."""
        names: set[str] = set()
        for group in self.label_set_names().values():
            for set_name in group:
                label_set = self.label_set(set_name)
                if label_set.sensitive:
                    names |= {lb.name for lb in label_set.labels}
        return names

    def photos_to_blur(self) -> set[int]:
        """Photos the GUI keeps blurred until clicked: a sensitive tag is suggested or accepted, and the
        user has not rejected it."""
        blurred: set[int] = set()
        for name in self.sensitive_tags():
            rows = self.store.rows(states=(SUGGESTED, ACCEPTED), tag=name)
            blurred |= {r.photo_id for r in rows}
        return blurred

    def warm(self) -> None:
        """Load the library's vectors now (e.g. in a worker thread at start-up or after indexing), so the
        first tags panel or smart album read does not pay for it."""
        self.space.library_vectors()

    # label sets --------------------------------------------------------------------------------------------
    def label_set(self, name: str) -> LabelSet:
        """A saved label set, else a preset shipped in photoclip/resources/labels."""
        saved = self.store.label_set(name)
        return LabelSet.from_dict(saved, name) if saved is not None else load_preset(name)

    def label_set_names(self) -> dict[str, list[str]]:
        return {"saved": self.store.label_set_names(), "presets": preset_names()}

    def save_label_set(self, label_set: LabelSet) -> None:
        self.store.save_label_set(label_set.name, label_set.as_dict())

    def import_label_set(self, path: Path) -> LabelSet:
        label_set = LabelSet.load(Path(path))
        self.save_label_set(label_set)
        return label_set

    def export_label_set(self, name: str, path: Path) -> None:
        self.label_set(name).save(Path(path))

    def delete_label_set(self, name: str) -> bool:
        return self.store.delete_label_set(name)

    # XMP write-back ----------------------------------------------------------------------------------------
    @property
    def xmp_enabled(self) -> bool:
        return self.store.catalog.get_meta(META_XMP) == "on"

    def set_xmp_writeback(self, enabled: bool, naming: str | None = None) -> None:
        """Per library (catalog meta). Turning it on does not touch files until tags are accepted; call
        ``write_all_sidecars`` to bring existing ones up to date."""
        if naming is not None:
            if naming not in (xmp.APPEND, xmp.REPLACE):
                raise TaggingError(f"Unknown sidecar naming {naming!r}.", "Use 'append' or 'replace'.")
            self.store.catalog.set_meta(META_XMP_NAMING, naming)
        if enabled:
            xmp._pyexiv2()  # fail now, with the install hint, rather than at the first accept
        self.store.catalog.set_meta(META_XMP, "on" if enabled else "off")

    @property
    def xmp_naming(self) -> str:
        return self.store.catalog.get_meta(META_XMP_NAMING) or xmp.APPEND

    def write_all_sidecars(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Every photo with an accepted tag, and every one whose sidecar still holds a keyword photoclip
        added for a tag that is gone. Returns how many sidecars are now up to date (skipped ones not counted).
        ``progress(done, total)`` follows it in photos (after each chunk of 500)."""
        rows = self.store.rows(states=(ACCEPTED,))
        photo_ids = sorted({r.photo_id for r in rows} | set(self.store.photos_with_sidecar_keywords()))
        return len(photo_ids) - self._write_back(photo_ids, force=True, progress=progress)

    def _write_back(self, photo_ids: list[int], force: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> int:
        """Bring the photos' sidecars in line with their accepted tags (only when the library wants it):
        add what they need, remove only keywords photoclip added itself (recorded per photo in the catalog).
        Returns how many sidecars were skipped (reported to ``on_sidecar_skipped``, else raised at the end)."""
        if not (force or self.xmp_enabled) or not photo_ids:
            return 0
        xmp._pyexiv2()  # no XMP library: one error for the whole call, with the install hint
        naming = self.xmp_naming
        skipped: list[SidecarSkipped] = []
        for start in range(0, len(photo_ids), 500):  # SQLite caps the number of parameters of one query
            photos = self.store.catalog.photos_by_ids(photo_ids[start:start + 500])
            owned = self.store.sidecar_keywords([p.id for p in photos])
            record: dict[int, dict[str, list[str]]] = {}
            for photo in photos:
                try:
                    update = xmp.update_sidecar(Path(photo.path), self.store.accepted_names(photo.id),
                                                owned.get(photo.id, {}), naming)
                except SidecarSkipped as exc:  # left as it was; one bad sidecar must not stop the others
                    skipped.append(exc)
                    if self.on_sidecar_skipped is not None:
                        self.on_sidecar_skipped(exc)
                    continue
                if update.owned != owned.get(photo.id, {}):
                    record[photo.id] = update.owned
            # after the files: a crash in between leaves keywords we never remove, never a record of a
            # keyword we did not write (which could later remove another program's)
            self.store.set_sidecar_keywords(record)
            if progress is not None:
                progress(min(start + 500, len(photo_ids)), len(photo_ids))
        if skipped and self.on_sidecar_skipped is None:
            raise SidecarsSkippedError(skipped)
        return len(skipped)


def as_label_set(labels: LabelSet | Sequence[Label | str], name: str = "labels") -> LabelSet:
    if isinstance(labels, LabelSet):
        return labels
    return LabelSet(name=name, labels=tuple(lb if isinstance(lb, Label) else Label(lb) for lb in labels))


def _folder(folder: str | None) -> str | None:
    return str(Path(folder).expanduser().resolve()) if folder else None
