#!/usr/bin/env bash
# Lighthouse (npm, mobile preset) on the login page, the calendar and the invoices of a served app,
# the last two logged in as a demo parent through a Cookie header. Prints the scores and the LCP.
#
#   make run                       # in another terminal (or any served build)
#   bench/lighthouse.sh [BASE_URL] # default http://localhost:3000
#   RUNS=5 bench/lighthouse.sh     # each page audited 5 times (a shared machine is noisy): every run, then medians
#
# The parent's session is opened directly in the app's database, so run this with the same
# environment as the server (CITYVIZ_DATABASE_URL…). Reports go to test-results/lighthouse/.
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:-http://localhost:3000}"
parent="${LIGHTHOUSE_PARENT:-audrey.noiret@example.org}"
out="test-results/lighthouse"
lighthouse=".tools/audit/node_modules/.bin/lighthouse"
[ -x "${lighthouse}" ] || scripts/ensure-audit-tools
chrome="${CHROME_PATH:-$(command -v chromium || echo /usr/bin/chromium)}"
mkdir -p "${out}"

token="$(.venv/bin/python - "${parent}" 2>"${out}/session.log" <<'PY'
import sys

from cityviz import db
from cityviz.services.accounts import auth

result = auth.login(email=sys.argv[1], password="demo-cityviz-2026", ip="127.0.0.9")
with db.transaction() as s:
    print(auth.exchange_ticket(s, ticket=result.ticket))
PY
)" || { echo "Session impossible (voir ${out}/session.log) : lancez ce script avec l'environnement du serveur" \
        "(CITYVIZ_DATABASE_URL…) et ses données de démonstration."; exit 1; }
printf '{"Cookie": "cvz_session=%s"}' "${token}" > "${out}/headers.json"
chmod 600 "${out}/headers.json"

runs="${RUNS:-1}"
: > "${out}/runs.tsv"
printf '%-15s %12s %14s %15s %8s %8s\n' page performance accessibility best-practices LCP TBT
for run in $(seq 1 "${runs}"); do for page in /connexion /reservations /factures; do
  name="${page#/}"
  headers=()
  [ "${page}" = /connexion ] || headers=(--extra-headers "${out}/headers.json")
  CHROME_PATH="${chrome}" "${lighthouse}" "${base}${page}" "${headers[@]}" --quiet \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="--headless --no-sandbox --disable-gpu" \
    --output=json --output=html --output-path="${out}/${name}" >/dev/null 2>"${out}/${name}.log" \
    || { echo "${page}: Lighthouse a échoué (voir ${out}/${name}.log)"; continue; }
  .venv/bin/python - "${out}/${name}.report.json" "${page}" "${out}/runs.tsv" "${run}" "${runs}" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1]))
score = {key: round(100 * (cat["score"] or 0)) for key, cat in report["categories"].items()}
lcp = report["audits"]["largest-contentful-paint"]["numericValue"] / 1000
tbt = report["audits"]["total-blocking-time"]["numericValue"]
print(f"{sys.argv[2]:<15} {score['performance']:>12} {score['accessibility']:>14} "
      f"{score['best-practices']:>15} {lcp:>7.1f}s {tbt:>6.0f}ms")
with open(sys.argv[3], "a") as runs:
    runs.write(f"{sys.argv[2]}\t{score['performance']}\t{score['accessibility']}\t"
               f"{score['best-practices']}\t{lcp}\t{tbt}\n")
if sys.argv[4] != sys.argv[5]:  # the failing audits: once, with the last run
    sys.exit()
for key in ("accessibility", "best-practices", "performance"):
    for ref in report["categories"][key]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        limit = 0.9 if ref["weight"] or key != "performance" else 0.5
        if audit["score"] is not None and audit["score"] < limit and audit.get("scoreDisplayMode") != "informative":
            print(f"    {key}: {audit['id']} ({audit['score']}) {audit.get('displayValue', '')}")
PY
done; done
rm -f "${out}/headers.json"
if [ "${runs}" -gt 1 ]; then
  echo "Médianes sur ${runs} passages :"
  .venv/bin/python - "${out}/runs.tsv" <<'PY'
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    page, *values = line.split("\t")
    rows.setdefault(page, []).append([float(v) for v in values])
for page, runs in rows.items():
    perf, a11y, practices, lcp, tbt = (statistics.median(column) for column in zip(*runs))
    print(f"{page:<15} {perf:>12.0f} {a11y:>14.0f} {practices:>15.0f} {lcp:>7.1f}s {tbt:>6.0f}ms")
PY
fi
