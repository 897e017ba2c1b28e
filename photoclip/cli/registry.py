"""Every sub-command, registered the same way, in the order ``photoclip --help`` lists them.

A command module holds its parsers and its handler (beets' shape): ``COMMANDS`` (the names it adds),
``add_parsers(subparsers)`` and ``run(args, settings) -> exit code``. A module may hold a family of commands that
share options or helpers (``search``/``similar``; ``tag``/``tags``/``album``); ``args.command`` says which ran.
Command modules import the core inside their handlers, so building the parser (every call) stays cheap.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Protocol

from photoclip.cli import (
    cleanup_command,
    duplicates_command,
    index_command,
    list_command,
    model_commands,
    remove_command,
    search_command,
    status_command,
    tag_commands,
    watch_command,
)

if TYPE_CHECKING:
    from photoclip.core.settings import Settings


class CommandModule(Protocol):
    COMMANDS: tuple[str, ...]

    def add_parsers(self, sub: argparse._SubParsersAction) -> None: ...

    def run(self, args: argparse.Namespace, settings: Settings) -> int: ...


MODULES: tuple[CommandModule, ...] = (
    index_command, search_command, status_command, remove_command, watch_command, model_commands, tag_commands,
    cleanup_command, list_command, duplicates_command,
)
_BY_NAME: dict[str, CommandModule] = {name: module for module in MODULES for name in module.COMMANDS}


def add_parsers(sub: argparse._SubParsersAction) -> None:
    for module in MODULES:
        module.add_parsers(sub)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command the parser chose (``args.command``) and return its exit code."""
    return _BY_NAME[args.command].run(args, settings)
