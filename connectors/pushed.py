"""What a CI-pushed evaluation means, for the other apps: the check id, its spec and the pure verdict.

The gate judges the newest push with the same rule as the ``pushed`` back-end. Other apps import this module,
never ``connectors.backends`` (an import-linter contract in pyproject.toml keeps back-ends private).
"""

from connectors.backends.pushed import CHECK_ID, MAX_AGE, SPEC, judge_metrics, outcome_for, thresholds_from

__all__ = ["CHECK_ID", "MAX_AGE", "SPEC", "judge_metrics", "outcome_for", "thresholds_from"]
