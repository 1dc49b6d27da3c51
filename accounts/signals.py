"""What accounts tells the apps above it: a user was created or changed (provisioning), for the change history.

accounts sits below registry (import-linter floors), so it announces the change and registry records it
(``registry.audit.record_user_change``, connected in ``RegistryConfig.ready()``).
"""

from django.dispatch import Signal

# Sent with ``instance`` (the user), ``actor``, ``action`` ("create" or "update") and ``changes``
# ({field: [before, after]}), inside the service's transaction.
user_changed = Signal()
