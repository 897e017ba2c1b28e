"""``PHOTOCLIP_MODEL=test:colors``: the built-in colour test model runs the real ``photoclip`` command with no
torch and no model files, says it is a test model wherever the model is named, and a mistyped test model is
a one-line settings error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from photoclip.core.embed.color_test_model import LABEL, MODEL_ID, NOTE
from photoclip.core.errors import SettingsError
from photoclip.core.settings import Settings
from tests.support.library_fixtures import color_model_env, write_photo

REPO = Path(__file__).resolve().parents[2]
#: the real CLI in a fresh process; afterwards prints which heavy modules it imported
_CLI_THEN_MODULES = """
import sys
from photoclip.cli.main import main
code = main(sys.argv[1:])
print("MODULES:" + ",".join(sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "transformers"})))
sys.exit(code)
"""


def photoclip(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    env |= {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", **color_model_env(tmp_path)}
    return subprocess.run([sys.executable, "-c", _CLI_THEN_MODULES, *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_settings_take_the_test_model_and_refuse_an_unknown_one():
    assert Settings.from_env({"PHOTOCLIP_MODEL": "test:colors"}).model == "test:colors"
    assert Settings.from_env({"PHOTOCLIP_MODEL": " Test:Colors "}).model == "test:colors"
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PHOTOCLIP_MODEL": "test:colours"})
    assert "test:colors" in raised.value.hint


def test_index_search_status_and_model_list_run_without_torch_and_name_the_test_model(tmp_path):
    photos = tmp_path / "Pictures"
    for colour in ("red", "green", "blue"):
        write_photo(photos / f"{colour}.jpg", colour)

    index = photoclip(tmp_path, "index", str(photos), "--json")
    assert index.returncode == 0, index.stderr
    assert json.loads(index.stdout.split("MODULES:")[0])["embedded"] == 3
    search = photoclip(tmp_path, "search", "blue", "--all", "--json")
    assert search.returncode == 0, search.stderr
    assert Path(json.loads(search.stdout.split("MODULES:")[0])[0]["path"]).name == "blue.jpg"
    status = photoclip(tmp_path, "status")
    assert f"Model:   {MODEL_ID} ({NOTE})" in status.stdout
    listing = photoclip(tmp_path, "model", "list")
    assert f"In use: {LABEL}." in listing.stdout
    status_json = photoclip(tmp_path, "status", "--json")
    assert json.loads(status_json.stdout.split("MODULES:")[0])["model"] == MODEL_ID
    for run in (index, search, status, listing, status_json):
        assert run.stdout.rstrip().endswith("MODULES:"), run.stdout  # neither torch nor transformers


def test_a_mistyped_test_model_is_one_line_and_exit_1(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOCLIP_")}
    env |= {"PYTHONPATH": str(REPO), **color_model_env(tmp_path), "PHOTOCLIP_MODEL": "test:nope"}
    result = subprocess.run([sys.executable, "-m", "photoclip", "status"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "test:colors" in result.stderr
