#!/usr/bin/env bash
# Creates .venv and installs photoclip into it (idempotent: re-installs only when pyproject.toml changed).
#   scripts/setup.sh          the app
#   scripts/setup.sh --test   the app and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[[ "${1:-}" == "--test" ]] && extras="test"
# OpenVINO is always installed; NNCF (its int8 calibration, ~250 MB with scipy and scikit-learn) only where int8
# has the instructions that make it pay: VNNI or AMX (README "Install size"). PHOTOCLIP_INT8=0/1 overrides.
if [[ "${PHOTOCLIP_INT8:-}" == 1 ]] || { [[ -z "${PHOTOCLIP_INT8:-}" ]] \
        && grep -qwE 'avx512_vnni|avx_vnni|amx_int8' /proc/cpuinfo 2>/dev/null; }; then
    extras="${extras:+$extras,}openvino"
fi
extras="${extras:+[$extras]}"
python="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
    "$python" -m venv .venv
fi
stamp=".venv/.photoclip-installed${extras}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    # A pinned torch is a local CPU build here; an unpinned one pulls a multi-GB CUDA build.
    .venv/bin/python -m pip install --quiet "torch==${PHOTOCLIP_TORCH_VERSION:-2.13.0}"
    .venv/bin/python -m pip install --quiet -e ".${extras}"
    echo "$want" > "$stamp"
fi
