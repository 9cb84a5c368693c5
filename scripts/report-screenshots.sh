#!/usr/bin/env bash
# Renders a report as a person sees it, for a look by eye: a small real sweep (or the
# rows files given), `memslot-emu report`, then every chart and the HTML page as PNGs
# through headless Chromium. Usage: scripts/report-screenshots.sh [OUT_DIR] [ROWS.jsonl…]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/memslot-report-shots}
shift || true
mkdir -p "$out"
rows=("$@")
if [ ${#rows[@]} -eq 0 ]; then
  rows=("$out/rows.jsonl")
  rm -f "$out/rows.jsonl"
  node bin/memslot-emu.js sweep --out "$out/rows.jsonl" --strategies naive,kvm,rcu,stop-the-world \
    --vcpus 1,2 --rates 0,1000,Infinity --duration 0.2 --repeat 2
fi
node bin/memslot-emu.js report "${rows[@]}" --out "$out/report" >/dev/null
browser=$(command -v chromium || command -v chromium-browser)
for svg in "$out"/report/*.svg; do
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="${svg%.svg}.png" --window-size=1400,1000 "file://$(realpath "$svg")" >/dev/null 2>&1
done
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --screenshot="$out/report/report.png" --window-size=1300,2400 "file://$(realpath "$out/report/report.html")" >/dev/null 2>&1
echo "PNGs in $out/report/"
