"""Helpers the apps' tests share (imported by tests only)."""
import threading

from django.db import DatabaseError, connection


def rush(work, n: int, *, refusals=(), refusal_outcome=lambda refusal: "refused"):
    """Run work(i) in n threads released together by a barrier (the race tests): each outcome
    is what work returned, ``refusal_outcome(e)`` for an exception of ``refusals`` (a service's
    clear refusal), or "error: …" for a database error that escaped a service. Each thread
    closes its own connection."""
    barrier = threading.Barrier(n)
    outcomes = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = work(i)
        except refusals as refusal:
            outcomes[i] = refusal_outcome(refusal)
        except DatabaseError as error:
            outcomes[i] = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes
