#!/usr/bin/env bash
# Builds the self-contained app folder build/dist/photoclip/ with PyInstaller, in a clean venv under build/
# (never the developer's .venv: PyInstaller copies whatever the environment holds, a CUDA runtime included).
#   installers/build_bundle.sh                         the app; the model is downloaded on first run
#   installers/build_bundle.sh --bundle-model DIR      also ship the CLIP model folder DIR (works offline)
set -euo pipefail
cd "$(dirname "$0")/.."
model=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bundle-model) model="$2"; shift 2 ;;
        *) echo "usage: $0 [--bundle-model DIR]" >&2; exit 2 ;;
    esac
done
python="${PYTHON:-python3}"
venv=build/bundle-venv
start=$(date +%s)
if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# A pinned torch is the CPU build (an unpinned one pulls CUDA); PyInstaller 6.22 is the version measured here.
"$venv/bin/python" -m pip install --quiet "torch==${PHOTOCLIP_TORCH_VERSION:-2.13.0}" "pyinstaller==6.22.0"
# With OpenVINO + NNCF (the [openvino] extra), pinned to the versions measured: `auto` picks OpenVINO int8 on
# CPUs where it is faster (VNNI / AVX-512 / AMX / native bf16), which is most of the people using an installer.
"$venv/bin/python" -m pip install --quiet ".[openvino]" "openvino==${PHOTOCLIP_OPENVINO_VERSION:-2026.4.1}" \
    "nncf==${PHOTOCLIP_NNCF_VERSION:-3.4.0}"
# hnswlib has no wheels and compiles with -march=native by default: such a binary crashes (SIGILL) on CPUs
# older than the build machine's. Rebuild it portable, bypassing pip's wheel cache of the native build.
HNSWLIB_NO_NATIVE=1 "$venv/bin/python" -m pip install --quiet --no-cache-dir --force-reinstall --no-deps \
    "hnswlib==$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("hnswlib"))')"
# A baseline x86-64 build uses SSE registers only; AVX (ymm) or AVX-512 (zmm) means -march=native got in
# (measured: the native build here has 214 ymm instructions, the portable one none).
if [[ $(uname -m) == x86_64 ]] && objdump -d "$("$venv/bin/python" -c 'import hnswlib; print(hnswlib.__file__)')" \
        | grep -qE '%[yz]mm[0-9]+'; then
    echo "hnswlib uses AVX/AVX-512 instructions: it was built for this CPU only" >&2
    exit 1
fi
rm -rf build/dist/photoclip
"$venv/bin/pyinstaller" --noconfirm --log-level WARN --distpath build/dist --workpath build/pyinstaller \
    installers/photoclip.spec
# Licence notice of everything in the build venv (pyexiv2/exiv2 are GPL: the bundle as a whole is GPL-3.0)
"$venv/bin/python" installers/third_party_licenses.py build/dist/photoclip/LICENSES
if [[ -n "$model" ]]; then
    # models/ next to the executable is where an installed app looks first (Settings.bundled_models_dir)
    name=$("$venv/bin/python" -c 'import sys; from pathlib import Path
from photoclip.core.embed.registry import local_dir_name, model_name_for_folder, validate_model_folder
p = Path(sys.argv[1]).resolve(); validate_model_folder(p); print(local_dir_name(model_name_for_folder(p)))' "$model")
    mkdir -p build/dist/photoclip/models/"$name"
    find -L "$model" -maxdepth 1 -type f \( -name '*.json' -o -name '*.txt' -o -name '*.safetensors' \) \
        -exec cp -L {} build/dist/photoclip/models/"$name"/ \;
fi
echo "bundle: build/dist/photoclip ($(du -sh build/dist/photoclip | cut -f1), $(( $(date +%s) - start )) s)"
