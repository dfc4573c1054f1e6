#!/usr/bin/env python3
"""Deterministic synthetic fee records for benchmarks: scripts/generate-fees.py RECORDS csv|xml OUT [AGENCIES]

Workers have about eight payments each (medical, insurance, orientation, a service fee, sometimes
an air ticket paid by the worker, employer-paid visa), spread over 2025-2026, with wages, so every
rule and the cost indicator have work to do. The same seed always gives the same file.
"""
import random, sys

def rows(count, agencies):
    rng = random.Random(20261122)
    destinations = ["MY", "QA", "SA", "AE", "KW"]
    currency = {"MY": "MYR", "QA": "QAR", "SA": "SAR", "AE": "AED", "KW": "KWD"}
    wage = {"MY": "1700", "QA": "1300", "SA": "1500", "AE": "1400", "KW": "120"}
    plan = [("medical", "4500", "worker"), ("insurance", "3700", "worker"), ("orientation", "700", "worker"),
            ("welfare_fund", "1500", "worker"), ("recruitment_fee", None, "worker"), ("visa", "1000", "employer"),
            ("air_ticket", "38000", None), ("recruitment_fee", "5000", "worker")]
    n = 0; worker = 0
    while n < count:
        worker += 1
        agency = f"AG-{(worker % agencies) + 1:04d}"
        dest = destinations[worker % len(destinations)]
        month = 1 + worker % 12; year = 2025 + (worker // 7) % 2
        for i, (category, amount, payer) in enumerate(plan):
            if n >= count: break
            if category == "air_ticket" and rng.random() < 0.8: payer = "employer"
            elif category == "air_ticket": payer = "worker"
            if amount is None: amount = str(rng.choice([0, 5000, 10000, 15000, 25000]))
            refunded = ("", "")
            if payer == "worker" and category == "air_ticket" and rng.random() < 0.5:
                refunded = (amount, f"{year}-{month:02d}-28")
            n += 1
            yield {
                "record_id": f"R{n:08d}", "agency_id": agency, "worker_id": f"W{worker:07d}",
                "worker_name": f"Name {worker}", "origin": "NP", "destination": dest, "category": category,
                "amount": amount, "currency": "NPR" if category != "visa" else "USD", "paid_by": payer,
                "paid_on": f"{year}-{month:02d}-{1 + i:02d}", "method": "cash", "receipt": "yes" if rng.random() < 0.97 else "no",
                "refunded_amount": refunded[0], "refunded_on": refunded[1],
                "monthly_wage": wage[dest], "wage_currency": currency[dest], "contract_months": "24",
                "employer": f"Hotel {worker % 50}",
            }

def main():
    count, fmt, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    agencies = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    with open(out, "w") as f:
        if fmt == "csv":
            header = None
            for r in rows(count, agencies):
                if header is None:
                    header = list(r); f.write(",".join(header) + "\n")
                f.write(",".join(r[k] for k in header) + "\n")
        else:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<feeRecords>\n')
            for r in rows(count, agencies):
                f.write("  <fee " + " ".join(f'{k}="{v}"' for k, v in r.items() if v) + "/>\n")
            f.write("</feeRecords>\n")

if __name__ == "__main__":
    main()
