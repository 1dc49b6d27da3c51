"""What the registry tells the apps above it (gates, webhooks), which connect receivers in their ``ready()``.

Sent inside the writing transaction with ``project_id`` and a one-line ``cause``.
"""

from django.dispatch import Signal

# a project was created or a field that may change its gate (stage, flags, exposure, ...) changed
project_changed = Signal()
