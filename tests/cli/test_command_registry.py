"""Every sub-command is registered the same way (cli/registry.py), and building the parser, which every
``photoclip`` call does, stays cheap: the command modules import the core inside their handlers."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from photoclip.cli import registry
from photoclip.cli.main import build_parser

REPO = Path(__file__).resolve().parents[2]


def sub_commands(parser: argparse.ArgumentParser) -> list[str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(action.choices)


def test_each_command_module_adds_the_commands_it_names_and_runs_them():
    for module in registry.MODULES:
        parser = argparse.ArgumentParser()
        module.add_parsers(parser.add_subparsers(dest="command"))
        assert sub_commands(parser) == list(module.COMMANDS), module.__name__
        assert callable(module.run)


def test_every_command_the_parser_offers_has_one_handler():
    offered = sub_commands(build_parser())
    named = [name for module in registry.MODULES for name in module.COMMANDS]
    assert offered == named and len(set(named)) == len(named)
    assert offered[:4] == ["index", "search", "similar", "status"]  # --help starts with the everyday ones


def test_building_the_parser_imports_no_model_index_or_gui_library():
    code = ("import sys\n"
            "from photoclip.cli.main import build_parser\n"
            "build_parser().parse_args(['search', 'a dog'])\n"
            "heavy = {'numpy', 'torch', 'transformers', 'hnswlib', 'openvino', 'PySide6'}\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
