#!/usr/bin/env bash
# Benchmark (not a test) for batch audits: generate RECORDS synthetic fee records spread over
# AGENCIES agencies, run `fairrecruit batch` on them, and in the same run a reference aggregate of
# the same file in pandas (per agency: rows, workers and worker-paid totals). Prints wall time and
# peak memory of both and the ratio. The target (10 million records) belongs to the ingestion work;
# this script only measures. With RUNS above 1, the two programs take turns RUNS times each and the
# median of the ratios is printed too: on the development machine one run's time can be a quarter
# off the next one's.
#   scripts/benchmark-batch.sh [RECORDS] [AGENCIES] [JOBS] [RUNS]     (default 1000000 500, JOBS = cores, 1 run)
# Needs python3 with pandas (installed from Debian's python3-pandas when missing) and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-1000000}
agencies=${2:-500}
jobs=${3:-$(nproc)}
runs=${4:-1}
# pandas from the first python3 that has it, else Debian's (which may not be the python3 on PATH).
py=python3
if ! "$py" -c "import pandas" 2>/dev/null; then
  py=/usr/bin/python3
  if ! "$py" -c "import pandas" 2>/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pandas
  fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/generate-fees.py "$records" csv "$work/fees.csv" "$agencies"
sync   # the generated file on disk first: its write-back would otherwise compete with the runs measured
swift build -c release --product fairrecruit >/dev/null
cat > "$work/reference.py" <<'PY'
import sys
import pandas as pd
fees = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
fees["amount"] = pd.to_numeric(fees["amount"])
paid = fees[fees["paid_by"] == "worker"]
summary = pd.DataFrame({
    "rows": fees.groupby("agency_id").size(),
    "workers": fees.groupby("agency_id")["worker_id"].nunique(),
    "worker_paid": paid.groupby("agency_id")["amount"].sum(),
}).fillna(0)
summary.to_csv(sys.argv[2])
PY
# This machine's host takes page cache back within seconds (400 of 1,100 MB of a file written
# 20 s before were gone; reading them again cost 1.5 s of system time), so whichever program ran
# first paid for reading the file from disk and the second found it cached. Each program is
# measured with the file just read into the page cache.
warm() { cat "$work/fees.csv" >/dev/null; }
measure() { # label, allowed exit status, command...: prints "label seconds peak_kib"
  local label=$1 allowed=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    status=$?; [ "$status" -eq "$allowed" ] || { cat "$work/stderr" >&2; exit 1; }
  }
  read -r seconds kib < <(tail -n 1 "$work/time")   # GNU time puts "exited with non-zero status" first
  echo "$label $seconds $kib"
}
echo "file: $records records, $agencies agencies, $(du -m "$work/fees.csv" | cut -f1) MiB; --jobs $jobs"
ratios=()
for run in $(seq "$runs"); do
  warm
  # Each run writes a folder of its own, all removed at the end: ext4 without a journal (as on the
  # development machine) skips inodes freed in the last minute when it makes new ones, one by one,
  # so a batch started within a minute of removing the previous one's 2,600 folders and files
  # spent a seventh of its auditing looking for free inodes (perf: recently_deleted,
  # find_inode_bit). Runs of this script a minute apart are not affected.
  batch=$(measure batch 1 .build/release/fairrecruit batch --standard employer-pays --fees "$work/fees.csv" --as-of 2026-12-31 \
            --format json --jobs "$jobs" --output "$work/out-$run")
  warm
  pandas=$(measure pandas 0 "$py" "$work/reference.py" "$work/fees.csv" "$work/reference.csv")
  printf '%-8s %8s s %10s KiB peak\n' $batch $pandas
  read -r _ batch_s _ <<<"$batch"; read -r _ pandas_s _ <<<"$pandas"
  ratio=$(python3 -c "print(f'{float($batch_s)/max(float($pandas_s), 0.01):.2f}')")
  echo "batch / pandas time: $ratio"
  ratios+=("$ratio")
done
if [ "$runs" -gt 1 ]; then
  python3 -c "import statistics, sys; r = sorted(map(float, sys.argv[1:])); print(f'median batch / pandas time over {len(r)} runs: {statistics.median(r):.2f} (from {r[0]:.2f} to {r[-1]:.2f})')" "${ratios[@]}"
fi
