"""``photoclip model``: the model catalog, downloads, imports, switching without downtime, and trying a model."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from photoclip.cli.runtime import EXIT_INTERRUPTED, EXIT_OK, run_in_thread

if TYPE_CHECKING:
    from photoclip.core.library import Library
    from photoclip.core.settings import Settings

COMMANDS = ("model",)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("model", help="the models photoclip can use: list, download, import, switch, compare")
    msub = p.add_subparsers(dest="model_command", required=True)
    ls = msub.add_parser("list", help="the model catalog: quality as published, size, languages, licence")
    ls.add_argument("--json", action="store_true")
    d = msub.add_parser("download", help="download a model from the Hugging Face hub")
    d.add_argument("model_id", nargs="?", default=None, help="hub id (default: the library's model)")
    i = msub.add_parser("import", help="use a model folder copied from another machine")
    i.add_argument("directory", type=Path)
    u = msub.add_parser("use", help="switch the library to another model; search keeps working meanwhile "
                                    "(Ctrl-C pauses; run it again to go on)")
    u.add_argument("model_id", nargs="?", default=None,
                   help="hub id or folder (default: resume the switch under way)")
    u.add_argument("--cancel", action="store_true", help="give up the switch under way")
    c = msub.add_parser("compare", help="one query on the library's model and on the model being switched to "
                                        "(or --with), side by side")
    c.add_argument("query")
    c.add_argument("--with", dest="other", help="hub id or folder to compare with (default: the switch target)")
    c.add_argument("--limit", "-k", type=int, default=10)
    c.add_argument("--json", action="store_true")


def open_library(settings: Settings, **kwargs) -> Library:
    """How these commands open a library; tests replace it to inject test embedders."""
    from photoclip.core.library import Library

    return Library.open(settings, **kwargs)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return {"list": _list, "download": _download, "import": _import, "use": _use,
            "compare": _compare}[args.model_command](args, settings)


# --- list ------------------------------------------------------------------------------------------------


def _list(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.embed.color_test_model import is_test_model, model_label

    with open_library(settings) as library:
        in_use = library.model_spec
        rows = [entry.as_dict() for entry in library.models.entries()]
        catalogued = {m.hub_id for m in library.models.catalog}
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    print(f"{'':3}{'model':44} {'family':8} {'params':>7} {'dim':>5} {'px':>4} {'tokens':>6} {'download':>9}"
          f" {'ImageNet':>8} {'COCO R@1':>8}  languages")
    for row in rows:
        mark = ("*" if row["in_use"] else ">" if row["switching_to"] else " ") + ("+" if row["recommended"] else " ")
        q = row["quality"]
        print(f"{mark:3}{row['hub_id']:44} {row['family']:8} {row['params_m']:>6}M {row['dim']:>5} "
              f"{row['image_size']:>4} {row['max_text_tokens']:>6} {_mb(row['download_mb']):>9} "
              f"{_pct(q['imagenet_top1']):>8} {_pct(q['coco_t2i_r1']):>8}  {row['languages']}, {row['licence']}"
              + _speed_note(row["measured_here"]))
    print("* in use   + recommended for this computer   > being switched to   "
          "(img/s \"here\": measured on this computer when the model ran with the auto backend)")
    print("Quality: zero-shot ImageNet top-1 and COCO 5k text→image recall@1 as published "
          "(sources: docs/models.md); not measured by photoclip.")
    if is_test_model(in_use):
        print(f"In use: {model_label(in_use)}.")
    elif in_use not in catalogued:
        print(f"In use: {in_use} (not in the catalog).")
    return EXIT_OK


def _speed_note(speeds: dict[str, float] | None) -> str:
    if not speeds:
        return ""
    backend, value = max(speeds.items(), key=lambda kv: kv[1])
    return f"; here {value:.0f} img/s ({backend})"


def _mb(mb: int) -> str:
    return f"{mb / 1000:.1f} GB" if mb >= 1000 else f"{mb} MB"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


# --- download / import -----------------------------------------------------------------------------------


def _download(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.control import JobControl
    from photoclip.core.embed import registry

    hub_id = args.model_id
    if hub_id is None:
        with open_library(settings) as library:
            hub_id = library.model_spec
    control = JobControl()
    bar = _DownloadBar()
    folder = run_in_thread(
        lambda: registry.download_model(hub_id, settings.models_dir, progress=bar, cancel=control.cancel_event),
        control.cancel,
    )
    bar.close()
    print(f"Downloaded {hub_id} into {folder}.")
    return EXIT_OK


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.embed import registry

    folder, model_id = registry.import_model(args.directory.expanduser(), settings.models_dir)
    print(f"Imported {model_id} into {folder}.")
    print(f"Switch the library to it with: photoclip model use {model_id.rsplit('@', 1)[0]}")
    return EXIT_OK


class _DownloadBar:
    def __init__(self) -> None:
        self._bar = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="B", unit_scale=True, file=sys.stderr, disable=not sys.stderr.isatty())
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# --- use (switch) -----------------------------------------------------------------------------------------


def _use(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.cli.progress import TerminalProgress
    from photoclip.cli.runtime import run_in_thread
    from photoclip.core.control import JobControl

    with open_library(settings) as library:
        if args.cancel:
            library.cancel_switch()
            print(f"Switch cancelled; the library keeps {library.model_spec}.")
            return EXIT_OK
        before = library.model_spec
        progress = TerminalProgress()
        library.events.subscribe(progress)
        control = JobControl()
        try:
            outcome = run_in_thread(lambda: library.switch_model(args.model_id, control), control.cancel)
        finally:
            progress.close()
    if outcome.switched:
        print(f"The library now uses {outcome.spec} ({outcome.model_id})." if outcome.spec != before
              else f"The library already uses {outcome.spec}.")
        if outcome.spec != before:
            print(f"{before}'s vectors stay until 'photoclip cleanup --old-models'.")
        return EXIT_OK
    p = outcome.progress
    done = f"{p.done} of {p.total} photos" if p else "part of the library"
    print(f"Switch to {outcome.spec} paused: {done} have its vectors; search keeps using {before}. "
          f"Run 'photoclip model use' to go on.", file=sys.stderr)
    return EXIT_INTERRUPTED if control.cancelled else EXIT_OK


# --- compare ---------------------------------------------------------------------------------------------


def _compare(args: argparse.Namespace, settings: Settings) -> int:
    from photoclip.core.errors import QueryError

    with open_library(settings) as library:
        current = library.model_spec
        pending = library.switch_progress()
        other = args.other or (pending.spec if pending else None)
        if other is None:
            raise QueryError("There is no model to compare with.",
                             "Start a switch (photoclip model use ID) or name one with --with ID.")
        left = library.search(args.query, args.limit)
    trial = replace(settings, model=other, model_explicit=True)
    with open_library(trial, remember_model=False) as library:
        right = library.search(args.query, args.limit)
        done, total = library.vector_coverage(library.model.model_id)
    if args.json:
        print(json.dumps({"query": args.query, current: [_hit(h) for h in left], other: [_hit(h) for h in right],
                          "compared_on": {"photos": done, "of": total}}, ensure_ascii=False))
        return EXIT_OK
    print(f"{current:<52} | {other}  ({done} of {total} photos have its vectors)")
    for i in range(max(len(left), len(right))):
        a = _line(left[i]) if i < len(left) else ""
        b = _line(right[i]) if i < len(right) else ""
        print(f"{a:<52} | {b}")
    return EXIT_OK


def _hit(hit) -> dict:
    from photoclip.core.filenames import json_fields

    return json_fields(hit.path) | {"score": round(hit.score, 6)}


def _line(hit) -> str:
    from photoclip.core.filenames import display

    return f"{hit.score:6.3f}  {display(Path(hit.path).name)[:43]}"
