"""What the connectors app tells the apps above it (gates, webhooks), which connect receivers in their ``ready()``.

Sent inside the writing transaction, after the write, with ``project_id`` and a one-line ``cause``.
"""

from django.dispatch import Signal

# project_id, cause, changes: [{"check_id", "component_id", "source", "before", "after", "reason"}] (stored states)
check_results_stored = Signal()
# project_id, cause, waiver
waiver_changed = Signal()
# project_id, cause, results: [{"check_id", "component_id", "source", "expires_at", "result_id"}] expiring soon
evidence_expiring = Signal()
