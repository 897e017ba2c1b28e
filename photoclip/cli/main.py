"""The ``photoclip`` command: sub-commands over the Library façade. The one place errors become exit codes."""

from __future__ import annotations

import argparse
import contextlib
import sys
import traceback
from datetime import datetime
from pathlib import Path

from photoclip import __version__
from photoclip.cli.runtime import EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, run_in_thread
from photoclip.core.errors import user_error_for
from photoclip.core.settings import Settings

__all__ = ["EXIT_ERROR", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "build_parser", "main", "run_in_thread"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="photoclip", description="Find your photos by what is in them.")
    parser.add_argument("--version", action="version", version=f"photoclip {__version__}")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("index", help="add folders and index their photos")
    p.add_argument("paths", nargs="*", type=Path, help="folders (default: every folder already in the library)")
    p.add_argument("--json", action="store_true", help="print one JSON object with the counts")

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
        p.add_argument("--from", dest="date_from", type=_iso_date, help="taken on or after (YYYY-MM-DD)")
        p.add_argument("--to", dest="date_to", type=_iso_date, help="taken on or before (YYYY-MM-DD)")
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

    p = sub.add_parser("status", help="counts, model, index size and failed files")
    p.add_argument("--json", action="store_true")
    p.add_argument("--recall", action="store_true",
                   help="also check the search index against an exact search (recall@50 of sample queries; "
                        "reads every stored vector once)")

    p = sub.add_parser("remove", help="remove a folder from the library (files are not touched)")
    p.add_argument("path", type=Path)

    p = sub.add_parser("watch", help="keep folders indexed as photos arrive, change, move or go (Ctrl-C stops)")
    p.add_argument("paths", nargs="*", type=Path, help="folders (default: every folder already in the library)")
    p.add_argument("--poll", action="append", type=Path, default=[], metavar="PATH",
                   help="always poll this folder (remembered); for shares whose changes inotify cannot see")
    p.add_argument("--native", action="append", type=Path, default=[], metavar="PATH",
                   help="always use the system's change events for this folder (remembered)")
    p.add_argument("--settle", type=float, default=1.5, help="seconds a file must stay unchanged (default 1.5)")
    p.add_argument("--poll-interval", type=float, default=5.0, help="seconds between polls (default 5)")

    from photoclip.cli import model_commands, tag_commands  # model; tag, tags, album

    model_commands.add_parsers(sub)

    tag_commands.add_parsers(sub, _iso_date)
    from photoclip.cli import cleanup_command, list_command

    cleanup_command.add_parsers(sub)
    list_command.add_parsers(sub, _iso_date)
    from photoclip.cli import duplicates_command

    duplicates_command.add_parsers(sub)
    return parser


def _iso_date(text: str) -> str:
    try:
        datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from exc
    return text


def main(argv: list[str] | None = None) -> int:
    _quiet_libraries()
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _launch_gui()  # the app reads the settings itself and shows what is wrong in a window
    settings: Settings | None = None
    try:
        settings = Settings.from_env()
        from photoclip.cli import (
            cleanup_command,
            commands,
            duplicates_command,
            list_command,
            model_commands,
            tag_commands,
        )

        modules = (tag_commands, cleanup_command, model_commands, duplicates_command, list_command)
        module = next((m for m in modules if args.command in m.COMMANDS), commands)
        return getattr(module, f"cmd_{args.command}")(args, settings)
    except KeyboardInterrupt:
        print("photoclip: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the one place errors become exit codes: a user error is one line, a bug a report
        known = user_error_for(exc, settings.data_dir if settings else None)
        if known is not None:
            print(f"photoclip: {known.user_message} {known.hint}".strip(), file=sys.stderr)
            return EXIT_ERROR
        report = _write_crash_report(settings)
        print(f"photoclip: internal error: {type(exc).__name__}: {exc} (report: {report})", file=sys.stderr)
        return EXIT_INTERNAL


def _quiet_libraries() -> None:
    """Library warnings never reach the terminal (``--json`` output stays only JSON): core/quiet.py."""
    from photoclip.core.quiet import quiet_library_warnings

    quiet_library_warnings()


def _write_crash_report(settings: Settings | None) -> Path | str:
    """The traceback in ``<data>/logs/crash-*.txt``; written whole or not at all (a full disk left 0-byte
    files behind), so any report there has content."""
    if settings is None:
        return "not written"
    logs = settings.data_dir / "logs"
    path = logs / f"crash-{datetime.now():%Y%m%d-%H%M%S}.txt"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        logs.mkdir(parents=True, exist_ok=True)
        tmp.write_text(f"photoclip {__version__}\n{' '.join(sys.argv)}\n\n{traceback.format_exc()}")
        tmp.replace(path)
        return path
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return f"not written: {exc.strerror or exc}"


def _launch_gui() -> int:
    try:
        from photoclip.gui.app import main as gui_main
    except ImportError as exc:
        print(f"photoclip: the desktop app is not available ({exc}). See 'photoclip --help'.", file=sys.stderr)
        return EXIT_ERROR
    return gui_main()
