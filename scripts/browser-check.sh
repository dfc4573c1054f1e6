#!/usr/bin/env bash
# Renders HTML reports and opens them in headless Chromium (see README, "Checking the HTML in a
# browser"). Writes the demo report, a batch's portfolio page, a report built from hostile inputs
# (script tags, attribute injection, spreadsheet formulas) and a report with progress (a baseline and
# a waivers file whose reasons and approvers are hostile) under Reports/browser-check/, saves PNG screenshots at desktop
# and phone widths and the A4 print, and fails on console errors, thrown errors, dialogs or
# requests to the network. Not part of `swift test`: it needs a browser.
#
#   scripts/browser-check.sh [OUTPUT_DIR]      (default Reports/browser-check)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-Reports/browser-check}"

# Chromium from Debian's packages, and poppler-utils to turn the printed PDF into pictures.
if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null || ! command -v python3 >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils python3
fi

swift build
bin="$(swift build --show-bin-path)/fairrecruit"
rm -rf "$out"
mkdir -p "$out"

"$bin" demo --output "$out/demo"
fixtures=Tests/EndToEndTests/Fixtures
# Exit 0 expected even though a row is rejected: the hostile row is there on purpose.
"$bin" audit --standard "$fixtures/e2e-standard.yaml" --fees "$fixtures/hostile-fees.csv" \
  --assessment "$fixtures/hostile-answers.csv" --as-of 2026-06-30 --format html,csv --output "$out/hostile"
"$bin" audit --standard "$fixtures/e2e-standard.yaml" --fees "$fixtures/fees.csv" \
  --assessment "$fixtures/answers-policy-yes.csv" --baseline "$fixtures/baseline.json" \
  --waivers "$fixtures/hostile-waivers.yaml" --as-of 2026-06-30 --format html,csv --output "$out/progress"

# A batch's portfolio page (its one inline script, allowed by hash, sorts the league table; a
# blocked script would log a CSP violation and fail the check) and an agency report beside it.
"$bin" batch --standard "$fixtures/batch/batch-standard.yaml" --fees "$fixtures/batch/fees.csv" \
  --assessment "$fixtures/batch/answers.csv" --registry "$fixtures/batch/registry.csv" --as-of 2026-06-30 \
  --format html --output "$out/batch"

python3 scripts/browser_check.py --out "$out/screenshots" "$out/demo/report.html" \
  "$out/batch/portfolio.html" "$out/batch/agencies/AG-3/report.html"
# The hostile strings must be shown as text, and no element they spell may exist in the page.
python3 scripts/browser_check.py --out "$out/screenshots" \
  --expect-text '<script>alert(1)</script>' --expect-text '"><img src=x onerror=alert(1)>' \
  "$out/hostile/report.html"
python3 scripts/browser_check.py --out "$out/screenshots" \
  --expect-text '<script>alert(1)</script>' --expect-text '"><img src=x onerror=alert(1)>' --expect-text '<b>W1</b>' \
  "$out/progress/report.html"
echo "screenshots in $out/screenshots"
