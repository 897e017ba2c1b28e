"""Bad settings are one line and exit 1, through the real CLI as a user runs it: every ``PHOTOCLIP_*`` variable
with a bad value names the variable and what it may be, with no traceback and no crash report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from photoclip.core.errors import SettingsError
from photoclip.core.settings import MAX_COUNT, Settings

REPO = Path(__file__).resolve().parents[2]

#: variable -> (bad value, words the message must contain); "{file}" is a plain file in the test's folder.
BAD = {
    "PHOTOCLIP_DATA_DIR": ("{file}", "folder"),
    "PHOTOCLIP_CACHE_DIR": ("{file}/cache", "folder"),
    "PHOTOCLIP_BUNDLED_MODELS_DIR": ("{file}", "folder"),
    "PHOTOCLIP_MODEL": ("clip vit b32!", "hub id"),
    "PHOTOCLIP_BACKEND": ("nonsense", "openvino-int8"),
    "PHOTOCLIP_DEVICE": ("toaster", "cuda:N"),
    "PHOTOCLIP_THREADS": ("abc", f"1 to {MAX_COUNT}"),
    "PHOTOCLIP_DECODE_WORKERS": ("-3", f"1 to {MAX_COUNT}"),
    "PHOTOCLIP_DECODE_MODE": ("fork", "threads, processes"),
    "PHOTOCLIP_OFFLINE": ("maybe", "true"),
    "PHOTOCLIP_INDEX_PROCESS": ("sometimes", "true"),
}
#: the same numbers out of range
OUT_OF_RANGE = {"PHOTOCLIP_THREADS": ("0", "1 to"), "PHOTOCLIP_DECODE_WORKERS": (str(MAX_COUNT + 1), "1 to")}


def test_the_table_covers_every_variable_the_settings_read():
    source = (REPO / "photoclip" / "core" / "settings.py").read_text()
    assert set(re.findall(r'"(PHOTOCLIP_[A-Z_]+)"', source)) == set(BAD)


def run_status(tmp_path: Path, name: str, value: str) -> subprocess.CompletedProcess:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    env |= {"PYTHONPATH": str(REPO), "PHOTOCLIP_DATA_DIR": str(data), "PHOTOCLIP_OFFLINE": "1", name: value}
    return subprocess.run([sys.executable, "-m", "photoclip", "status"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("name", "bad"), [*BAD.items(), *OUT_OF_RANGE.items()],
                         ids=[*BAD, *(f"{k}-out-of-range" for k in OUT_OF_RANGE)])
def test_a_bad_value_is_one_line_and_exit_1(tmp_path, name, bad):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    value, words = bad[0].format(file=afile), bad[1]
    result = run_status(tmp_path, name, value)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("photoclip: ") and name in line and repr(value) in line and words in line
    assert "internal error" not in line
    for root in (tmp_path / "data", afile.parent):
        assert not list(root.glob("logs/crash-*")), "a bad setting is not a crash"


def test_good_values_are_taken_as_given(tmp_path):
    env = {"PHOTOCLIP_DATA_DIR": str(tmp_path / "new" / "data"), "PHOTOCLIP_BACKEND": "OpenVINO-bf16",
           "PHOTOCLIP_DEVICE": "cuda:1", "PHOTOCLIP_THREADS": " 3 ", "PHOTOCLIP_DECODE_WORKERS": str(MAX_COUNT),
           "PHOTOCLIP_DECODE_MODE": "processes", "PHOTOCLIP_OFFLINE": "0", "PHOTOCLIP_MODEL": "org/some-model",
           "PHOTOCLIP_BUNDLED_MODELS_DIR": str(tmp_path / "not-yet")}
    settings = Settings.from_env(env)
    assert settings.data_dir == tmp_path / "new" / "data" and settings.cache_dir == tmp_path / "new" / "data" / "cache"
    assert (settings.backend, settings.device, settings.threads) == ("openvino-bf16", "cuda:1", 3)
    assert (settings.decode_workers, settings.decode_mode, settings.model) == (MAX_COUNT, "processes", "org/some-model")
    assert settings.allow_download  # "0" is off (it used to mean offline: any value did)
    assert not Settings.from_env({**env, "PHOTOCLIP_OFFLINE": "yes"}).allow_download
    unset = Settings.from_env({**env, "PHOTOCLIP_THREADS": ""})  # empty = unset: sized while indexing
    assert unset.threads is None and unset.start_threads >= 1
    assert settings.index_process  # the app indexes in a child process unless told otherwise
    assert not Settings.from_env({**env, "PHOTOCLIP_INDEX_PROCESS": "0"}).index_process
    assert Settings.from_env({**env, "PHOTOCLIP_INDEX_PROCESS": "on"}).index_process


def test_the_error_is_typed_for_the_gui_too(tmp_path):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PHOTOCLIP_DATA_DIR": str(tmp_path), "PHOTOCLIP_THREADS": "many"})
    assert caught.value.variable == "PHOTOCLIP_THREADS" and "whole number" in caught.value.hint
