#!/usr/bin/env bash
# Renders every icon file tauri.conf.json names from icon.svg (needs rsvg-convert,
# Debian package librsvg2-bin, and python3). The outputs are committed.
set -euo pipefail
cd "$(dirname "$0")"
render() { rsvg-convert --width "$1" --height "$1" icon.svg --output "$2"; }
render 32 32x32.png
render 128 128x128.png
render 256 128x128@2x.png
render 512 icon.png
for size in 16 24 48 64 256; do render "$size" "ico-$size.png"; done
# A Windows .ico is a directory of PNG images; build it from the renders above.
python3 - <<'PY'
import struct
sizes = [16, 24, 32, 48, 64, 256]
images = [open("32x32.png" if s == 32 else f"ico-{s}.png", "rb").read() for s in sizes]
header = struct.pack("<HHH", 0, 1, len(images))
offset = 6 + 16 * len(images)
entries = b""
for size, data in zip(sizes, images):
    dim = 0 if size == 256 else size  # 0 means 256 in the ICO format
    entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
open("icon.ico", "wb").write(header + entries + b"".join(images))
PY
rm -f ico-*.png
echo "icons written: $(ls *.png icon.ico | tr '\n' ' ')"
