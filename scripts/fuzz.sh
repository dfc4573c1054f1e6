#!/usr/bin/env bash
# Fuzz FairRecruit's parsers with libFuzzer (AddressSanitizer on).
#   scripts/fuzz.sh csv|xml|standards [SECONDS]     (default 300 seconds)
# Crashing inputs land in Fuzz/artifacts/<target>/; copy each into
# Tests/FuzzRegressions/<target>/ so the test suite replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh csv|xml|standards [SECONDS]}
seconds=${2:-300}
case "$target" in
  csv) product=FuzzCSV; seeds=(Examples/demo/fees.csv Examples/demo/assessment.csv Tests/EndToEndTests/Fixtures/fees.csv) ;;
  xml) product=FuzzXML; seeds=(Examples/demo/fees.xml Examples/demo/assessment.xml) ;;
  standards) product=FuzzStandards; seeds=(Standards/np-fvft-2015.yaml Standards/rba-code-fees.yaml Tests/FairRecruitStandardsTests/Fixtures/*.yaml) ;;
  *) echo "unknown target $target" >&2; exit 64 ;;
esac
swift build --package-path Fuzz -c debug --product "$product" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
corpus="Fuzz/corpus/$target"; artifacts="Fuzz/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
for seed in "${seeds[@]}"; do cp "$seed" "$corpus/" 2>/dev/null || true; done
for old in Tests/FuzzRegressions/"$target"/*; do [ -f "$old" ] && cp "$old" "$corpus/"; done
export FAIRRECRUIT_STANDARDS="$PWD/Standards"
# -detect_leaks=0: FoundationEssentials leaks one 4 KiB buffer reading an empty file (seen in
# FileManager.contents(atPath:)); that is not ours and would stop every run at its first empty input.
"Fuzz/.build/debug/$product" "$corpus" -artifact_prefix="$artifacts/" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -print_final_stats=1 -detect_leaks=0
