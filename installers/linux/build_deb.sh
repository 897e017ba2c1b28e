#!/usr/bin/env bash
# Packages build/dist/photoclip (installers/build_bundle.sh) as build/photoclip_<version>_<arch>.deb:
# the app in /opt/photoclip, /usr/bin/photoclip, the .desktop file, AppStream metainfo and hicolor icons.
# Depends lists the Debian packages that own the system libraries the bundle links to (measured with ldd on
# every ELF file in it), plus the data packages Qt needs at run time and ldd cannot see.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=build/dist/photoclip
id=io.github.photoclip.Photoclip
[[ -x $bundle/photoclip ]] || { echo "no bundle at $bundle: run installers/build_bundle.sh first" >&2; exit 1; }
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' photoclip/__init__.py)
arch=$(dpkg --print-architecture)
root=build/deb/root
rm -rf build/deb && mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/usr/share/metainfo" "$root/usr/share/icons/hicolor/scalable/apps"
cp -a "$bundle" "$root/opt/photoclip"
ln -s /opt/photoclip/photoclip "$root/usr/bin/photoclip"
# Debian policy: a copyright file; it points at the full notice the bundle carries (third_party_licenses.py)
install -D -m 644 /dev/stdin "$root/usr/share/doc/photoclip/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: photoclip
Source: https://github.com/photoclip/photoclip
Comment: The package bundles Python and third-party libraries; their names, versions, licences and licence
 texts are in /opt/photoclip/LICENSES/THIRD-PARTY.txt. Because pyexiv2 and exiv2 are GPL-licensed, the
 package as a whole is distributed under the GNU GPL version 3.

Files: *
Copyright: The photoclip developers
License: MIT and GPL-3
 photoclip's own code is MIT (/opt/photoclip/LICENSES/LICENSE); the GPL-3 text is in
 /usr/share/common-licenses/GPL-3 on Debian systems.
COPYRIGHT
install -m 644 "installers/linux/$id.desktop" "$root/usr/share/applications/"
install -m 644 "installers/linux/$id.metainfo.xml" "$root/usr/share/metainfo/"
install -m 644 installers/icons/photoclip.svg "$root/usr/share/icons/hicolor/scalable/apps/$id.svg"
for png in installers/icons/png/*/photoclip.png; do
    size=$(basename "$(dirname "$png")")
    install -D -m 644 "$png" "$root/usr/share/icons/hicolor/$size/apps/$id.png"
done

# --- Depends, measured ---------------------------------------------------------------------------------
# Every library an ELF file in the bundle needs that the bundle itself does not ship, mapped to its package.
mapfile -t elves < <(find "$bundle" -type f \( -name '*.so*' -o -perm -u+x \) -exec sh -c \
    'head -c 4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)
# shipped: file names and SONAMEs (pyexiv2's libexiv2.so is SONAME libexiv2.so.28, loaded by path with ctypes)
shipped=$( { find "$bundle" -name '*.so*' -printf '%f\n'
             for f in "${elves[@]}"; do objdump -p "$f" 2>/dev/null | awk '/SONAME/ {print $2}'; done; } | sort -u)
needed=$(for f in "${elves[@]}"; do LD_LIBRARY_PATH="$bundle/_internal" ldd "$f" 2>/dev/null; done \
    | awk '/=>/ {print $1, $3}' | sort -u)
declare -A packages=()
missing=()
while read -r soname path; do
    grep -qxF "$soname" <<<"$shipped" && continue
    if [[ $path == /* ]]; then
        pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) \
            || pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || pkg=""
        [[ -n $pkg ]] && packages[$pkg]=1 || missing+=("$soname")
    else
        missing+=("$soname")  # not on this build machine (e.g. X11 libraries of the xcb plugin)
    fi
done <<<"$needed"
# Sonames of Qt's X11 (xcb) platform plugin, which a build machine without X11 does not have: measured on a
# desktop Debian 12 (FACTS.md: "real X11 adds ..."). Anything else missing stops the build.
declare -A known=(
    [libxcb-cursor.so.0]=libxcb-cursor0 [libxcb-icccm.so.4]=libxcb-icccm4 [libxcb-keysyms.so.1]=libxcb-keysyms1
    [libxcb-shape.so.0]=libxcb-shape0 [libxkbcommon-x11.so.0]=libxkbcommon-x11-0 [libxcb-image.so.0]=libxcb-image0
    [libxcb-render-util.so.0]=libxcb-render-util0 [libxcb-randr.so.0]=libxcb-randr0
    [libxcb-xinerama.so.0]=libxcb-xinerama0 [libxcb-xkb.so.1]=libxcb-xkb1 [libxcb-sync.so.1]=libxcb-sync1
    [libxcb-xfixes.so.0]=libxcb-xfixes0 [libxcb-shm.so.0]=libxcb-shm0 [libxcb-render.so.0]=libxcb-render0
    [libxcb-util.so.1]=libxcb-util1 [libxcb-glx.so.0]=libxcb-glx0 [libX11-xcb.so.1]=libx11-xcb1
    [libwayland-cursor.so.0]=libwayland-cursor0 [libwayland-client.so.0]=libwayland-client0
    [libwayland-egl.so.1]=libwayland-egl1 [libxcb-xinput.so.0]=libxcb-xinput0 [libxcb-dri3.so.0]=libxcb-dri3-0
    [libxcb-present.so.0]=libxcb-present0 [libxcb-xkb.so.1]=libxcb-xkb1 [libSM.so.6]=libsm6 [libICE.so.6]=libice6
)
unknown=()
for soname in "${missing[@]}"; do
    if [[ -n ${known[$soname]:-} ]]; then packages[${known[$soname]}]=1; else unknown+=("$soname"); fi
done
if (( ${#unknown[@]} )); then
    echo "build_deb: no package known for: ${unknown[*]} (add them to the table in $0)" >&2
    exit 1
fi
# Read by Qt at run time, invisible to ldd: font configuration and one font (else text renders as boxes).
for pkg in fontconfig-config fonts-dejavu-core; do packages[$pkg]=1; done
depends=$(printf '%s\n' "${!packages[@]}" | sort | paste -sd, | sed 's/,/, /g')

installed_kb=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: photoclip
Version: $version
Architecture: $arch
Maintainer: The photoclip developers <photoclip@users.noreply.github.com>
Installed-Size: $installed_kb
Depends: $depends
Section: graphics
Priority: optional
Homepage: https://github.com/photoclip/photoclip
Description: find your photos by what is in them, on your own computer
 photoclip indexes photo folders with a CLIP model running locally and finds
 photos by a description or by a similar photo; tags are applied zero-shot
 and can be written to XMP sidecars. The model is downloaded on first run
 unless this package was built with one.
CONTROL
deb="build/photoclip_${version}_${arch}.deb"
start=$(date +%s)
dpkg-deb --root-owner-group -Zzstd --build "$root" "$deb" >/dev/null
echo "deb: $deb ($(du -h "$deb" | cut -f1), $(( $(date +%s) - start )) s to pack)"
echo "Depends: $depends"
