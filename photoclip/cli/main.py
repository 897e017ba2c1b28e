"""The ``photoclip`` command: sub-commands over the Library façade (cli/registry.py lists them); without one, the
app. Errors become messages and exit codes in one place: cli/runtime.py."""

from __future__ import annotations

import argparse
import sys

from photoclip import __version__
from photoclip.cli import registry
from photoclip.cli.runtime import EXIT_ERROR, exit_code_for
from photoclip.core.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="photoclip", description="Find your photos by what is in them.")
    parser.add_argument("--version", action="version", version=f"photoclip {__version__}")
    registry.add_parsers(parser.add_subparsers(dest="command"))
    return parser


def main(argv: list[str] | None = None) -> int:
    _quiet_libraries()
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _launch_gui()  # the app reads the settings itself and shows what is wrong in a window
    settings: Settings | None = None
    try:
        settings = Settings.from_env()
        return registry.run(args, settings)
    except (Exception, KeyboardInterrupt) as exc:  # a user error is one line, a bug a report: cli/runtime.py
        return exit_code_for(exc, settings)


def _quiet_libraries() -> None:
    """Library warnings never reach the terminal (``--json`` output stays only JSON): core/quiet.py."""
    from photoclip.core.quiet import quiet_library_warnings

    quiet_library_warnings()


def _launch_gui() -> int:
    try:
        from photoclip.gui.app import main as gui_main
    except ImportError as exc:
        print(f"photoclip: the desktop app is not available ({exc}). See 'photoclip --help'.", file=sys.stderr)
        return EXIT_ERROR
    return gui_main()
