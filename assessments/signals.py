"""What the assessments app tells the apps above it (gates, webhooks), which connect receivers in their ``ready()``.

Each is sent inside the writing transaction with ``project_id``, ``assessment`` and a one-line ``cause``.
"""

from django.dispatch import Signal

assessment_submitted = Signal()
# also ``decision``: "approved" or "returned"
assessment_decided = Signal()
# one required sign-off given while others are still waiting (also ``domain`` and ``waiting``); the final one
# sends ``assessment_decided`` with "approved"
assessment_signed_off = Signal()
assessment_reopened = Signal()
# an approved assessment expired or expires soon (the daily re-assessment reminder)
assessment_expiring = Signal()
# a section or question of a draft was assigned: also ``assignment`` (SectionAssignment) and ``actor``
section_assigned = Signal()
# a submission was taken back to draft before any decision: also ``actor``
assessment_withdrawn = Signal()
