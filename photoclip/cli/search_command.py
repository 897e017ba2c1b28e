"""``photoclip search`` and ``photoclip similar``: the photos that stand out for a description or for given
photos (``--all``: the whole ranking), as ``score  path`` lines or JSON. One module: the two share their options
and their output. The core is imported inside the commands so building the parser stays cheap."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from photoclip.cli.arguments import emit_json, iso_date
from photoclip.cli.notes import warn_cut
from photoclip.cli.runtime import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from photoclip.core.filenames import display
from photoclip.formatting import explain

if TYPE_CHECKING:
    from photoclip.core.search import Filters, Hit, SearchResults
    from photoclip.core.settings import Settings

COMMANDS = ("search", "similar")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    for name, helptext, arg in (("search", "find photos by a description", "query"),
                                ("similar", "find photos like a given photo (or like several)", "path")):
        p = sub.add_parser(name, help=helptext, description=f"{helptext[0].upper()}{helptext[1:]}. Prints the "
                           "matches: photos that stand out from the library for this query (calibrated score "
                           ">= 3); --all prints the whole ranking.")
        if arg == "path":
            p.add_argument(arg, type=Path, nargs="+", help="each hit names the one it is nearest to")
        else:
            p.add_argument(arg, type=str)
            p.add_argument("--index", action="append", nargs="?", const=None, type=Path, metavar="FOLDER",
                           help="index FOLDER first (repeatable; alone: every folder in the library), in the same "
                                "process: the model loads once ('photoclip index' then 'photoclip search' in one "
                                "command); progress and skipped files go to stderr")
        p.add_argument("--limit", "-k", type=int, default=20)
        p.add_argument("--folder", type=Path, help="only photos under this folder")
        p.add_argument("--from", dest="date_from", type=iso_date, help="taken on or after (YYYY-MM-DD)")
        p.add_argument("--to", dest="date_to", type=iso_date, help="taken on or before (YYYY-MM-DD)")
        p.add_argument("--all", action="store_true", help="the best photos by score, matches or not")
        p.add_argument("--min-score", type=float, default=None, metavar="Z",
                       help="calibrated score a match needs (default 3: typical-photo spreads above this "
                            "library's typical photo for the query)")
        p.add_argument("--explain", action="store_true",
                       help="why each photo matched: calibrated score, each +/- term's share of the score, "
                            "or the nearest reference photo")
        p.add_argument("--json", action="store_true",
                       help='print [{"path", "score", "match", "calibrated"}, ...], best first ("why" with '
                            "--explain)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    return {"search": _search, "similar": _similar}[args.command](args, settings)


def _search(args: argparse.Namespace, settings: Settings) -> int:
    """``--index``: index first in this process (rclip's one command), so the model a new photo needs loads once
    and the query reuses it; stdout stays the results (the index summary goes to stderr)."""
    from photoclip.cli.index_command import index_with_progress, print_summary, tell_model_missing, tell_placed
    from photoclip.core.library import Library

    indexing = args.index is not None
    # indexing sizes its own model threads (core/balance.py); a query alone gets every core
    with Library.open(settings if indexing else _query_threads(settings)) as library:
        library.one_shot = not indexing  # (indexing opens the index and the model anyway)
        if indexing:
            paths = [p for p in args.index if p is not None]
            for placement in [library.place_folder(p) for p in paths]:
                tell_placed(placement)
            summary, failures = index_with_progress(library, paths or None, quiet=args.json)
            if not args.json:
                print_summary(summary, failures if not summary.model_missing else [], sys.stderr)
            if summary.cancelled:
                return EXIT_INTERRUPTED
            if summary.model_missing:  # nothing to search with
                tell_model_missing(summary)
                return EXIT_ERROR
        results = library.search_results(args.query, args.limit, _filters(args), args.min_score)
        warn_cut(library.cut_query_terms(args.query))
    _print_hits(results, args, f'"{args.query}"')
    return EXIT_OK


def _similar(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.library import Library

    with Library.open(_query_threads(settings)) as library:
        library.one_shot = True
        results = library.similar_results(list(args.path), args.limit, _filters(args), args.min_score)
    _print_hits(results, args, ", ".join(f'"{display(p.name)}"' for p in args.path))
    return EXIT_OK


def _query_threads(settings: Settings) -> Settings:
    """A one-shot query has the machine to itself: every core for the text tower, unless the user chose."""
    if not os.environ.get("PHOTOCLIP_THREADS"):
        settings.threads = os.cpu_count() or 1
    return settings


def _filters(args: argparse.Namespace) -> Filters:
    from photoclip.core.search import Filters

    folder = str(args.folder.expanduser().resolve()) if args.folder else None
    return Filters(folder=folder, date_from=args.date_from, date_to=args.date_to)


def _print_hits(results: SearchResults, args: argparse.Namespace, what: str) -> None:
    """The matches (``--all``: the whole ranking) as ``score  path`` lines or JSON; stdout stays the result,
    the note that nothing stands out goes to stderr."""
    hits = results.ranking if args.all else results.matches
    if args.json:
        emit_json([_hit_json(h, args.explain) for h in hits])
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
