#!/usr/bin/env bash
# A regulator's batch audit against a real licence list: Bangladesh's recruiting agencies.
#   scripts/demo-bd-registry.sh LIST.csv [OUT]        (default OUT: Reports/bd-registry-demo)
#
# LIST.csv is the BAIRA/BMET directory of recruiting agencies (columns source_row_id, agency_name,
# rl_number, city), kept outside the repository: its licence does not allow shipping it. The script
#   1. turns it into a licence registry (agency_id RL-<rl_number>, name, country BD, licence_status
#      active: the directory lists agencies, not licence states or dates, so none are invented);
#   2. generates deterministic, synthetic fee records and self-assessments for 60 listed licence
#      numbers and 5 numbers missing from the list, with costs around the government ceilings;
#   3. runs `fairrecruit batch --standard bd-migration-cost --registry ...` on them.
# The fee records are made up: a finding about a listed agency says nothing about that agency.
set -euo pipefail
cd "$(dirname "$0")/.."
list=${1:?usage: scripts/demo-bd-registry.sh LIST.csv [OUT]}
out=${2:-Reports/bd-registry-demo}
inputs="$out/inputs"
mkdir -p "$inputs"
python3 - "$list" "$inputs" <<'PY'
import csv, random, sys
source, folder = sys.argv[1], sys.argv[2]
with open(source, newline="", encoding="utf-8") as f:
    agencies = list(csv.DictReader(f))
rng = random.Random(507)

# 1. The registry: one row per listed agency; a row without a licence number stays (and is rejected).
with open(f"{folder}/registry.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["agency_id", "name", "country", "licence_status", "licence_expires"])
    for a in agencies:
        w.writerow([f"RL-{a['rl_number']}" if a["rl_number"] else "", a["agency_name"], "BD", "active", ""])

# 2. Who sends fee records: every 8th listed licence, and 5 licence numbers missing from the list.
listed = sorted(a["rl_number"] for a in agencies if a["rl_number"])
senders = [f"RL-{n}" for n in listed[::8][:60]]
taken = set(listed)
senders += [f"RL-{n:04d}" for n in range(1, 2000) if f"{n:04d}" not in taken][:5]

# Destinations with their ceilings (BDT, all-in) and wages: Saudi Arabia, Malaysia (from 6 Jul 2022), Qatar, UAE.
corridors = [("SA", 165000, "1500", "SAR"), ("MY", 78990, "1700", "MYR"), ("QA", 100780, "1300", "QAR"), ("AE", 107780, "1400", "AED")]
with open(f"{folder}/fees.csv", "w", newline="", encoding="utf-8") as f, \
     open(f"{folder}/answers.csv", "w", newline="", encoding="utf-8") as g:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["agency_id", "worker_id", "origin", "destination", "category", "amount", "currency", "paid_by",
                "paid_on", "receipt", "monthly_wage", "wage_currency", "contract_months", "employer"])
    a = csv.writer(g, lineterminator="\n")
    a.writerow(["agency_id", "question_id", "answer", "evidence", "comment"])
    for i, agency in enumerate(senders):
        overcharges = rng.random() < 0.3          # about a third of senders charge above the ceiling
        for k in range(rng.randint(8, 25)):
            dest, ceiling, wage, wage_currency = corridors[(i + k) % len(corridors)]
            worker = f"W{k + 1:03d}"
            month = 1 + (i + k) % 5
            total = ceiling * (rng.uniform(1.05, 1.6) if overcharges and rng.random() < 0.6 else rng.uniform(0.4, 0.98))
            medical = 8500
            service = int(total) - medical
            employer = f"{dest} Employer {1 + (i + k) % 3}"
            w.writerow([agency, worker, "BD", dest, "medical", medical, "BDT", "worker", f"2026-{month:02d}-03", "yes",
                        wage, wage_currency, 24, employer])
            w.writerow([agency, worker, "BD", dest, "service charge", service, "BDT", "worker", f"2026-{month:02d}-10", "yes",
                        wage, wage_currency, 24, employer])
            w.writerow([agency, worker, "BD", dest, "air ticket", 55000, "BDT", "employer", f"2026-{month:02d}-20", "",
                        wage, wage_currency, 24, employer])
        if i % 6 != 5:                             # most send their self-assessment too
            a.writerow([agency, "BD-WOMEN-MIGRATE-FREE", "na" if i % 2 else "yes", "", ""])
            a.writerow([agency, "BD-CONTRACT-READ-OUT", "partial" if i % 7 == 3 else "yes", "", ""])
print(f"registry: {len(agencies)} rows; fee records from {len(senders)} agencies ({len(senders) - 5} listed, 5 not listed)")
PY
swift build --product fairrecruit >/dev/null
set +e
.build/debug/fairrecruit batch --standard bd-migration-cost --registry "$inputs/registry.csv" --fees "$inputs/fees.csv" \
  --assessment "$inputs/answers.csv" --as-of 2026-06-30 --format json,md,html,csv --fail-on critical --output "$out"
status=$?
set -e
echo "exit status $status (1: agencies with critical findings, as --fail-on critical asks)"
[ "$status" -le 1 ]
