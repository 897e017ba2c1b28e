#!/usr/bin/env bash
# Installs build/photoclip_*.deb with apt into a clean minimal Debian root (debootstrap, cached under
# build/smoke/), then, inside it and offscreen, with no network for the app (PHOTOCLIP_OFFLINE=1):
#   1. finds a model shipped in /opt/photoclip/models (the tiny test CLIP, as --bundle-model would put it),
#   2. indexes a folder and answers a search with the installed `photoclip` CLI,
#   3. indexes another library with PHOTOCLIP_BACKEND=openvino-int8 and decoding in processes (the frozen
#      app spawning itself as decode workers): int8 calibrated on 16 photos and checked by the quality guard
#      on 8 others, a search from a new process (reads the cached IR), and `status` showing the guard result,
#   4. starts the installed app (window shown, then SIGTERM: it must close cleanly and save its settings).
# Needs root (debootstrap, chroot) and a Debian mirror. Writes build/smoke/result.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $(id -u) == 0 ]] || { echo "smoke_test.sh needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
deb=$(ls -t build/photoclip_*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "no .deb in build/: run installers/linux/build_deb.sh first" >&2; exit 1; }
suite=${SMOKE_SUITE:-bookworm}
mirror=${SMOKE_MIRROR:-http://deb.debian.org/debian}
work=build/smoke
cache=$work/$suite-minbase.tar
root=$work/root
mkdir -p "$work"
if [[ ! -f $cache ]]; then
    echo "smoke: debootstrap $suite (cached in $cache for the next run)"
    rm -rf "$work/bootstrap"
    debootstrap --variant=minbase "$suite" "$work/bootstrap" "$mirror" >"$work/debootstrap.log"
    tar -C "$work/bootstrap" -cf "$cache" . && rm -rf "$work/bootstrap"
fi
cleanup() {
    umount "$root/sys" 2>/dev/null || true
    umount "$root/proc" 2>/dev/null || true
    umount "$root/dev" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
rm -rf "$root" && mkdir -p "$root" && tar -C "$root" -xf "$cache"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"  # as on a real system: OpenVINO/TBB (hwloc) read the CPU topology there
mount --bind /dev "$root/dev"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

cp "$deb" "$root/tmp/photoclip.deb"
start=$(date +%s)
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/photoclip.deb \
    >"$work/apt-install.log"
install_s=$(( $(date +%s) - start ))
echo "smoke: installed with apt in ${install_s} s"

.venv/bin/python -m installers.linux.smoke_assets "$root/tmp/assets" >/dev/null 2>&1
mkdir -p "$root/opt/photoclip/models"
cp -r "$root/tmp/assets/models/acme--tiny-clip" "$root/opt/photoclip/models/"
app_env=(QT_QPA_PLATFORM=offscreen PHOTOCLIP_OFFLINE=1 HF_HUB_OFFLINE=1)

in_root env "${app_env[@]}" photoclip --version
in_root env "${app_env[@]}" photoclip index /tmp/assets/photos --json >"$work/index.json"
in_root env "${app_env[@]}" photoclip search "a red photo" --json >"$work/search.json"
in_root env "${app_env[@]}" photoclip status --json >"$work/status.json"
python3 - "$work" <<'PY'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
index = json.loads((work / "index.json").read_text())
hits = json.loads((work / "search.json").read_text())
status = json.loads((work / "status.json").read_text())
assert index["embedded"] == 7 and index["failed"] == 0, index
assert len(hits) == 7 and all(h["path"].startswith("/tmp/assets/photos/") for h in hits), hits
assert status["model"].startswith("acme/tiny-clip@"), status  # the bundled model, found with no network
print(f"smoke: indexed {index['embedded']} photos, search returned {len(hits)} hits, model {status['model']}")
PY

# OpenVINO int8 (bundled openvino + nncf) with decode processes, in a library of its own
ov_env=("${app_env[@]}" PHOTOCLIP_DATA_DIR=/tmp/ov/data PHOTOCLIP_CACHE_DIR=/tmp/ov/cache
        PHOTOCLIP_BACKEND=openvino-int8 PHOTOCLIP_DECODE_MODE=processes PHOTOCLIP_DECODE_WORKERS=2)
start=$(date +%s)
in_root env "${ov_env[@]}" photoclip index /tmp/assets/photos-ov --json >"$work/ov-index.json" 2>"$work/ov-index.log" \
    || { echo "smoke: openvino-int8 index failed (log: $work/ov-index.log)" >&2; exit 1; }
ov_index_s=$(( $(date +%s) - start ))
in_root env "${ov_env[@]}" photoclip search "a photo by the sea" --json >"$work/ov-search.json"
in_root env "${ov_env[@]}" photoclip status --json >"$work/ov-status.json"
in_root env "${ov_env[@]}" photoclip status >"$work/ov-status.txt"
ls "$root"/tmp/ov/cache/openvino/*/int8/image.xml >/dev/null  # the quantised model, cached for next time
python3 - "$work" <<'PY'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
index = json.loads((work / "ov-index.json").read_text())
hits = json.loads((work / "ov-search.json").read_text())
[guard] = json.loads((work / "ov-status.json").read_text())["quality_guard"]
text = (work / "ov-status.txt").read_text()
assert index["embedded"] == 24 and index["failed"] == 0, index
assert index["decoded_in"] == "processes", index  # frozen app: spawned decode workers ran, no fallback
assert len(hits) == 20 and all(h["path"].startswith("/tmp/assets/photos-ov/") for h in hits), hits
assert guard["backend"] == "openvino-int8" and guard["reference"] == "openvino-fp32" and guard["photos"] == 8, guard
assert guard["summary"] in text, text
print(f"smoke: openvino-int8 indexed {index['embedded']} photos in decode processes, search returned "
      f"{len(hits)} hits; status: {guard['summary']}")
PY

# The app itself: window up (its settings file appears on close), SIGTERM closes it with exit status 0.
for exe in photoclip /opt/photoclip/photoclip-gui; do
    rm -rf "$root/root/.config/photoclip"
    in_root env "${app_env[@]}" timeout --preserve-status -s TERM 25 "$exe" >"$work/gui.log" 2>&1 || {
        echo "smoke: $exe exited with $? (log: $work/gui.log)" >&2; exit 1; }
    grep -q geometry "$root/root/.config/photoclip/photoclip.conf"
    echo "smoke: $exe opened offscreen and closed cleanly"
done
{
    echo "date: $(date -u +%FT%TZ)"
    echo "deb: $(basename "$deb") $(du -h "$deb" | cut -f1)"
    echo "apt install in a clean $suite minbase root: ${install_s} s"
    echo "index + search + status + GUI start with the installed app: passed"
    echo "openvino-int8 + decode processes: index (${ov_index_s} s incl. conversion + quantisation) + search + status: passed"
    echo "quality guard: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["quality_guard"][0]["summary"])' "$work/ov-status.json")"
} | tee "$work/result.txt"
