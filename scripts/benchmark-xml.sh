#!/usr/bin/env bash
# Benchmark (not a test): audit a generated fee-record XML file and, in the same run, parse the
# same file with `xmllint --stream --noout`. Prints wall time and peak memory of both and the ratio.
# With RUNS above 1, the two take turns RUNS times each and the median of the ratios is printed too.
#   scripts/benchmark-xml.sh [RECORDS] [RUNS]        (default 1000000, 1 run)
# Needs xmllint (Debian: libxml2-utils) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
runs=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/generate-fees.py "$records" xml "$work/fees.xml"
sync   # the generated file on disk first: its write-back would otherwise compete with the runs measured
swift build -c release --product fairrecruit >/dev/null
# This machine's host takes page cache back within seconds (400 of 1,100 MB of a file written
# 20 s before were gone; reading them again cost 1.5 s of system time), so whichever program ran
# first paid for reading the file from disk and the second found it cached. Each program is
# measured with the file just read into the page cache.
warm() { cat "$work/fees.xml" >/dev/null; }
measure() { # label, command...: prints "label seconds peak_kib"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }
  read -r seconds kib < "$work/time"
  echo "$label $seconds $kib"
}
echo "file: $records records, $(du -m "$work/fees.xml" | cut -f1) MiB"
ratios=()
for run in $(seq "$runs"); do
  warm
  audit=$(measure audit .build/release/fairrecruit audit --standard employer-pays --fees "$work/fees.xml" --as-of 2026-12-31 --output "$work/out-$run")
  warm
  bare=$(measure xmllint xmllint --stream --noout "$work/fees.xml")
  printf '%-8s %8s s %10s KiB peak\n' $audit $bare
  read -r _ audit_s audit_kib <<<"$audit"; read -r _ bare_s _ <<<"$bare"
  ratio=$(python3 -c "print(f'{float($audit_s)/float($bare_s):.2f}')")
  echo "audit / xmllint time: $ratio (target 0.75)"
  ratios+=("$ratio")
done
if [ "$runs" -gt 1 ]; then
  python3 -c "import statistics, sys; r = sorted(map(float, sys.argv[1:])); print(f'median audit / xmllint time over {len(r)} runs: {statistics.median(r):.2f} (from {r[0]:.2f} to {r[-1]:.2f})')" "${ratios[@]}"
fi
