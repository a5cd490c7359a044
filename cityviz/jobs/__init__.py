"""Background jobs: e-mail delivery, invoice runs, reminders, waiting lists,
nightly maintenance… run outside the request, retried with backoff, shown to
staff in « Tâches » with their progress.

Declare a job next to the services it drives, enqueue it in the transaction
that asks for it, report progress from inside:

```python
from cityviz import jobs

@jobs.job("billing.issue_period", label="Émission des factures", retries=3)
def issue_period(ctx: jobs.JobContext, *, period_id: int) -> str:
    for done, total in ...:
        ctx.progress(done, total)
    return "120 facture(s) émise(s)"          # the summary staff read

with db.transaction() as s:                       # same transaction as what it announces
    jobs.enqueue(s, "billing.issue_period", organization_id=org_id,
                 created_by_id=actor.user_id, period_id=period.id,
                 label="Émission des factures de sept. 2026",
                 unique_key=f"billing.issue_period:{period.id}")
```

`schedule="15 3 * * *"` (cron, Paris time) makes a job nightly. Backends: see
backends.py; the model: `cityviz.models.Job`.
"""

from cityviz.jobs.execution import JobContext, Outcome, RunLater, enqueue, retry_job, run_due, run_job
from cityviz.jobs.registry import JobSpec, discover, job

__all__ = ["JobContext", "JobSpec", "Outcome", "RunLater", "discover", "enqueue", "job", "retry_job", "run_due",
           "run_job"]
