#!/usr/bin/env bash
# Lighthouse (npm, mobile preset) on the login page, the calendar and the invoices of a served app,
# the last two logged in as a demo parent through a Cookie header. Prints the scores and the LCP.
#
#   make run                       # in another terminal (or any served build)
#   bench/lighthouse.sh [BASE_URL] # default http://localhost:3000
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

printf '%-15s %12s %14s %15s %8s\n' page performance accessibility best-practices LCP
for page in /connexion /reservations /factures; do
  name="${page#/}"
  headers=()
  [ "${page}" = /connexion ] || headers=(--extra-headers "${out}/headers.json")
  CHROME_PATH="${chrome}" "${lighthouse}" "${base}${page}" "${headers[@]}" --quiet \
    --only-categories=performance,accessibility,best-practices \
    --chrome-flags="--headless --no-sandbox --disable-gpu" \
    --output=json --output=html --output-path="${out}/${name}" >/dev/null 2>"${out}/${name}.log" \
    || { echo "${page}: Lighthouse a échoué (voir ${out}/${name}.log)"; continue; }
  .venv/bin/python - "${out}/${name}.report.json" "${page}" <<'PY'
import json
import sys

report = json.load(open(sys.argv[1]))
score = {key: round(100 * (cat["score"] or 0)) for key, cat in report["categories"].items()}
lcp = report["audits"]["largest-contentful-paint"]["numericValue"] / 1000
print(f"{sys.argv[2]:<15} {score['performance']:>12} {score['accessibility']:>14} "
      f"{score['best-practices']:>15} {lcp:>7.1f}s")
for key in ("accessibility", "best-practices", "performance"):
    for ref in report["categories"][key]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        limit = 0.9 if ref["weight"] or key != "performance" else 0.5
        if audit["score"] is not None and audit["score"] < limit and audit.get("scoreDisplayMode") != "informative":
            print(f"    {key}: {audit['id']} ({audit['score']}) {audit.get('displayValue', '')}")
PY
done
rm -f "${out}/headers.json"
