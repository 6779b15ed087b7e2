#!/usr/bin/env bash
# A picture of one drafted paper, for reviewers: the demo case -> .docx (the bundled sample
# templates, or DRAGONFLY_TEMPLATES) -> PDF (LibreOffice headless) -> PNG (pdftoppm, first page).
#
#   docs/render_paper.sh [paper] [out-dir]      e.g. docs/render_paper.sh income-execution docs
#
# Needs LibreOffice (soffice) and poppler-utils (pdftoppm); on Debian/Ubuntu:
#   apt-get install --no-install-recommends libreoffice-writer-nogui poppler-utils
set -euo pipefail

paper="${1:-income-execution}"
out="${2:-docs}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dragonfly="${DRAGONFLY:-$here/.venv/bin/dragonfly}"
for tool in soffice pdftoppm; do
    command -v "$tool" >/dev/null || { echo "render_paper.sh: $tool is not installed (see the comment at the top)" >&2; exit 2; }
done
[ -x "$dragonfly" ] || { echo "render_paper.sh: $dragonfly not found; run make setup first" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
"$dragonfly" papers demo "$paper" --out "$work/$paper.docx"
# A private LibreOffice profile, so a running LibreOffice (or another run) does not block this one.
soffice --headless "-env:UserInstallation=file://$work/profile" --convert-to pdf --outdir "$work" \
    "$work/$paper.docx" >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/$paper.pdf" "$out/paper-$paper"
echo "$out/paper-$paper.png"
