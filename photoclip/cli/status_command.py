"""``photoclip status``: counts, the model, the index size, failed files and what space could be reclaimed.
The core is imported inside the command so building the parser stays cheap."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from photoclip.cli.arguments import emit_json
from photoclip.cli.cleanup_command import describe, would_free
from photoclip.cli.runtime import EXIT_OK
from photoclip.core.filenames import display

if TYPE_CHECKING:
    from photoclip.core.settings import Settings

COMMANDS = ("status",)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="counts, model, index size and failed files")
    p.add_argument("--json", action="store_true")
    p.add_argument("--recall", action="store_true",
                   help="also check the search index against an exact search (recall@50 of sample queries; "
                        "reads every stored vector once)")


def _recall_line(recall) -> str:
    if recall is None:
        return "Recall:  nothing indexed yet"
    verdict = "ok" if recall.ok else "below the goal (0.95 mean, no query under 0.8): please report it"
    return (f"Recall:  @{recall.k} against exact search, {recall.queries // 2} queries each: text-like "
            f"{recall.text_mean:.3f} (lowest {recall.text_min:.2f}, {recall.text_source}), photo-like "
            f"{recall.photo_mean:.3f} (lowest {recall.photo_min:.2f}) at ef {recall.ef_text}/{recall.ef_photo}: "
            f"{verdict}")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.embed.color_test_model import model_label
    from photoclip.core.library import Library

    with Library.open(settings) as library:
        status = library.status().as_dict()
        reclaimable = library.reclaimable()
        recall = library.recall_check() if args.recall else None
    status["catalog"] = str(settings.catalog_path)
    status["reclaimable"] = reclaimable.as_dict() | {"bytes": would_free(reclaimable, old_models=True)}
    if args.recall:
        status["recall"] = recall.as_dict() if recall is not None else None
    if args.json:
        emit_json(status)
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
