"""The git back-end against real repositories made with the git CLI (local paths and clones)."""

import time

import pytest

from connectors.backends.git import GitRepositoryConnector
from connectors.base import FAIL, PASS, WARN, ConnectorError
from registry.choices import ComponentKind
from tests.factories import ComponentFactory
from tests.integration.servers import git, make_repo

pytest_plugins = ["tests.integration.servers"]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.needs_server,
    pytest.mark.xdist_group("git"),
    pytest.mark.usefixtures("loopback_allowed"),
]

README = "# Docs Q&A\n\n" + "Answers staff questions from the handbook. Owner: search team. Run: make run.\n" * 4
WORKFLOW = """name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""
MAKEFILE = "install:\n\tpip install -r requirements.txt\n\ntest: install\n\tpython -m pytest -q\n"


def run(location, timeout=10, **settings):
    component = ComponentFactory.build(kind=ComponentKind.CODE_REPOSITORY, attributes={"url": str(location)})
    outcomes = GitRepositoryConnector(component=component, settings=settings, secrets={}, timeout=timeout).run()
    return {o.check_id: o for o in outcomes}


def commit_a_test(repo):
    (repo / "tests").mkdir()
    (repo / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    git(repo, "add", "tests")
    git(repo, "commit", "-q", "-m", "Add a test")


@pytest.fixture(scope="module")
def complete_repo(tmp_path_factory):
    """Everything in place; the prompt was renamed from prompts/qa_prompt.txt after two commits."""
    return make_repo(
        tmp_path_factory.mktemp("git") / "complete",
        [
            {"README.md": README, "app.py": "print('hi')\n", "prompts/qa_prompt.txt": "Answer: {q}\n"},
            {"prompts/qa_prompt.txt": "Answer briefly: {q}\n", "tests/test_app.py": "def test_it():\n    pass\n"},
            {"prompts/qa_prompt.txt": "->prompts/qa.txt"},
            {
                "prompts/qa.txt": "Answer briefly, cite sources: {q}\n",
                ".github/workflows/ci.yml": WORKFLOW,
                "Makefile": MAKEFILE,
                ".github/CODEOWNERS": "# owners\n* @acme/search\n/prompts/ @acme/prompt-reviewers @ada\n",
                "docs/architecture.md": "# Architecture\n",
                "docs/model-choice.md": "# Why gpt-4o-mini\n",
            },
        ],
    )


@pytest.fixture(scope="module")
def complete(complete_repo):
    return run(complete_repo)


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    repo = make_repo(tmp_path_factory.mktemp("git") / "bare", [{"README": "tiny\n", "app.py": "print(1)\n"}])
    return run(repo)


def test_it_finds_github_actions(complete):
    result = complete["git.ci_config_present"]
    assert result.state == PASS
    assert result.facts == {"systems": ["github_actions"], "files": [".github/workflows/ci.yml"]}


def test_it_follows_make_test_from_ci_to_pytest(complete):
    result = complete["git.ci_runs_tests"]
    assert result.state == PASS
    assert "pytest" in result.facts["runners"]
    assert {
        "file": ".github/workflows/ci.yml",
        "via": "Makefile:test",
        "runner": "pytest",
        "line": "python -m pytest -q",
    } in (result.facts["commands"])


def test_it_counts_test_files(complete):
    result = complete["git.tests_present"]
    assert result.state == PASS
    assert result.facts["test_files"] == 1
    assert result.facts["folders"] == ["tests"]


def test_it_reads_codeowners_rules_and_owners(complete):
    result = complete["git.codeowners_present"]
    assert result.state == PASS
    assert result.facts["file"] == ".github/CODEOWNERS"
    assert result.facts["rules"] == 2
    assert result.facts["owners"] == ["@acme/prompt-reviewers", "@acme/search", "@ada"]
    assert result.facts["catch_all"] is True


def test_it_follows_prompt_history_across_a_rename(complete):
    result = complete["git.prompts_versioned"]
    assert result.state == PASS
    [prompt] = result.facts["files"]
    assert prompt["path"] == "prompts/qa.txt"
    assert prompt["commits"] == 4
    assert prompt["renamed_from"] == ["prompts/qa_prompt.txt"]
    assert prompt["last_change"].startswith("2026-01-04")


def test_it_finds_readme_architecture_and_model_choice_documents(complete):
    assert complete["git.readme_present"].state == PASS
    assert complete["git.architecture_doc_present"].facts["files"] == ["docs/architecture.md"]
    assert complete["git.model_choice_doc_present"].facts["files"] == ["docs/model-choice.md"]
    assert complete["git.model_choice_doc_present"].state == PASS


def test_it_fails_a_repository_without_ci_or_tests(bare):
    assert bare["git.ci_config_present"].state == FAIL
    assert bare["git.ci_runs_tests"].state == FAIL
    assert bare["git.tests_present"].state == FAIL


def test_it_does_not_count_an_empty_test_package_as_tests(tmp_path):
    repo = make_repo(tmp_path / "r", [{"tests/__init__.py": "", "tests/conftest.py": "import pytest\n"}])
    assert run(repo)["git.tests_present"].state == FAIL


def test_it_fails_a_repository_without_codeowners_and_says_when_to_waive(bare):
    result = bare["git.codeowners_present"]
    assert result.state == FAIL
    assert result.facts["looked_in"][:2] == [".github/CODEOWNERS", "CODEOWNERS"]
    assert "waive" in result.reason
    assert "branch protection" in result.reason


def test_it_fails_missing_codeowners_when_the_project_requires_it(tmp_path):
    repo = make_repo(tmp_path / "r", [{"README.md": README}])
    assert run(repo, codeowners_required="true")["git.codeowners_present"].state == FAIL


def test_it_fails_a_codeowners_file_without_owners(tmp_path):
    repo = make_repo(tmp_path / "r", [{"CODEOWNERS": "# TODO: add owners\n*.py\n"}])
    result = run(repo)["git.codeowners_present"]
    assert result.state == FAIL
    assert result.facts["rules"] == 0


def test_it_fails_prompts_and_documents_that_are_missing(bare):
    assert bare["git.prompts_versioned"].state == FAIL
    assert bare["git.architecture_doc_present"].state == FAIL
    assert bare["git.model_choice_doc_present"].state == FAIL


def test_it_warns_about_a_nearly_empty_readme(bare):
    result = bare["git.readme_present"]
    assert result.state == WARN
    assert result.facts == {"file": "README", "bytes": 5}


def test_it_fails_ci_that_runs_no_tests(tmp_path):
    repo = make_repo(tmp_path / "r", [{".gitlab-ci.yml": "build:\n  script:\n    - docker build .\n"}])
    results = run(repo)
    assert results["git.ci_config_present"].facts["systems"] == ["gitlab_ci"]
    assert results["git.ci_runs_tests"].state == FAIL
    assert results["git.ci_runs_tests"].facts["scanned"] == [".gitlab-ci.yml"]


def test_it_does_not_take_installing_pytest_for_running_it(tmp_path):
    workflow = "jobs:\n  build:\n    steps:\n      - run: pip install -r requirements.txt pytest\n"
    repo = make_repo(tmp_path / "r", [{".github/workflows/build.yml": workflow, "requirements.txt": "pytest==9.0\n"}])
    assert run(repo)["git.ci_runs_tests"].state == FAIL


def test_it_follows_a_ci_script_committed_in_the_repository(tmp_path):
    repo = make_repo(
        tmp_path / "r", [{"Jenkinsfile": "node { sh './ci/check.sh' }\n", "ci/check.sh": "#!/bin/sh\ntox -e py311\n"}]
    )
    result = run(repo)["git.ci_runs_tests"]
    assert result.state == PASS
    assert result.facts["commands"][0]["via"] == "ci/check.sh"


def test_it_uses_configured_prompt_and_document_globs(complete_repo):
    results = run(complete_repo, prompt_globs="app.py", architecture_globs="README.md, docs/nothing*")
    assert results["git.prompts_versioned"].facts["files"][0]["path"] == "app.py"
    assert results["git.architecture_doc_present"].facts["files"] == ["README.md"]


def test_it_reads_committed_files_only(tmp_path):
    repo = make_repo(tmp_path / "r", [{"app.py": "x = 1\n"}])
    (repo / "tests").mkdir()
    (repo / "tests" / "test_uncommitted.py").write_text("def test_x(): pass\n")
    assert run(repo)["git.tests_present"].state == FAIL


def test_it_reads_the_configured_branch(tmp_path):
    repo = make_repo(tmp_path / "r", [{"app.py": "x = 1\n"}])
    git(repo, "checkout", "-q", "-b", "feature")
    commit_a_test(repo)
    assert run(repo, branch="main")["git.tests_present"].state == FAIL
    assert run(repo, branch="feature")["git.tests_present"].state == PASS


def test_it_clones_an_https_url_into_the_cache_and_fetches_new_commits(tmp_path, settings, git_http):
    settings.VAR_DIR = tmp_path / "var"
    url = git_http.serve("origin", make_repo(tmp_path / "origin", [{"app.py": "x = 1\n"}]))
    assert run(url)["git.tests_present"].state == FAIL
    commit_a_test(tmp_path / "origin")
    assert run(url)["git.tests_present"].state == PASS
    assert len(list((tmp_path / "var" / "connector-cache" / "git").iterdir())) == 1


def test_it_reports_an_unknown_clone_url_as_permanent(tmp_path, settings, git_http):
    settings.VAR_DIR = tmp_path / "var"
    with pytest.raises(ConnectorError) as caught:
        run(f"{git_http.base}/missing")
    assert not caught.value.transient
    assert "not found" in str(caught.value)


def test_it_gives_up_on_a_silent_git_server_after_the_timeout(tmp_path, settings, silent_server):
    settings.VAR_DIR = tmp_path / "var"
    started = time.monotonic()
    with pytest.raises(ConnectorError) as caught:
        run(f"{silent_server}/repo.git", timeout=1)
    assert caught.value.transient
    assert "took longer than 1 s" in str(caught.value)
    assert time.monotonic() - started < 30  # far above the timeout: a loaded CI machine cannot fail it


def test_it_refuses_clone_urls_outside_http(tmp_path):
    with pytest.raises(ConnectorError) as caught:
        run(f"file://{tmp_path}")
    assert not caught.value.transient


def test_it_refuses_ssh_addresses_with_a_way_out():
    with pytest.raises(ConnectorError) as caught:
        run("git@github.com:acme/docs-qa.git")
    assert "use the https:// clone URL" in str(caught.value)


def test_it_rejects_a_directory_that_is_not_a_repository(tmp_path):
    with pytest.raises(ConnectorError) as caught:
        run(tmp_path)
    assert not caught.value.transient
    assert "is not a git repository" in str(caught.value)


def test_it_fails_every_check_of_a_repository_without_commits(tmp_path):
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    results = run(repo)
    assert {r.state for r in results.values()} == {FAIL}
    assert len(results) == len(GitRepositoryConnector.checks)
    assert "no commits" in results["git.tests_present"].reason
    assert results["git.tests_present"].facts == {"branch": "HEAD", "commits": 0}


def test_it_fails_a_cloned_repository_without_commits(tmp_path, settings, git_http):
    empty = tmp_path / "empty-remote"
    empty.mkdir()
    git(empty, "init", "-q")
    settings.VAR_DIR = tmp_path / "var"
    results = run(git_http.serve("empty", empty))
    assert {r.state for r in results.values()} == {FAIL}
