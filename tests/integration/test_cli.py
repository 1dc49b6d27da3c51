"""The ``plumbline`` CLI as a CI job runs it: a subprocess against a live test server."""

import json
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import token_create
from gates.services import evidence_push
from tests.factories import approve_thresholds, make_check_result, make_gate_ready

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("plumbline-cli")]
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "ci"


def plumbline(*args, url, token="", stdin=None, timeout=10):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUMBLINE_")}
    env.update(PLUMBLINE_URL=url, PLUMBLINE_TOKEN=token, PYTHONPATH=str(ROOT / "cli"))
    return subprocess.run(
        [sys.executable, "-m", "plumbline_cli", "--timeout", str(timeout), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        input=stdin,
    )


def passing_payload():
    payload = json.loads((DATA / "plumbline-passing.json").read_text())
    payload["evaluated_at"] = (timezone.now() - timedelta(hours=1)).isoformat()
    return payload


@pytest.fixture
def ci_token(transactional_db, project, member, project_repo):
    make_gate_ready(project)
    make_check_result(project, "vectorstore.index_fresh")
    make_check_result(project, "vectorstore.chunk_source_metadata")
    project.head = project_repo
    _, raw = token_create(user=member, name="CI", scope=ApiToken.Scope.CI, project=project)
    return raw


def test_an_allowed_gate_exits_0(live_server, ci_token, project, member):
    evidence_push(project=project, payload=passing_payload(), user=member, claims={"commit": project.head})
    result = plumbline("gate", "--project", project.slug, url=live_server.url, token=ci_token)
    assert result.returncode == 0, result.stderr
    assert f"{project.slug} → production: ALLOWED" in result.stdout


def test_a_refused_gate_exits_1_and_prints_the_reasons(live_server, ci_token, project):
    make_check_result(project, "git.ci_runs_tests", "fail")
    result = plumbline("gate", "--project", project.slug, "--stage", "production", url=live_server.url, token=ci_token)
    assert result.returncode == 1
    assert "REFUSED" in result.stdout
    assert "✗ Check git.ci_runs_tests fails" in result.stdout
    assert "? Check ci.eval_results_recent has no result yet" in result.stdout


def test_a_gate_refused_only_by_checks_that_could_not_be_verified_exits_2(live_server, ci_token, project):
    result = plumbline("gate", "--project", project.slug, url=live_server.url, token=ci_token)
    assert result.returncode == 2
    assert f"{project.slug} → production: UNDECIDED" in result.stdout
    assert "? Check ci.eval_results_recent has no result yet" in result.stdout
    assert "could not decide: Plumbline could not look: Check ci.eval_results_recent has no result yet" in result.stderr


def test_an_unreachable_server_exits_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = plumbline("gate", "--project", "x", url=f"http://127.0.0.1:{port}", token="plb_x")
    assert result.returncode == 2
    assert f"Could not reach Plumbline at http://127.0.0.1:{port}" in result.stderr


def test_a_server_that_does_not_answer_in_time_exits_2():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection in the backlog, never answers
        port = silent.getsockname()[1]
        result = plumbline("gate", "--project", "x", url=f"http://127.0.0.1:{port}", token="plb_x", timeout=1)
    assert result.returncode == 2
    assert "did not answer within 1 s" in result.stderr


def test_a_bad_token_exits_3_with_a_clear_message(live_server, ci_token, project):
    result = plumbline("gate", "--project", project.slug, url=live_server.url, token="plb_not-a-real-token")
    assert result.returncode == 3
    assert "Authentication failed (401): Invalid, expired or revoked API token." in result.stderr
    assert "Check PLUMBLINE_TOKEN" in result.stderr


def test_a_missing_token_exits_3_saying_what_to_set():
    result = plumbline("gate", "--project", "x", url="http://127.0.0.1:9")
    assert result.returncode == 3
    assert "Set PLUMBLINE_TOKEN" in result.stderr


def test_a_url_that_is_not_http_exits_3():
    result = plumbline("gate", "--project", "x", url="ftp://plumbline.example.com", token="plb_x")
    assert result.returncode == 3
    assert "is not an http(s) URL" in result.stderr


def test_a_ci_token_asking_about_another_project_exits_3(live_server, ci_token, other_team):
    from tests.factories import ProjectFactory

    elsewhere = ProjectFactory(team=other_team)
    result = plumbline("gate", "--project", elsewhere.slug, url=live_server.url, token=ci_token)
    assert result.returncode == 3
    assert "Not allowed (403)" in result.stderr


def test_a_mistyped_project_slug_exits_3(live_server, ci_token, member):
    _, personal = token_create(user=member, name="laptop", scope=ApiToken.Scope.READ)
    result = plumbline("gate", "--project", "no-such-project", url=live_server.url, token=personal)
    assert result.returncode == 3
    assert "Not found (404)" in result.stderr


def test_a_revoked_token_cannot_push_and_exits_3(live_server, ci_token, project, member):
    from accounts.services import token_revoke

    token_revoke(token=ApiToken.objects.get(name="CI"), actor=member)
    result = plumbline("push-evidence", "--project", project.slug, "-", url=live_server.url, token=ci_token, stdin="{}")
    assert result.returncode == 3
    assert "Authentication failed (401)" in result.stderr
    assert project.pushed_evaluations.count() == 0


@pytest.mark.parametrize(
    "args",
    [
        ("gate", "--projet", "x"),
        ("gate",),
        ("gate", "--project", "x", "--stage", "prod"),
        ("deploy", "--project", "x"),
        (),
    ],
    ids=["mistyped-flag", "missing-project", "unknown-stage", "unknown-command", "no-command"],
)
def test_a_usage_error_exits_3_not_2(args):
    result = plumbline(*args, url="http://127.0.0.1:9", token="plb_x")
    assert result.returncode == 3, result.stderr
    assert "usage: plumbline" in result.stderr


def test_a_missing_results_file_exits_3_naming_it(tmp_path):
    missing = tmp_path / "eval-results.json"
    result = plumbline("push-evidence", "--project", "x", str(missing), url="http://127.0.0.1:9", token="plb_x")
    assert result.returncode == 3
    assert f"Cannot read {missing}" in result.stderr


def test_a_report_file_that_cannot_be_written_exits_3_not_1(live_server, ci_token, project, tmp_path):
    target = tmp_path / "no-such-dir" / "gate.xml"
    result = plumbline(
        "gate",
        "--project",
        project.slug,
        "--format",
        "junit",
        "--output",
        str(target),
        url=live_server.url,
        token=ci_token,
    )
    assert result.returncode == 3
    assert f"Cannot write {target}" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_exit_codes():
    result = plumbline("--help", url="http://127.0.0.1:9")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for line in (
        "0 allowed (gate) or stored (push-evidence)",
        "1 refused (gate) or rejected (push-evidence)",
        "2 could not decide: server unreachable, timed out, rate-limited, server error, a verdict it cannot read, or a"
        " gate refused only by requirements that could not be verified",
        "3 usage, authentication or permission error",
    ):
        assert line in text


def test_a_verdict_that_says_neither_allowed_nor_refused_exits_2(tmp_path):
    import http.server
    import threading

    class Unsure(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"allowed": None, "stage": "production", "reasons": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unsure)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = plumbline("gate", "--project", "x", url=f"http://127.0.0.1:{server.server_port}", token="plb_x")
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 2
    assert "could not decide" in result.stderr


def test_junit_output_is_valid_and_has_one_testcase_per_requirement(live_server, ci_token, project, tmp_path):
    report = tmp_path / "gate.xml"
    result = plumbline(
        "gate",
        "--project",
        project.slug,
        "--format",
        "junit",
        "--output",
        str(report),
        url=live_server.url,
        token=ci_token,
    )
    schema = xmlschema.XMLSchema(DATA / "junit-10.xsd")
    schema.validate(report)
    suite = schema.to_dict(report)["testsuite"][0]
    # 3 assessments, the level, 6 checks (monitoring is one any_of; a RAG project: index_fresh and chunk sources)
    assert suite["@tests"] == "10"
    assert suite["@errors"] == "1"  # ci.eval_results_recent: no result yet
    assert result.returncode == 2  # refused only by what could not be verified
    assert "UNDECIDED" in result.stdout


def test_sarif_output_is_valid_with_one_result_per_failing_item(live_server, ci_token, project, tmp_path):
    make_check_result(project, "git.tests_present", "fail")
    report = tmp_path / "gate.sarif"
    result = plumbline(
        "gate",
        "--project",
        project.slug,
        "--format",
        "sarif",
        "--output",
        str(report),
        url=live_server.url,
        token=ci_token,
    )
    assert result.returncode == 1
    sarif = json.loads(report.read_text())
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    rule_ids = sorted(r["ruleId"] for r in sarif["runs"][0]["results"])
    assert rule_ids == ["check.ci.eval_results_recent", "check.git.tests_present"]


def test_push_evidence_then_the_gate_allows(live_server, ci_token, project, tmp_path):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(passing_payload()))
    pushed = plumbline(
        "push-evidence",
        "--project",
        project.slug,
        "--commit",
        project.head,
        "--dataset",
        "docs-qa-golden",
        "--dataset-version",
        "3",
        "--ci-url",
        "https://ci.example.com/runs/9",
        str(results),
        url=live_server.url,
        token=ci_token,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert "(verified): ci.eval_results_recent pass" in pushed.stdout
    assert project.pushed_evaluations.get().run_url == "https://ci.example.com/runs/9"
    gate = plumbline("gate", "--project", project.slug, url=live_server.url, token=ci_token)
    assert gate.returncode == 0, gate.stdout


def test_a_push_naming_no_commit_is_stored_unverified_and_the_gate_refuses(live_server, ci_token, project, tmp_path):
    results = tmp_path / "results.json"
    payload = passing_payload()
    del payload["git_commit"]
    results.write_text(json.dumps(payload))
    pushed = plumbline("push-evidence", "--project", project.slug, str(results), url=live_server.url, token=ci_token)
    assert pushed.returncode == 0, pushed.stderr
    assert "(unverified): ci.eval_results_recent fail — Unverified push: the push names no git commit" in pushed.stdout
    gate = plumbline("gate", "--project", project.slug, url=live_server.url, token=ci_token)
    assert gate.returncode == 1


def test_push_evidence_of_promptfoo_results_with_a_failing_case_refuses(live_server, ci_token, project, tmp_path):
    approve_thresholds(project, [{"names": ["pass_rate"], "min": 1.0}])
    payload = json.loads((DATA / "promptfoo-results.json").read_text())
    payload["results"]["timestamp"] = timezone.now().isoformat()
    results = tmp_path / "promptfoo.json"
    results.write_text(json.dumps(payload))
    pushed = plumbline(
        "push-evidence",
        "--project",
        project.slug,
        "--format",
        "promptfoo",
        "--commit",
        project.head,
        "--dataset-digest",
        "sha256:ab12",
        str(results),
        url=live_server.url,
        token=ci_token,
    )
    assert pushed.returncode == 0, pushed.stderr
    gate = plumbline("gate", "--project", project.slug, url=live_server.url, token=ci_token)
    assert gate.returncode == 1
    assert "pass_rate 0.75 (Plumbline requires at least 1; the push's own threshold 1 is not used)" in gate.stdout


def test_an_invalid_push_exits_1_naming_the_bad_fields(live_server, ci_token, project):
    payload = passing_payload()
    payload["metrics"][0]["value"] = "good"
    result = plumbline(
        "push-evidence", "--project", project.slug, "-", url=live_server.url, token=ci_token, stdin=json.dumps(payload)
    )
    assert result.returncode == 1
    assert "metrics[0].value: 'good' is not of type 'number'" in result.stderr
    assert project.pushed_evaluations.count() == 0
