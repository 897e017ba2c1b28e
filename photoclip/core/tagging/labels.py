"""Labels in plain language: a name, the prompts that describe it, prompts it must not match, a threshold.

A label without prompts is described by its name inside several CLIP prompt templates (the CLIP paper's
ensembling); prompts the user writes are used as written. Label sets load and save as JSON or as a text file
with one label per line::

    # comment
    Animals|Dog: a dog | a puppy ! a cat | a wolf @ 3.5

``NAME [: prompt | prompt] [! negative | negative] [@ threshold]``; ``|`` inside NAME is the tag hierarchy.
"""

from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from photoclip.core.calibration import DEFAULT_THRESHOLD
from photoclip.core.errors import LabelSetError

#: Templates from the CLIP paper's ImageNet ensemble that read well for everyday words (no colour words in
#: them, so they add no content of their own).
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "a photo of {}",
    "a photo of the {}",
    "a close-up photo of {}",
    "a cropped photo of {}",
    "a good photo of {}",
    "a bright photo of {}",
    "a photo of many {}",
)

#: Prompts that describe any photo: a label must beat them before it says anything about the photo.
BACKGROUND_PROMPTS: tuple[str, ...] = ("a photo", "an image", "a picture", "a photo of something", "a snapshot")


# Shipped inside the package so pip installs and app bundles carry them.
PRESETS_DIR = Path(__file__).resolve().parents[2] / "resources" / "labels"


@dataclass(frozen=True)
class Label:
    name: str
    prompts: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    threshold: float | None = None

    def __post_init__(self) -> None:
        name = "|".join(part.strip() for part in self.name.split("|"))
        if not name or any(not part for part in name.split("|")):
            raise LabelSetError(f"Label name {self.name!r} is empty.", "Give every label a name, e.g. 'Places|Beach'.")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "prompts", tuple(p.strip() for p in self.prompts if p.strip()))
        object.__setattr__(self, "negatives", tuple(p.strip() for p in self.negatives if p.strip()))

    @property
    def leaf(self) -> str:
        """The last level of the hierarchy: what goes into prompts and into ``dc:subject``."""
        return self.name.rsplit("|", 1)[-1]

    def positive_prompts(self, templates: tuple[str, ...] = DEFAULT_TEMPLATES) -> tuple[str, ...]:
        if self.prompts:
            return self.prompts
        word = self.leaf.lower()
        if templates == DEFAULT_TEMPLATES and not latin_script(word):
            # "a photo of 犬" is half English, half Japanese: no caption a multilingual model learnt from looks
            # like that, so a label in another script is its own prompt (an English-only CLIP cannot read it
            # either way). A set's own templates (e.g. "ein Foto von {}") are always used as written.
            return (word,)
        return tuple(t.format(word) for t in templates) or (word,)

    def threshold_or_default(self, default: float = DEFAULT_THRESHOLD) -> float:
        return default if self.threshold is None else self.threshold

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.prompts:
            out["prompts"] = list(self.prompts)
        if self.negatives:
            out["negatives"] = list(self.negatives)
        if self.threshold is not None:
            out["threshold"] = self.threshold
        return out


@dataclass(frozen=True)
class LabelSet:
    name: str
    labels: tuple[Label, ...]
    description: str = ""
    #: at most one label of the set per photo (e.g. document kinds); the best calibrated score wins
    exclusive: bool = False
    #: the GUI blurs photos with accepted or suggested tags from this set until clicked
    sensitive: bool = False
    templates: tuple[str, ...] = DEFAULT_TEMPLATES
    default_threshold: float = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        names = [label.name for label in self.labels]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise LabelSetError(f"Label set {self.name!r} names {', '.join(dupes)} twice.", "Keep one of each.")

    def threshold(self, label: Label) -> float:
        return label.threshold_or_default(self.default_threshold)

    def all_prompts(self) -> list[str]:
        """Every text the set sends to the model (positive prompts and negatives), each once."""
        texts = [p for lb in self.labels for p in (*lb.positive_prompts(self.templates), *lb.negatives)]
        return list(dict.fromkeys(texts))

    # JSON ----------------------------------------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.exclusive:
            out["exclusive"] = True
        if self.sensitive:
            out["sensitive"] = True
        if self.templates != DEFAULT_TEMPLATES:
            out["templates"] = list(self.templates)
        if self.default_threshold != DEFAULT_THRESHOLD:
            out["default_threshold"] = self.default_threshold
        out["labels"] = [label.as_dict() for label in self.labels]
        return out

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any], name: str | None = None) -> LabelSet:
        try:
            labels = tuple(_label_from(item) for item in data["labels"])
            templates = tuple(data.get("templates") or DEFAULT_TEMPLATES)
            if any("{}" not in t for t in templates):
                raise LabelSetError("Every prompt template needs a {} for the label.", "e.g. 'a photo of {}.'")
            return cls(
                name=str(data.get("name") or name or "labels"), labels=labels,
                description=str(data.get("description", "")), exclusive=bool(data.get("exclusive", False)),
                sensitive=bool(data.get("sensitive", False)), templates=templates,
                default_threshold=float(data.get("default_threshold", DEFAULT_THRESHOLD)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            hint = 'Expected {"name": ..., "labels": [{"name": ...}]}.'
            raise LabelSetError(f"Not a label set: {exc}.", hint) from exc

    @classmethod
    def from_json(cls, text: str, name: str | None = None) -> LabelSet:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LabelSetError(f"The label set is not valid JSON: {exc}.", "Check the file.") from exc
        if not isinstance(data, dict):
            raise LabelSetError("The label set is not a JSON object.", 'Expected {"name": ..., "labels": [...]}.')
        return cls.from_dict(data, name)

    # text ----------------------------------------------------------------------------------------------
    def to_text(self) -> str:
        for label in self.labels:
            texts = [label.name.replace("|", ""), *label.prompts, *label.negatives]
            if any(ch in text for text in texts for ch in ":!@|"):
                raise LabelSetError(
                    f"Label {label.name!r} uses ':', '!', '@' or '|' in a way the text format cannot hold.",
                    "Save the set as .json instead.",
                )
        lines = [f"# photoclip label set: {self.name}"]
        if self.description:
            lines.append(f"# {self.description}")
        for label in self.labels:
            line = label.name
            if label.prompts:
                line += ": " + " | ".join(label.prompts)
            if label.negatives:
                line += " ! " + " | ".join(label.negatives)
            if label.threshold is not None:
                line += f" @ {label.threshold:g}"
            lines.append(line)
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text: str, name: str) -> LabelSet:
        labels = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                labels.append(parse_label_line(line))
            except LabelSetError as exc:
                raise LabelSetError(f"Line {number}: {exc.user_message}", exc.hint) from exc
        return cls(name=name, labels=tuple(labels))

    # files ---------------------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """``.json`` writes JSON, anything else the text format. Atomic (temp file, then rename): a reader never
        sees half a file, and a failed write leaves an existing export as it was."""
        text = self.to_json() if path.suffix.lower() == ".json" else self.to_text()
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise LabelSetError(f"Cannot write {path}: {exc.strerror or exc}.",
                                "Choose a folder you can write to.") from exc

    @classmethod
    def load(cls, path: Path) -> LabelSet:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise LabelSetError(f"Cannot read {path}: {exc.strerror or exc}.", "Check the path.") from exc
        if path.suffix.lower() == ".json":
            return cls.from_json(text, name=path.stem)
        return cls.from_text(text, name=path.stem)


def parse_label_line(line: str) -> Label:
    """``NAME [: prompt | prompt] [! negative | negative] [@ threshold]``."""
    threshold = None
    if "@" in line:
        line, _, number = line.rpartition("@")
        try:
            threshold = float(number)
        except ValueError as exc:
            raise LabelSetError(f"{number.strip()!r} is not a threshold.", "Write e.g. '@ 3.5'.") from exc
    negatives: list[str] = []
    if "!" in line:
        line, _, neg = line.partition("!")
        negatives = neg.split("|")
    prompts: list[str] = []
    if ":" in line:
        line, _, pos = line.partition(":")
        prompts = pos.split("|")
    return Label(line.strip(), tuple(prompts), tuple(negatives), threshold)


def _label_from(item: dict[str, Any] | str) -> Label:
    if isinstance(item, str):
        return Label(item)
    threshold = item.get("threshold")
    return Label(
        name=str(item["name"]), prompts=tuple(item.get("prompts", ())), negatives=tuple(item.get("negatives", ())),
        threshold=None if threshold is None else float(threshold),
    )


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.json"))


def load_preset(name: str) -> LabelSet:
    path = PRESETS_DIR / f"{name}.json"
    if not path.is_file():
        raise LabelSetError(f"No preset label set named {name!r}.", f"Presets: {', '.join(preset_names()) or 'none'}.")
    return LabelSet.load(path)


def latin_script(text: str) -> bool:
    """True when every letter of ``text`` is a Latin one (English, French, German, Vietnamese...)."""
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())
