"""User-supplied regular expressions (Prometheus settings, git globs) run in RE2, with a length limit."""

import pytest

from connectors.backends.git import GitRepositoryConnector, matching
from connectors.backends.prometheus import PrometheusConnector


def test_prometheus_settings_refuse_a_pattern_longer_than_the_limit(settings):
    settings.PLUMBLINE_REGEX_MAX_LENGTH = 20
    errors = PrometheusConnector.validate_settings({"url": "https://prom.example.com", "cost_pattern": "x" * 21})
    assert errors["cost_pattern"] == ["Setting cost_pattern is 21 characters long; a pattern may have at most 20."]


def test_prometheus_settings_refuse_a_backreference_with_a_clear_error():
    errors = PrometheusConnector.validate_settings({"url": "https://prom.example.com", "errors_pattern": r"(5\d\d)\1"})
    assert "errors_pattern" in errors
    assert "backreferences and lookaround are not supported" in errors["errors_pattern"][0]


def test_prometheus_settings_accept_a_pattern_that_only_backtracking_engines_find_hard():
    assert (
        PrometheusConnector.validate_settings({"url": "https://prom.example.com", "latency_pattern": "^(a+)+$"}) == {}
    )


@pytest.mark.timeout(60)  # a hang guard: a backtracking engine needs hours on this input
def test_a_glob_with_many_double_stars_matches_in_the_safe_engine():
    assert matching(["a" * 60], ["**a" * 12 + "b"]) == []
    assert matching(["a" * 60], ["**a" * 12]) == ["a" * 60]


def test_git_settings_refuse_a_glob_longer_than_the_limit(settings):
    settings.PLUMBLINE_REGEX_MAX_LENGTH = 20
    errors = GitRepositoryConnector.validate_settings({"location": "/srv/repo", "prompt_globs": "prompts/" + "x" * 30})
    assert "prompt_globs" in errors
