"""One function per sub-command. Each prints its result and returns an exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys

from photoclip.cli.notes import warn_cut
from photoclip.cli.progress import TerminalProgress
from photoclip.cli.runtime import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, run_in_thread
from photoclip.core.control import JobControl
from photoclip.core.filenames import display, json_safe
from photoclip.core.library import Library
from photoclip.core.pipeline import IndexSummary
from photoclip.core.search import Filters, Hit, SearchResults
from photoclip.core.settings import Settings
from photoclip.core.store.catalog import FolderPlacement
from photoclip.formatting import count, explain


def _emit_json(value: object) -> None:
    """Always valid UTF-8 JSON: a path that is not exact text gets ``path_bytes`` beside it (core/filenames.py)."""
    print(json.dumps(json_safe(value), ensure_ascii=False, indent=None))


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    with Library.open(settings) as library:
        for placement in [library.place_folder(p) for p in args.paths or []]:
            _tell_placed(placement)
        summary, failures = _index(library, args.paths or None, quiet=args.json)
    if args.json:
        _emit_json(summary.as_dict())
    else:
        _print_summary(summary, failures if not summary.model_missing else [], sys.stdout)
    if summary.cancelled:
        return EXIT_INTERRUPTED
    if summary.model_missing:
        _tell_model_missing(summary)
        return EXIT_ERROR
    return EXIT_OK


def _tell_model_missing(summary: IndexSummary) -> None:
    """Catalogued, not searchable: one line on stderr (with the error code: the contract)."""
    skipped = f", {summary.failed} skipped: 'photoclip status' says why" if summary.failed else ""
    print(f"photoclip: photos catalogued without a model ({count(summary.catalogued, 'photo')} read now{skipped}; "
          f"dates and thumbnails, shown by date in the app); search needs the model. {summary.model_missing}",
          file=sys.stderr)


def _tell_placed(placement: FolderPlacement) -> None:
    """Library folders never nest: say so when a folder named is inside one, or took some in (stderr: stdout
    stays the result)."""
    if placement.outcome == "inside":
        print(f"{display(placement.path)} is inside the library folder {display(placement.root.path)}: "
              "indexing it as part of that folder.", file=sys.stderr)
    for folded in placement.folded:
        print(f"{display(folded)} is now a sub-folder of the library folder {display(placement.root.path)} "
              "(its photos, tags and albums kept).", file=sys.stderr)


def _index(library: Library, paths: list | None, quiet: bool) -> tuple[IndexSummary, list]:
    """Index ``paths`` (None: every folder) with a progress bar on a terminal (none when ``quiet``); Ctrl-C
    cancels cleanly. Returns the summary and the files skipped."""
    progress = TerminalProgress(enabled=False if quiet else None, notices=not quiet)
    control = JobControl()
    library.optimise_in_background = True  # a first run indexes at once; this command waits for it at the end
    library.events.subscribe(progress)
    try:
        summary = run_in_thread(lambda: library.index_folders(paths, control), control.cancel)
    finally:
        progress.close()
    if library.optimising and not summary.cancelled:
        _finish_optimising(library, quiet)
    return summary, progress.failures


def _finish_optimising(library: Library, quiet: bool) -> None:
    """The photos are indexed (on torch); OpenVINO's conversion and int8 calibration, started beside them, is
    finished so the next run starts on it. Ctrl-C leaves it for the next run."""
    if not quiet:
        print("Finishing the model's optimisation for this computer (once; Ctrl-C leaves it for next time)…",
              file=sys.stderr, flush=True)
    try:
        while not library.finish_optimising(timeout=0.2):
            pass
    except KeyboardInterrupt:
        pass


def _print_summary(summary: IndexSummary, failures: list, stream) -> None:
    print(
        f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, {summary.moved} moved, "
        f"{summary.removed} removed, {summary.failed} failed ({summary.embedded} embedded in "
        f"{summary.seconds:.1f} s)", file=stream
    )
    for folder in summary.offline_folders:
        print(f"offline (kept, not rescanned): {display(folder)}", file=stream)
    for failure in failures:
        print(f"skipped {display(failure.path)}: {failure.reason}", file=sys.stderr)


def _filters(args: argparse.Namespace) -> Filters:
    folder = str(args.folder.expanduser().resolve()) if args.folder else None
    return Filters(folder=folder, date_from=args.date_from, date_to=args.date_to)


def _print_hits(results: SearchResults, args: argparse.Namespace, what: str) -> None:
    """The matches (``--all``: the whole ranking) as ``score  path`` lines or JSON; stdout stays the result,
    the note that nothing stands out goes to stderr."""
    hits = results.ranking if args.all else results.matches
    if args.json:
        _emit_json([_hit_json(h, args.explain) for h in hits])
    else:
        for hit in hits:
            print(f"{hit.score:6.3f}  {display(hit.path)}")
            if args.explain:
                print(f"        {explain(hit)}")
    if not results.ranking:
        print("No photos found.", file=sys.stderr)
    elif not results.matches and not args.all:
        print(f"No photo stands out for {what}; --all shows the closest ones.", file=sys.stderr)


def _hit_json(hit: Hit, explain_it: bool) -> dict:
    entry: dict = {"path": hit.path, "score": round(hit.score, 6), "match": hit.match,
                   "calibrated": None if hit.calibrated is None else round(hit.calibrated, 4)}
    if explain_it:
        why: dict = {}
        if hit.terms:
            why["terms"] = [{"term": t.term, "sign": "+" if t.sign > 0 else "-", "cosine": round(t.cosine, 6),
                             "contribution": round(t.contribution, 6)} for t in hit.terms]
        if hit.reference is not None:
            why["reference"] = hit.reference
            why["reference_score"] = round(hit.reference_score or 0.0, 6)
        entry["why"] = why
    return entry


def _query_threads(settings: Settings) -> Settings:
    """A one-shot query has the machine to itself: every core for the text tower, unless the user chose."""
    if not os.environ.get("PHOTOCLIP_THREADS"):
        settings.threads = os.cpu_count() or 1
    return settings


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """``--index``: index first in this process (rclip's one command), so the model a new photo needs loads once
    and the query reuses it; stdout stays the results (the index summary goes to stderr)."""
    indexing = args.index is not None
    # indexing sizes its own model threads (core/balance.py); a query alone gets every core
    with Library.open(settings if indexing else _query_threads(settings)) as library:
        if indexing:
            paths = [p for p in args.index if p is not None]
            for placement in [library.place_folder(p) for p in paths]:
                _tell_placed(placement)
            summary, failures = _index(library, paths or None, quiet=args.json)
            if not args.json:
                _print_summary(summary, failures if not summary.model_missing else [], sys.stderr)
            if summary.cancelled:
                return EXIT_INTERRUPTED
            if summary.model_missing:  # nothing to search with
                _tell_model_missing(summary)
                return EXIT_ERROR
        results = library.search_results(args.query, args.limit, _filters(args), args.min_score)
        warn_cut(library.cut_query_terms(args.query))
    _print_hits(results, args, f'"{args.query}"')
    return EXIT_OK


def cmd_similar(args: argparse.Namespace, settings: Settings) -> int:
    with Library.open(_query_threads(settings)) as library:
        results = library.similar_results(list(args.path), args.limit, _filters(args), args.min_score)
    _print_hits(results, args, ", ".join(f'"{display(p.name)}"' for p in args.path))
    return EXIT_OK


def _recall_line(recall) -> str:
    if recall is None:
        return "Recall:  nothing indexed yet"
    verdict = "ok" if recall.ok else "below the goal (0.95 mean, no query under 0.8): please report it"
    return (f"Recall:  @{recall.k} against exact search, {recall.queries // 2} queries each: text-like "
            f"{recall.text_mean:.3f} (lowest {recall.text_min:.2f}, {recall.text_source}), photo-like "
            f"{recall.photo_mean:.3f} (lowest {recall.photo_min:.2f}) at ef {recall.ef_text}/{recall.ef_photo}: "
            f"{verdict}")


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.cli.cleanup_command import describe, would_free
    from photoclip.core.embed.color_test_model import model_label

    with Library.open(settings) as library:
        status = library.status().as_dict()
        reclaimable = library.reclaimable()
        recall = library.recall_check() if args.recall else None
    status["catalog"] = str(settings.catalog_path)
    status["reclaimable"] = reclaimable.as_dict() | {"bytes": would_free(reclaimable, old_models=True)}
    if args.recall:
        status["recall"] = recall.as_dict() if recall is not None else None
    if args.json:
        _emit_json(status)
        return EXIT_OK
    counts = ", ".join(f"{n} {s}" for s, n in sorted(status["counts"].items())) or "none"
    print(f"Catalog: {status['catalog']}")
    print(f"Photos:  {status['photos']} ({counts})")
    model = model_label(status["model"]) if status["model"] else "not loaded yet"
    print(f"Model:   {model}   vectors: {status['index_size'] or 0}")
    if status["embedded"] < status["catalogued"]:
        then = "'photoclip index' embeds the rest" if status["model_available"] else \
            "the rest wait for the model ('photoclip model download' or 'photoclip model import DIR')"
        print(f"         {status['catalogued']} photos catalogued, {status['embedded']} embedded (searchable); {then}")
    if status.get("model_switch"):
        switch = status["model_switch"]
        print(f"Switching to {switch['to']}: {switch['done']} of {switch['total']} photos done; search uses the "
              "current model until then ('photoclip model use' goes on, '--cancel' gives it up)")
    for result in status["quality_guard"]:
        print(f"Quality guard: {result['summary']}")
    if args.recall:
        print(_recall_line(recall))
    for folder in status["folders"]:
        print(f"Folder:  {display(folder['path'])} [{folder['state']}] {sum(folder['counts'].values())} photos")
    for failure in status["failed"]:
        print(f"Failed:  {display(failure['path'])}: {failure['reason']}")
    if status["reclaimable"]["bytes"] or reclaimable.orphans:
        for line in describe(reclaimable, old_models=False):
            print(f"Reclaimable: {line}")
        print("Reclaim it with 'photoclip cleanup' (--dry-run shows what it would do).")
    return EXIT_OK


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    """Watch in the foreground with a live status line; Ctrl-C stops cleanly (queued files wait for next time)."""
    import time

    from photoclip.cli.watch_status import WatchLine
    from photoclip.core.errors import FolderNotFoundError
    from photoclip.core.scan.watcher import Watcher, WatchOptions

    with Library.open(settings) as library:
        chosen = [library.add_folder(p).path for p in args.paths]
        overrides = [library.add_folder(p).path for p in [*args.poll, *args.native]]
        paths = [*chosen, *overrides] if chosen else None  # --poll/--native alone keep watching everything
        if not library.folders():
            raise FolderNotFoundError("There are no folders to watch.", "Name one: photoclip watch ~/Pictures")
        watcher = Watcher(library, paths, WatchOptions(settle=args.settle, poll_interval=args.poll_interval))
        for path, mode in [*((p, "poll") for p in args.poll), *((p, "native") for p in args.native)]:
            watcher.set_mode(path, mode)
        line = WatchLine(sys.stderr)
        library.events.subscribe(line)
        watcher.start()
        try:
            while watcher.running:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            watcher.stop()
            line.close()
        if watcher.error is not None:
            raise watcher.error
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    with Library.open(settings) as library:
        removed = library.remove_folder(args.path)
    print(f"Removed {display(args.path)} from the library ({removed} photos forgotten; files untouched).")
    return EXIT_OK
