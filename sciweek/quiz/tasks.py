"""Background work of the quiz: the sweep that closes attempts left open past their deadline
(run every minute: ``sciweek close_quiz_attempts`` from cron, or this task on the worker)."""
import time

from django_tasks import task

from . import services

BATCH = 2000
BUDGET_SECONDS = 50  # a minute's sweep ends before the next one starts


@task()
def close_overdue_attempts() -> int:
    """Score every attempt whose deadline has passed (batches of BATCH, oldest first, for at
    most BUDGET_SECONDS; what is left waits for the next run). Returns how many were closed."""
    started = time.monotonic()
    closed = 0
    while True:
        batch = services.close_overdue(limit=BATCH)
        closed += batch
        if batch < BATCH or time.monotonic() - started > BUDGET_SECONDS:
            return closed
