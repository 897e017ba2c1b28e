"""Sub-commands ``tag``, ``tags`` and ``album``: zero-shot tagging, the review queue and smart albums.

The core is imported inside the commands: building the parser (every ``photoclip`` call) stays cheap.
An XMP sidecar that cannot be updated (not valid XMP, read-only folder) is one warning line on stderr: the
tags are in the catalog and the other sidecars written, so the command still exits 0 (as ``index`` does for
files it skips).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from photoclip.cli.arguments import emit_json, iso_date
from photoclip.cli.notes import warn_cut
from photoclip.cli.runtime import EXIT_OK
from photoclip.core.errors import LabelSetError, SidecarSkipped, TaggingError
from photoclip.core.filenames import display

if TYPE_CHECKING:
    from collections.abc import Iterator

    from photoclip.core.library import Library
    from photoclip.core.settings import Settings
    from photoclip.core.tagging import LabelSet, Tagger

COMMANDS = ("tag", "tags", "album")


def open_library(settings: Settings) -> Library:
    """How these commands open the library; tests replace it to inject a test embedder."""
    from photoclip.core.library import Library

    return Library.open(settings)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tag", help="suggest tags from labels you write (zero-shot), optionally accept them")
    p.add_argument("labels", nargs="*", metavar="LABEL",
                   help="'dog', or 'Animals|Dog: a dog | a puppy ! a cat @ 3' (prompts, ! negatives, @ threshold)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME|FILE",
                   help="a saved or preset label set, or a .json/.txt label set file (repeatable)")
    p.add_argument("--folder", type=Path, help="only photos under this folder")
    p.add_argument("--album", help="only photos in this album")
    p.add_argument("--threshold", type=float, help="calibrated score needed, for every label (default: per label)")
    p.add_argument("--apply", action="store_true", help="accept every suggestion above the threshold")
    p.add_argument("--json", action="store_true", help='print [{"path", "tag", "score", "prompt", ...}]')

    p = sub.add_parser("tags", help="tags, the review queue, label sets and XMP write-back")
    tsub = p.add_subparsers(dest="tags_command", required=True)
    q = tsub.add_parser("list", help="every tag with its suggested / accepted / rejected / typed counts")
    q.add_argument("--json", action="store_true")
    q = tsub.add_parser("pending", help="the review queue: suggestions not yet accepted or rejected")
    q.add_argument("--tag")
    q.add_argument("--json", action="store_true")
    for name, helptext in (("accept", "accept suggestions (all pending ones of TAG when no PATH is given)"),
                           ("reject", "reject suggestions: never suggested again for these photos")):
        q = tsub.add_parser(name, help=helptext)
        q.add_argument("tag")
        q.add_argument("paths", nargs="*", type=Path)
        q.add_argument("--min-score", type=float, help="accept: only suggestions at or above this score")
    q = tsub.add_parser("add", help="tag photos yourself (kept apart from the model's tags)")
    q.add_argument("tag")
    q.add_argument("paths", nargs="+", type=Path)
    q = tsub.add_parser("remove", help="remove a tag you added yourself")
    q.add_argument("tag")
    q.add_argument("paths", nargs="+", type=Path)
    q = tsub.add_parser("show", help="the tags of one photo")
    q.add_argument("path", type=Path)
    q.add_argument("--json", action="store_true")
    tsub.add_parser("sets", help="saved and preset label sets")
    q = tsub.add_parser("import", help="save a label set file (.json or .txt) in the library")
    q.add_argument("file", type=Path)
    q = tsub.add_parser("export", help="write a label set to a file (.json, else the text format)")
    q.add_argument("name")
    q.add_argument("file", type=Path)
    q = tsub.add_parser("xmp", help="write accepted tags to XMP sidecars (per library)")
    q.add_argument("state", choices=("on", "off", "status"))
    q.add_argument("--naming", choices=("append", "replace"), help="photo.jpg.xmp (append) or photo.xmp")
    q.add_argument("--write-all", action="store_true", help="also write sidecars for tags accepted before")

    p = sub.add_parser("album", help="smart albums (a saved query) and manual albums")
    asub = p.add_subparsers(dest="album_command", required=True)
    q = asub.add_parser("create", help="create a smart album from a query: text, +term, -term")
    q.add_argument("name")
    q.add_argument("query")
    q.add_argument("--folder", type=Path)
    q.add_argument("--from", dest="date_from", type=iso_date)
    q.add_argument("--to", dest="date_to", type=iso_date)
    q.add_argument("--threshold", type=float, help="calibrated score a photo needs (default 3)")
    q = asub.add_parser("list", help="albums with their photo counts")
    q.add_argument("--json", action="store_true")
    q = asub.add_parser("show", help="the photos of an album, best match first")
    q.add_argument("name")
    q.add_argument("--json", action="store_true")
    q = asub.add_parser("delete", help="delete an album (photos are not touched)")
    q.add_argument("name")


def run(args: argparse.Namespace, settings: Settings) -> int:
    return {"tag": _tag, "tags": _tags, "album": _album}[args.command](args, settings)


@contextmanager
def _tagger(settings: Settings) -> Iterator[tuple[Library, Tagger]]:
    """The opened library and its Tagger, whose skipped sidecars become warning lines, printed at the end."""
    skipped: list[SidecarSkipped] = []
    try:
        with open_library(settings) as library:
            yield library, library.tags.reporting(skipped.append)
    finally:
        _warn_skipped(skipped)


def _warn_skipped(skipped: list[SidecarSkipped]) -> None:
    if not skipped:
        return
    for problem in skipped:
        print(f"photoclip: {problem.user_message}", file=sys.stderr)
    hints = " ".join(dict.fromkeys(p.hint for p in skipped if p.hint))
    count = f"{len(skipped)} XMP sidecar{'s' if len(skipped) != 1 else ''}"
    print(f"photoclip: {count} skipped; the tags are saved in the catalog. {hints}".rstrip(), file=sys.stderr)


def _label_set(tagger: Tagger, args: argparse.Namespace) -> LabelSet:
    """Positional labels plus --set label sets; a single --set alone keeps its own options (exclusive, ...)."""
    from photoclip.core.tagging import LabelSet
    from photoclip.core.tagging.labels import parse_label_line

    sets = [_load_set(tagger, ref) for ref in args.sets]
    extra = [parse_label_line(text) for text in args.labels]
    if len(sets) == 1 and not extra:
        return sets[0]
    labels = [lb for label_set in sets for lb in label_set.labels] + extra
    if not labels:
        raise LabelSetError("No labels given.", "Name labels ('photoclip tag dog beach') or a set (--set scenes).")
    return LabelSet(name="command line", labels=tuple(labels))


def _load_set(tagger: Tagger, ref: str) -> LabelSet:
    from photoclip.core.tagging import LabelSet

    path = Path(ref).expanduser()
    return LabelSet.load(path) if path.suffix.lower() in (".json", ".txt") else tagger.label_set(ref)


def _photo_ids(library: Library, paths: list[Path]) -> list[int]:
    ids = []
    for path in paths:
        photo = library.photo_at(path)
        if photo is None:
            raise TaggingError(f"{path} is not in the library.", "Index its folder first.")
        ids.append(photo.id)
    return ids


def _tag(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.tagging import Scope

    with _tagger(settings) as (library, tagger):
        label_set = _label_set(tagger, args)
        scope = Scope(folder=str(args.folder) if args.folder else None, album=args.album)
        run = tagger.run(label_set, scope)
        warn_cut(library.cut_texts(label_set.all_prompts()))
        overrides = {lb.name: args.threshold for lb in label_set.labels} if args.threshold is not None else None
        suggestions = tagger.save_run(run, overrides)
        accepted = 0
        if args.apply:
            for tag in dict.fromkeys(s.tag for s in suggestions):
                accepted += tagger.accept([s.photo_id for s in suggestions if s.tag == tag], tag)
    if args.json:
        emit_json([{**s.as_dict(), "accepted": bool(args.apply)} for s in suggestions])
        return EXIT_OK
    if not suggestions:
        print("No suggestions at these thresholds.", file=sys.stderr)
    for s in suggestions:
        print(f"{s.score:7.2f}  {s.tag:<24}  {display(s.path)}  (matched: {s.prompt!r})")
    if args.apply:
        print(f"Accepted {accepted} tags.")
    elif suggestions:
        print(f"{len(suggestions)} suggestions in the review queue ('photoclip tags accept TAG' or --apply).")
    return EXIT_OK


def _tags(args: argparse.Namespace, settings: Settings) -> int:
    with _tagger(settings) as (library, tagger):
        return _TAGS[args.tags_command](library, tagger, args)


def _tags_list(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    counts = tagger.tag_counts()
    if args.json:
        emit_json([c.__dict__ for c in counts])
        return EXIT_OK
    if not counts:
        print("No tags yet. Try 'photoclip tag dog beach' or 'photoclip tag --set scenes'.", file=sys.stderr)
    for c in counts:
        print(f"{c.name:<28} {c.accepted:5} accepted  {c.user:5} yours  {c.suggested:5} suggested  "
              f"{c.rejected:5} rejected")
    return EXIT_OK


def _tags_pending(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    rows = tagger.pending(args.tag)
    if args.json:
        emit_json([{"path": r.path, "tag": r.tag, "score": r.score, "prompt": r.prompt} for r in rows])
        return EXIT_OK
    for r in rows:
        print(f"{r.score or 0:7.2f}  {r.tag:<24}  {display(r.path)}  (matched: {r.prompt!r})")
    return EXIT_OK


def _tags_decide(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    accept = args.tags_command == "accept"
    if args.paths:
        ids = _photo_ids(library, args.paths)
        count = tagger.accept(ids, args.tag) if accept else tagger.reject(ids, args.tag)
    elif accept:
        count = tagger.accept_all(args.tag, args.min_score)
    else:
        count = tagger.reject_all(args.tag)
    print(f"{'Accepted' if accept else 'Rejected'} {count} {args.tag!r} suggestions.")
    return EXIT_OK


def _tags_user(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    ids = _photo_ids(library, args.paths)
    if args.tags_command == "add":
        tagger.add_tags(ids, [args.tag])
    else:
        tagger.remove_tags(ids, [args.tag])
    return EXIT_OK


def _tags_show(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    rows = tagger.tags_of(_photo_ids(library, [args.path])[0])
    if args.json:
        emit_json([{"tag": r.tag, "source": r.source, "state": r.state, "score": r.score, "prompt": r.prompt}
                    for r in rows])
        return EXIT_OK
    for r in rows:
        score = f"{r.score:.2f}" if r.score is not None else "-"
        print(f"{r.tag:<28} {r.source:<9} {r.state:<9} {score}")
    return EXIT_OK


def _tags_sets(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    names = tagger.label_set_names()
    for name in names["saved"]:
        print(f"{name} (saved)")
    for name in names["presets"]:
        print(f"{name} (preset)")
    return EXIT_OK


def _tags_import(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    label_set = tagger.import_label_set(args.file.expanduser())
    print(f"Saved label set {label_set.name!r} ({len(label_set.labels)} labels).")
    return EXIT_OK


def _tags_export(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    tagger.export_label_set(args.name, args.file.expanduser())
    print(f"Wrote {args.file}.")
    return EXIT_OK


def _tags_xmp(library: Library, tagger: Tagger, args: argparse.Namespace) -> int:
    if args.state != "status":
        tagger.set_xmp_writeback(args.state == "on", args.naming)
    if args.write_all:
        print(f"Wrote sidecars for {tagger.write_all_sidecars()} photos.")
    print(f"XMP write-back: {'on' if tagger.xmp_enabled else 'off'} ({tagger.xmp_naming}: "
          f"{'photo.jpg.xmp' if tagger.xmp_naming == 'append' else 'photo.xmp'})")
    return EXIT_OK


_TAGS = {
    "list": _tags_list, "pending": _tags_pending, "accept": _tags_decide, "reject": _tags_decide,
    "add": _tags_user, "remove": _tags_user, "show": _tags_show, "sets": _tags_sets, "import": _tags_import,
    "export": _tags_export, "xmp": _tags_xmp,
}


def _album(args: argparse.Namespace, settings: Settings) -> int:
    with open_library(settings) as library:
        albums = library.albums
        command = args.album_command
        if command == "create":
            extra = {} if args.threshold is None else {"threshold": args.threshold}
            album = albums.create_smart(args.name, args.query, folder=str(args.folder) if args.folder else None,
                                        date_from=args.date_from, date_to=args.date_to, **extra)
            print(f"Created smart album {album.name!r}: {albums.count(album.name)} photos.")
        elif command == "list":
            listing = [{"name": a.name, "kind": a.kind, "query": a.query, "threshold": a.threshold,
                        "photos": albums.count(a.name)} for a in albums.list()]
            if args.json:
                emit_json(listing)
            for a in [] if args.json else listing:
                query = f"  {a['query']!r} @ {a['threshold']:g}" if a["kind"] == "smart" else ""
                print(f"{a['name']:<24} {a['kind']:<6} {a['photos']:6} photos{query}")
        elif command == "show":
            members = albums.members(args.name)
            if args.json:
                emit_json([m.as_dict() for m in members])
            for m in [] if args.json else members:
                print(f"{m.score:7.2f}  {display(m.path)}" if m.score is not None else display(m.path))
        elif command == "delete":
            albums.delete(args.name)
            print(f"Deleted album {args.name!r}.")
    return EXIT_OK
