"""Run callables in threads released at the same instant, for the PostgreSQL race tests."""

import threading

from django.db import connection


def run_at_once(works):
    """Run each callable of ``works`` in its own thread, released together; return what each returned or raised.

    Each thread closes its database connection when done, so no connection outlives the test's threads.
    """
    barrier = threading.Barrier(len(works))
    outcomes = [None] * len(works)

    def target(i):
        try:
            barrier.wait()
            outcomes[i] = works[i]()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(len(works))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def errors_of(outcomes):
    return [outcome for outcome in outcomes if isinstance(outcome, Exception)]
