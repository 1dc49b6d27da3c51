"""MLflow: model provenance, evaluations (with their tiers), evaluation datasets, prompts and production traces.

Modules: ``client`` (the REST calls, on the shared HTTP base), ``provenance`` (model versions and their runs: the
``mlflow.*`` checks), ``evaluation``, ``prompts`` and ``traces`` (readers into the capability views), and
``connector`` (the back-end class registered as ``connectors.backends.mlflow.MLflowConnector``).
"""

from .connector import MLflowConnector

__all__ = ["MLflowConnector"]
