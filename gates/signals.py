"""What the gates app tells the apps above it (webhooks).

``verdict_changed``: sent inside the recomputing transaction with ``project_id``, ``stage``, ``before`` and
``after`` (summaries, see ``gates.models.VerdictChange``), ``verdict`` (``GateVerdict.to_dict()``) and ``cause``.
Not sent for a verdict computed for the first time.
"""

from django.dispatch import Signal

verdict_changed = Signal()
