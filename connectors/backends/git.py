"""Git repositories: CI that runs the tests, tests, code owners, prompts with history, and the key documents.

Only what is committed counts: the back-end reads the tree of the branch (default: HEAD), never a working
copy. A local path is read in place; an https:// clone URL (checked against the connector URL policy; SSH and
file:// addresses are refused, a token secret is sent as an HTTP header, never in the URL) is mirrored into
``var/connector-cache/git/`` (full history, because ``git log --follow`` on a shallow clone would under-report
prompt history) and fetched on later runs. git resolves the clone URL's host itself, after the URL was checked, so
every clone and fetch is pinned to addresses checked just before it (see ``_remote_config``), unless an
administrator set an egress proxy (``PLUMBLINE_CONNECTOR_PROXY``): git then goes through it and the proxy resolves.
Everything goes through the git CLI with ``safe.directory=*`` (the worker may not own the repository), no
terminal prompts, and ``self.timeout`` on every command. git runs apart from the worker's own setup (see ``_env``):
an empty temporary HOME, no global or system configuration, no credential helper, so a URL rewrite in
``~/.gitconfig`` or a login saved in ``~/.netrc`` never steers a clone or reaches a host a team named.

Absence that was looked at is evidence: a repository without commits fails every check (there is no CI, no test,
no document yet), and a missing CODEOWNERS fails. A team whose required review is enforced elsewhere (branch
protection on the forge, which git alone cannot see) waives ``git.codeowners_present`` with a link to that setting.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import re2
from django.conf import settings as django_settings

from connectors.backends import as_list, check_pattern_length, checked_location, safe_location, safe_regex
from connectors.base import (
    BOOLEAN,
    FAIL,
    LIST,
    LOCATION,
    PASS,
    WARN,
    CheckOutcome,
    CheckSpec,
    Connector,
    ConnectorError,
    Parameter,
)
from connectors.local_sources import is_allowed_local_path, not_found_message, store_type_errors
from connectors.urls_policy import UrlNotAllowed, checked_addresses, connector_proxy, is_allowed_host, refuse_internal
from registry.choices import ComponentKind

TTL = timedelta(hours=24)
CI_SYSTEMS = {
    "github_actions": [".github/workflows/*.yml", ".github/workflows/*.yaml"],
    "gitlab_ci": [".gitlab-ci.yml", ".gitlab-ci.yaml", ".gitlab/ci/**/*.yml"],
    "jenkins": ["Jenkinsfile", "Jenkinsfile.*"],
    "circleci": [".circleci/config.yml", ".circleci/config.yaml"],
    "azure_pipelines": ["azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines/**/*.yml"],
    "bitbucket_pipelines": ["bitbucket-pipelines.yml"],
    "travis": [".travis.yml"],
    "drone": [".drone.yml", ".drone.yaml"],
    "woodpecker": [".woodpecker.yml", ".woodpecker.yaml", ".woodpecker/*.yml", ".woodpecker/*.yaml"],
}
TEST_RUNNERS = [
    ("pytest", r"\bpytest\b|\bpython[\d.]*\s+-m\s+pytest\b"),
    ("unittest", r"\bpython[\d.]*\s+-m\s+unittest\b|\bmanage\.py\s+test\b"),
    ("make", r"\bmake\s+(?:-\S+\s+)*(?:test|tests|check)\b"),
    ("npm", r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b"),
    ("tox", r"\btox\b(?!\.ini)"),
    ("nox", r"\bnox\b"),
    ("go", r"\bgo\s+test\b"),
    ("cargo", r"\bcargo\s+(?:test|nextest)\b"),
    ("maven", r"\bmvnw?\b.*\b(?:test|verify)\b"),
    ("gradle", r"\bgradlew?\b.*\b(?:test|check)\b"),
    ("dotnet", r"\bdotnet\s+test\b"),
    ("js", r"\b(?:jest|vitest|mocha)\b"),
    ("ruby", r"\brspec\b|\brake\s+test\b"),
    ("php", r"\bphpunit\b"),
    ("ctest", r"\bctest\b"),
]
TEST_RUNNER_PATTERNS = [(name, re.compile(pattern)) for name, pattern in TEST_RUNNERS]
INSTALL_LINE = re.compile(r"\b(?:pip3?|uv\s+pip|poetry|npm|yarn|pnpm|apt-get|brew)\s+(?:install|add|ci)\b")
SCRIPT_SUFFIXES = {"", ".sh", ".bash", ".zsh", ".ps1", ".cmd", ".bat", ".py"}
YAML_STEP_KEY = re.compile(r"^(?:run|script|command|cmd|sh)\s*:\s*[|>]?\s*")
MAKE_CALL = re.compile(r"\bmake\s+(?:-\S+\s+)*([A-Za-z0-9_.-]+)")
TEST_DIRS = {"tests", "test", "__tests__", "spec", "specs", "testing"}
NOT_TESTS = {"__init__.py", "conftest.py"}
CODE_SUFFIXES = {".py", ".js", ".jsx", ".ts", ".tsx", ".go", ".rb", ".java", ".kt", ".cs", ".rs", ".php", ".scala"}
TEST_FILE = re.compile(
    r"(^test_.*\.py$|_test\.(py|go)$|\.(test|spec)\.[jt]sx?$|Tests?\.(java|kt|cs)$|_spec\.rb$|_test\.rs$)"
)
CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"]
README = re.compile(r"^readme(\.[a-z0-9]+)?$", re.I)
README_MIN_BYTES = 200
DEFAULT_PROMPT_GLOBS = ["prompts/**"]
GLOB_SETTINGS = ("prompt_globs", "architecture_globs", "model_choice_globs")
DEFAULT_ARCHITECTURE_GLOBS = [
    "ARCHITECTURE*",
    "docs/**/architecture*",
    "doc/**/architecture*",
    "docs/adr/**",
    "docs/adrs/**",
    "docs/decisions/**",
    "adr/**",
    "docs/**/design*",
]
DEFAULT_MODEL_CHOICE_GLOBS = [
    "docs/**/model-choice*",
    "docs/**/model_choice*",
    "docs/**/model-selection*",
    "MODEL_CHOICE*",
    "MODEL_CARD*",
    "model_card*",
    "docs/**/model-card*",
    "docs/**/model_card*",
    "docs/adr/*model*",
    "docs/decisions/*model*",
]
SSH_ADDRESS = r"^[\w.-]+@[\w.-]+:(?!//)"
SSH_REFUSED = "SSH clone addresses are not supported; use the https:// clone URL (with a token) or a local path."
MAX_PROMPT_FILES = 50
MAX_LISTED = 20
TRANSIENT_GIT_ERRORS = re.compile(
    r"could not resolve host|connection refused|timed out|failed to connect|early eof|hung up|"
    r"returned error: (5\d\d|429)|temporary failure|network is unreachable|cannot lock ref",
    re.I,
)
REDIRECTED = re.compile(r"returned error: 30\d")
PINNING_GIT = (2, 37)  # the first git that passes http.curloptResolve to libcurl
COMMIT_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
REACHABLE, NOT_ON_BRANCH, ABSENT = "reachable", "not_on_branch", "absent"


@functools.cache
def glob_regex(pattern: str, setting: str = "a glob"):
    """A path glob as a regex: ``**`` spans directories, ``*``/``?`` stay within one; a bare name also matches a
    directory's contents. Case-insensitive, since docs are named README.md, Readme.md or readme.md alike. Globs are
    settings, so the regex runs in RE2: many ``**`` would make a backtracking engine take hours on a long path."""
    check_pattern_length(pattern, name=setting)
    pattern = pattern.strip().rstrip("/")
    if not any(c in pattern for c in "*?["):
        return safe_regex(re2.escape(pattern) + r"(/.*)?", name=setting, ignore_case=True)
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re2.escape(pattern[i]), i + 1
    return safe_regex(out, name=setting, ignore_case=True)


def matching(paths, patterns: list[str], setting: str = "a glob") -> list[str]:
    regexes = [glob_regex(p, setting) for p in patterns]
    return [path for path in paths if any(r.fullmatch(path) for r in regexes)]


class GitRepositoryConnector(Connector):
    name = "git"
    version = "1"
    component_kinds = (ComponentKind.CODE_REPOSITORY, ComponentKind.PROMPT_SET)
    parameters = (
        Parameter(
            "location",
            "Clone URL or local path",
            required=True,
            type=LOCATION,
            attribute="url",
            help="https:// clone URL, or the absolute path of a local repository under the allowed local source "
            "roots; default: the url attribute.",
        ),
        Parameter("branch", "Branch", help="Default: the branch attribute, else the repository's HEAD."),
        Parameter("username", "Username for HTTPS", help="Default x-access-token (GitHub); oauth2 for GitLab."),
        Parameter("token", "Access token", secret=True, help="For private HTTPS repositories."),
        Parameter("prompt_globs", "Prompt files", type=LIST, help="Comma-separated globs; default prompts/**."),
        Parameter("architecture_globs", "Architecture documents", type=LIST, help="Comma-separated globs."),
        Parameter("model_choice_globs", "Model-choice documents", type=LIST, help="Comma-separated globs."),
        Parameter(
            "codeowners_required",
            "CODEOWNERS required",
            type=BOOLEAN,
            help="No longer needed: a missing CODEOWNERS always fails (waive it when review is enforced elsewhere).",
        ),
    )
    checks = (
        CheckSpec(
            id="git.ci_config_present",
            title="A CI configuration exists",
            fix="Add a CI pipeline (e.g. .github/workflows/ci.yml or .gitlab-ci.yml) that tests every change.",
            questions=("maturity.code_quality.ci_validates_infra",),
            ttl=TTL,
            passes=(
                "A CI configuration of a known system (GitHub Actions, GitLab CI, Jenkins, "
                "CircleCI, Azure Pipelines, Bitbucket Pipelines, Travis, Drone, Woodpecker) is "
                "committed on the branch."
            ),
            fails="No such file is committed, or the repository has no commits.",
        ),
        CheckSpec(
            id="git.ci_runs_tests",
            title="The CI configuration runs the tests",
            fix="Make the CI pipeline run the tests (pytest, make test, npm test, tox, go test...) on every change.",
            questions=("maturity.code_quality.ci_runs_tests",),
            ttl=TTL,
            passes=(
                "A CI file, or a Makefile target or committed script it calls, runs a recognised "
                "test command (pytest, make test, npm test, tox, go test, cargo test, ...)."
            ),
            fails=(
                "There is no CI configuration, none of it runs a recognised test command (installing"
                " a test tool does not count), or the repository has no commits."
            ),
        ),
        CheckSpec(
            id="git.tests_present",
            title="Tests exist",
            fix="Add automated tests (e.g. a tests/ folder with test_*.py) covering the LLM application's behaviour.",
            questions=("maturity.code_quality.tests_every_step",),
            ttl=TTL,
            passes=(
                "At least one test file is committed (test_*.py, *_test.go, *.test.ts, ... or "
                "source code in a tests/ folder)."
            ),
            fails=("None is (an __init__.py or conftest.py alone is not a test), or the repository has no commits."),
        ),
        CheckSpec(
            id="git.codeowners_present",
            title="CODEOWNERS (or equivalent required review) exists",
            fix="Add .github/CODEOWNERS (or CODEOWNERS) naming who must review changes, and require their review; "
            "if review is enforced by branch protection instead, waive with a link to that setting.",
            questions=("maturity.code_quality.peer_review",),
            ttl=TTL,
            passes=("A CODEOWNERS file (.github/, the root, docs/ or .gitlab/) has at least one rule naming an owner."),
            fails=(
                "There is no CODEOWNERS file (waive the check when required review is enforced "
                "elsewhere, e.g. branch protection), it names no owner, or the repository has no "
                "commits."
            ),
        ),
        CheckSpec(
            id="git.prompts_versioned",
            title="Prompts are kept as files with history",
            fix="Keep prompt templates as files in the repository (default prompts/) and change them by commits; "
            "set prompt_globs if they live elsewhere.",
            questions=("maturity.traceability.prompts_versioned",),
            ttl=TTL,
            passes=(
                "Files match prompt_globs (default prompts/**); their commit history, across renames, is in the facts."
            ),
            fails="No committed file matches, or the repository has no commits.",
        ),
        CheckSpec(
            id="git.readme_present",
            title="A README exists",
            fix="Add a README.md saying what the application does, who owns it and how to run and test it.",
            questions=("maturity.code_quality.docs_as_code",),
            ttl=TTL,
            passes="A README at the repository root has at least 200 bytes.",
            fails="There is no README at the root, or the repository has no commits.",
            warns="The README has fewer than 200 bytes.",
        ),
        CheckSpec(
            id="git.architecture_doc_present",
            title="An architecture document exists",
            fix="Add docs/architecture.md (or ARCHITECTURE.md, or decision records in docs/adr/) describing the "
            "components, data flows and the LLM's place in them.",
            questions=("maturity.documentation.architecture",),
            ttl=TTL,
            passes=(
                "A committed file matches architecture_globs (ARCHITECTURE*, docs/**/architecture*,"
                " decision records...)."
            ),
            fails="None does, or the repository has no commits.",
        ),
        CheckSpec(
            id="git.model_choice_doc_present",
            title="A document justifies the model choice",
            fix="Add docs/model-choice.md recording which model was chosen, the alternatives compared, and why.",
            questions=("maturity.documentation.model_choice",),
            ttl=TTL,
            passes=("A committed file matches model_choice_globs (docs/**/model-choice*, MODEL_CARD*, ...)."),
            fails="None does, or the repository has no commits.",
        ),
    )
    max_concurrency = 2

    @classmethod
    def validate_settings(cls, settings: dict) -> dict[str, list[str]]:
        errors = {}
        if re.match(SSH_ADDRESS, str(settings.get("location") or "")):
            errors["location"] = [SSH_REFUSED]
        for name in GLOB_SETTINGS:
            try:
                matching([], as_list(settings.get(name), []), name)
            except ConnectorError as exc:
                errors[name] = [str(exc)]
        return errors

    @classmethod
    def local_source_errors(cls, name: str, path: str) -> list[str]:
        """Not a repository, or a worktree whose ``.git`` file points outside the allowed roots."""
        pointer = Path(path) / ".git"
        if pointer.is_file():
            target = pointer.read_text(errors="replace").partition("gitdir:")[2].strip()
            if not target or not is_allowed_local_path(str(Path(path) / target)):
                return [not_found_message(path)]
        return store_type_errors(path, "git")

    def target(self) -> str:
        return safe_location(self.location)

    def run(self):
        repo = self._repository()
        rev = self._revision(repo)
        if rev is None:
            reason = f"The repository has no commits on {self.branch}, so none of this is there yet: commit it."
            facts = {"branch": self.branch, "commits": 0}
            return [CheckOutcome(spec.id, FAIL, reason, facts) for spec in self.checks]
        files = self._files(repo, rev)
        paths = list(files)
        ci_files = {system: matching(paths, globs) for system, globs in CI_SYSTEMS.items()}
        ci_files = {system: found for system, found in ci_files.items() if found}
        return [
            self._ci_present(ci_files),
            self._ci_runs_tests(repo, rev, ci_files, set(paths)),
            self._tests_present(paths),
            self._codeowners(repo, rev, set(paths)),
            self._prompts(repo, rev, paths),
            self._readme(files),
            self._documents("git.architecture_doc_present", "architecture document", "architecture_globs", paths),
            self._documents("git.model_choice_doc_present", "model-choice document", "model_choice_globs", paths),
        ]

    def commit_on_branch(self, sha: str) -> str:
        """Where the commit ``sha`` stands: ``reachable`` from the branch (default: HEAD), ``not_on_branch`` (in
        the repository, never merged into it) or ``absent``. Raises ``ConnectorError`` when git cannot look.

        Corroborates the commit a CI push names (``connectors.corroboration``); reading never changes the source.
        """
        if not COMMIT_SHA.fullmatch(sha or ""):
            return ABSENT
        repo = self._repository()
        rev = self._revision(repo)
        if rev is None:
            return ABSENT
        try:
            full = self._git("rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}", repo=repo).strip()
        except ConnectorError as exc:
            if exc.transient:
                raise
            return ABSENT
        try:
            bases = self._git("merge-base", "--all", full, rev, repo=repo).split()
        except ConnectorError as exc:
            if exc.transient:
                raise
            return NOT_ON_BRANCH  # no common ancestor: an unrelated history
        return REACHABLE if full in bases else NOT_ON_BRANCH

    # Reaching the repository

    @cached_property
    def location(self) -> str:
        configured = self.settings.get("location") or self.component.attributes.get("url")
        if re.match(SSH_ADDRESS, str(configured or "").strip()):
            raise ConnectorError(SSH_REFUSED, transient=False)
        return checked_location(configured, missing="Set the repository's https:// clone URL or local path.")

    @property
    def branch(self) -> str:
        return str(self.settings.get("branch") or self.component.attributes.get("branch") or "HEAD")

    def _git(self, *args: str, repo: str | None = None, config: Iterable[str] = (), proxy: str | None = None) -> str:
        """Run git with ``self.timeout``, the ``config`` options and ``proxy`` as its HTTP proxy. git runs in its own
        process group, so a timeout also kills the remote helpers it spawned (git-remote-https), which would
        otherwise keep the pipes open and the worker busy."""
        command = ["git", "-c", "safe.directory=*", "-c", "core.quotePath=false", "-c", "credential.helper="]
        for option in config:
            command += ["-c", option]
        command += ["--git-dir", repo] if repo else []
        with (
            tempfile.TemporaryDirectory(prefix="plumbline-git-home-") as home,
            subprocess.Popen(
                [*command, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, **self._env(home, proxy)},
                start_new_session=True,
            ) as process,
        ):
            try:
                stdout, stderr = process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise ConnectorError(
                    f"git {args[0]} took longer than {self.timeout:g} s; it will be retried.", transient=True
                ) from None
        if process.returncode != 0:
            lines = stderr.decode(errors="replace").strip().splitlines()
            error = lines[-1] if lines else "no message"
            if REDIRECTED.search(error):
                raise ConnectorError(
                    f"The git server at {self.target()} redirected git {args[0]} elsewhere, which is not followed; "
                    "set the location to the repository's final clone URL.",
                    transient=False,
                )
            raise ConnectorError(f"git {args[0]} failed: {error}", transient=bool(TRANSIENT_GIT_ERRORS.search(error)))
        return stdout.decode(errors="replace")

    def _env(self, home: str, proxy: str | None = None) -> dict:
        """What git runs with on top of the worker's environment: ``home``, an empty directory, as HOME and
        XDG_CONFIG_HOME, so neither git (``~/.gitconfig``, ``~/.config/git/config``) nor its libcurl
        (``~/.netrc``) finds the worker's configuration or saved logins; no system or global configuration
        (GIT_CONFIG_GLOBAL for git 2.32 and later, HOME for older ones); no prompt or askpass program. Only the
        ``token`` secret authenticates. Configuration an operator sets in the worker's environment
        (GIT_CONFIG_COUNT, GIT_SSL_CAINFO...) still applies, below the connector's own ``-c`` options. The token
        header and the proxy (whose URL may hold credentials) are appended to the operator's GIT_CONFIG entries, not
        put on the command line, where any user of the machine could read them."""
        env = {
            "HOME": home,
            "XDG_CONFIG_HOME": home,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
            "GIT_SSH_COMMAND": f"ssh -o BatchMode=yes -o ConnectTimeout={max(int(self.timeout), 1)}",
        }
        config = []
        token = self.secrets.get("token")
        if token:
            user = self.settings.get("username") or "x-access-token"
            credentials = base64.b64encode(f"{user}:{token}".encode()).decode()
            config.append(("http.extraHeader", f"Authorization: Basic {credentials}"))
        if proxy:
            config.append(("http.proxy", proxy))
        operator = os.environ.get("GIT_CONFIG_COUNT", "")
        first = int(operator) if operator.isdigit() else 0
        for i, (key, value) in enumerate(config, start=first):
            env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"] = key, value
        if config:
            env["GIT_CONFIG_COUNT"] = str(first + len(config))
        return env

    def _repository(self) -> str:
        """The git directory to read: the local repository's, or a mirror of the remote one, up to date."""
        location = self.location
        if "://" not in location:
            try:
                git_dir = self._git("-C", location, "rev-parse", "--absolute-git-dir").strip()
            except ConnectorError as exc:
                raise ConnectorError(f"{location} is not a git repository.", transient=False) from exc
            if not is_allowed_local_path(git_dir):  # a .git file may point anywhere (gitdir: /elsewhere)
                raise ConnectorError(not_found_message(location), transient=False)
            return git_dir
        cache = Path(django_settings.VAR_DIR) / "connector-cache" / "git"
        mirror = cache / hashlib.sha256(location.encode()).hexdigest()[:32]
        config, proxy = self._remote_config(location)
        if mirror.is_dir():
            self._git("remote", "update", "--prune", repo=str(mirror), config=config, proxy=proxy)
            return str(mirror)
        cache.mkdir(parents=True, exist_ok=True)
        scratch = tempfile.mkdtemp(dir=cache, prefix="clone-")
        try:
            self._git("clone", "--mirror", "--quiet", location, scratch, config=config, proxy=proxy)
            os.replace(scratch, mirror)
        except OSError:
            pass  # another worker finished the same clone first; use theirs
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return str(mirror)

    def _remote_config(self, location: str) -> tuple[list[str], str | None]:
        """git options that keep a clone or fetch of ``location`` on addresses the URL policy accepts, and the
        proxy git must go through (None: connect directly).

        git resolves the host again when it connects, and a DNS server may answer 127.0.0.1 or 169.254.169.254
        by then (DNS rebinding). Unless an administrator allowed the host, it is resolved and checked here
        (``UrlNotAllowed`` names a refused address) and libcurl is given the checked addresses
        (``http.curloptResolve``), so git connects only to them while the Host header and TLS check keep the
        name. Redirects are not followed and proxies not used: either would reach a host never checked. A name
        in Unicode is refused, since libcurl looks up its xn-- form, which the pin would not match. A git older than
        2.37 ignores ``http.curloptResolve`` without a word, so a pin it would need is refused instead.

        Behind the administrator's egress proxy (``PLUMBLINE_CONNECTOR_PROXY``) git goes through it and nothing is
        pinned: the proxy resolves the name, and enforces the egress policy. A name the worker resolves to an
        internal address is still refused. Allowed hosts are reached directly, as without a proxy.
        """
        parts = urlsplit(location)
        host = parts.hostname or ""
        if is_allowed_host(host):
            return [], None
        if not host.isascii():
            raise UrlNotAllowed(f"Write the host {host} of the clone URL in its ASCII form (xn--...).")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        proxy = connector_proxy()
        if proxy:
            refuse_internal(host, port)
            return ["http.followRedirects=false"], proxy
        addresses = checked_addresses(host, port)
        config = ["http.followRedirects=false", "http.proxy="]
        if _is_address(host):
            return config, None
        version = git_version()
        if not pins_addresses(version):
            raise ConnectorError(
                f"The git on this worker ({version}) cannot be held to the checked address of {host}; it needs git "
                f"{'.'.join(map(str, PINNING_GIT))} or later. Upgrade git on the Plumbline workers, or ask an "
                "administrator to add the host to PLUMBLINE_CONNECTOR_ALLOWED_HOSTS if it is trusted.",
                transient=False,
            )
        pinned = ",".join(f"[{address}]" if ":" in address else address for address in addresses)
        return [*config, f"http.curloptResolve={host}:{port}:{pinned}"], None

    def _revision(self, repo: str) -> str | None:
        branch = self.branch
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}", repo=repo).strip()
        except ConnectorError:
            if branch != "HEAD" and self._git("rev-list", "--all", "--max-count=1", repo=repo).strip():
                raise ConnectorError(
                    f"The repository has no branch {branch}; check the branch setting.", transient=False
                ) from None
            return None

    def _files(self, repo: str, rev: str) -> dict[str, int]:
        """Path -> size in bytes of every file committed at ``rev``."""
        files = {}
        for entry in self._git("ls-tree", "-r", "-l", "-z", rev, repo=repo).split("\0"):
            if "\t" in entry:
                meta, path = entry.split("\t", 1)
                size = meta.split()[-1]
                files[path] = int(size) if size.isdigit() else 0
        return files

    def _read(self, repo: str, rev: str, path: str) -> str:
        return self._git("cat-file", "blob", f"{rev}:{path}", repo=repo)

    # The checks

    def _ci_present(self, ci_files):
        check_id = "git.ci_config_present"
        facts = {"systems": sorted(ci_files), "files": sorted(f for found in ci_files.values() for f in found)}
        if ci_files:
            return CheckOutcome(check_id, PASS, f"CI configured: {', '.join(facts['files'][:3])}.", facts)
        return CheckOutcome(
            check_id, FAIL, "No CI configuration found (GitHub Actions, GitLab CI, Jenkinsfile, ...).", facts
        )

    def _ci_runs_tests(self, repo, rev, ci_files, paths):
        """Look for a test command in the CI files, and one level down in Makefile targets and scripts they call."""
        check_id = "git.ci_runs_tests"
        if not ci_files:
            return CheckOutcome(check_id, FAIL, "No CI configuration, so nothing runs the tests automatically.", {})
        commands, scanned = [], []
        for ci_file in sorted(f for found in ci_files.values() for f in found):
            text = self._read(repo, rev, ci_file)
            scanned.append(ci_file)
            commands += _test_commands(text, ci_file)
            for via, body in self._called(repo, rev, text, paths):
                scanned.append(via)
                commands += _test_commands(body, ci_file, via=via)
        facts = {
            "runners": sorted({c["runner"] for c in commands}),
            "commands": commands[:MAX_LISTED],
            "scanned": scanned,
        }
        if commands:
            first = commands[0]
            return CheckOutcome(check_id, PASS, f"CI runs the tests: {first['line'][:80]} ({first['file']}).", facts)
        return CheckOutcome(
            check_id,
            FAIL,
            "The CI configuration runs no recognisable test command (pytest, make test, npm test, tox, go test...).",
            facts,
        )

    def _called(self, repo, rev, text, paths):
        """Bodies of what a CI file calls: recipes of ``make <target>`` and scripts committed in the repository
        (shell, PowerShell, batch, Python or extension-less files; not data files such as requirements.txt)."""
        makefile = next((m for m in ("Makefile", "makefile", "GNUmakefile") if m in paths), None)
        if makefile:
            make_text = self._read(repo, rev, makefile)
            for target in dict.fromkeys(MAKE_CALL.findall(text)):
                recipe = _make_recipe(make_text, target)
                if recipe:
                    yield f"{makefile}:{target}", recipe
        for token in dict.fromkeys(re.findall(r"[\w./-]+", text)):
            path = token.removeprefix("./")
            if path in paths and path != makefile and Path(path).suffix in SCRIPT_SUFFIXES:
                yield path, self._read(repo, rev, path)

    def _tests_present(self, paths):
        check_id = "git.tests_present"
        tests = [p for p in paths if _is_test_file(p)]
        folders = sorted({p.split("/")[0] for p in tests if "/" in p})
        facts = {"test_files": len(tests), "folders": folders[:MAX_LISTED], "examples": tests[:5]}
        if tests:
            return CheckOutcome(check_id, PASS, f"{_count(len(tests), 'test file')} found.", facts)
        return CheckOutcome(
            check_id, FAIL, "No test files found (tests/, test_*.py, *_test.go, *.test.ts, ...).", facts
        )

    def _codeowners(self, repo, rev, paths):
        check_id = "git.codeowners_present"
        found = next((p for p in CODEOWNERS_PATHS if p in paths), None)
        if not found:
            return CheckOutcome(
                check_id,
                FAIL,
                f"No CODEOWNERS file (looked in {', '.join(CODEOWNERS_PATHS[:2])}, ...); add one, or waive this "
                "check if required review is enforced elsewhere (branch protection).",
                {"looked_in": CODEOWNERS_PATHS},
            )
        rules = _codeowners_rules(self._read(repo, rev, found))
        owners = sorted({owner for _, rule_owners in rules for owner in rule_owners})
        facts = {
            "file": found,
            "rules": len(rules),
            "owners": owners[:MAX_LISTED],
            "catch_all": any(p == "*" for p, _ in rules),
        }
        if not rules:
            return CheckOutcome(check_id, FAIL, f"{found} has no rule naming an owner.", facts)
        reason = f"{found}: {_count(len(rules), 'rule')}, owners {', '.join(owners[:3])}."
        return CheckOutcome(check_id, PASS, reason, facts)

    def _prompts(self, repo, rev, paths):
        check_id = "git.prompts_versioned"
        globs = as_list(self.settings.get("prompt_globs"), DEFAULT_PROMPT_GLOBS)
        prompts = matching(paths, globs, "prompt_globs")
        facts = {"globs": globs, "files_total": len(prompts)}
        if not prompts:
            return CheckOutcome(
                check_id, FAIL, f"No prompt files match {', '.join(globs)}; commit prompts or set prompt_globs.", facts
            )
        files, commits = [], set()
        for path in prompts[:MAX_PROMPT_FILES]:
            history = self._history(repo, rev, path)
            commits.update(h["commit"] for h in history)
            names = [h["path"] for h in history]
            files.append(
                {
                    "path": path,
                    "commits": len(history),
                    "last_change": history[0]["date"] if history else None,
                    "renamed_from": sorted(set(names) - {path}),
                }
            )
        last = max((f["last_change"] for f in files if f["last_change"]), default=None)
        facts.update(files=files, commits=len(commits), last_change=last)
        return CheckOutcome(
            check_id,
            PASS,
            f"{_count(len(prompts), 'prompt file')} under version control, {_count(len(commits), 'commit')}, "
            f"last {last}.",
            facts,
        )

    def _history(self, repo, rev, path) -> list[dict]:
        """Commits that touched ``path``, following renames, newest first, with the name it had in each."""
        out = self._git("log", "--follow", "--format=%x1e%H%x1f%aI", "--name-status", rev, "--", path, repo=repo)
        history = []
        for record in out.split("\x1e")[1:]:
            header, _, changes = record.partition("\n")
            commit, date = header.split("\x1f")
            names = [line.split("\t")[-1] for line in changes.strip().splitlines() if "\t" in line]
            history.append({"commit": commit, "date": date, "path": names[0] if names else path})
        return history

    def _readme(self, files):
        check_id = "git.readme_present"
        readme = next((p for p in sorted(files) if "/" not in p and README.match(p)), None)
        if not readme:
            return CheckOutcome(check_id, FAIL, "No README at the repository root.", {})
        facts = {"file": readme, "bytes": files[readme]}
        if files[readme] < README_MIN_BYTES:
            return CheckOutcome(
                check_id, WARN, f"{readme} is nearly empty ({files[readme]} bytes); say what, who, how.", facts
            )
        return CheckOutcome(check_id, PASS, f"{readme} present ({files[readme]} bytes).", facts)

    def _documents(self, check_id, label, setting, paths):
        defaults = DEFAULT_ARCHITECTURE_GLOBS if setting == "architecture_globs" else DEFAULT_MODEL_CHOICE_GLOBS
        globs = as_list(self.settings.get(setting), defaults)
        found = matching(paths, globs, setting)
        facts = {"globs": globs, "files": found[:MAX_LISTED]}
        if found:
            return CheckOutcome(check_id, PASS, f"{label.capitalize()} found: {', '.join(found[:3])}.", facts)
        return CheckOutcome(check_id, FAIL, f"No {label} found (looked for {', '.join(globs[:3])}, ...).", facts)


def _test_commands(text: str, ci_file: str, via: str | None = None) -> list[dict]:
    commands = []
    for line in text.splitlines():
        stripped = YAML_STEP_KEY.sub("", line.strip().lstrip("-").strip())
        if not stripped or stripped.startswith("#") or INSTALL_LINE.search(stripped):
            continue
        for runner, pattern in TEST_RUNNER_PATTERNS:
            if pattern.search(stripped):
                commands.append({"file": ci_file, "via": via, "runner": runner, "line": stripped[:200]})
                break
    return commands


def _make_recipe(makefile: str, target: str) -> str:
    """The recipe lines of a Makefile target (and of its prerequisites' targets), for one level of indirection."""
    recipes, prerequisites = {}, {}
    current = None
    for line in makefile.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\- ]+):(?!=)(.*)$", line)
        if match and not line.startswith("\t"):
            current = match.group(1).split()
            for name in current:
                recipes.setdefault(name, [])
                prerequisites[name] = match.group(2).split("#")[0].split()
        elif line.startswith("\t") and current:
            for name in current:
                recipes[name].append(line.strip())
        elif line.strip() and not line.startswith("\t"):
            current = None
    lines = list(recipes.get(target, []))
    for prerequisite in prerequisites.get(target, []):
        lines += recipes.get(prerequisite, [])
    return "\n".join(lines)


def _is_test_file(path: str) -> bool:
    """A test by its name (test_*.py, *_test.go, *.spec.ts...) or a source file in a test folder; package and
    fixture plumbing (``__init__.py``, ``conftest.py``) alone is not a test."""
    parts = path.split("/")
    name = parts[-1]
    if TEST_FILE.search(name):
        return True
    if name in NOT_TESTS:
        return False
    return any(part.lower() in TEST_DIRS for part in parts[:-1]) and Path(name).suffix in CODE_SUFFIXES


def _codeowners_rules(text: str) -> list[tuple[str, list[str]]]:
    """(pattern, owners) of every rule that names at least one owner; GitLab section headers are skipped."""
    rules = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("[", "^[")):
            continue
        pattern, *owners = line.split()
        owners = [o for o in owners if "@" in o]
        if owners:
            rules.append((pattern, owners))
    return rules


@functools.cache
def git_version() -> str:
    """What ``git --version`` prints on this worker, asked once per process."""
    return subprocess.run(["git", "--version"], capture_output=True, text=True, check=True, timeout=30).stdout.strip()


def pins_addresses(version: str) -> bool:
    """Whether the git that printed ``version`` ("git version 2.39.5", "git version 2.36.1.windows.1",
    "git version 2.37.0 (Apple Git-136)") applies ``http.curloptResolve``; unreadable output counts as no."""
    match = re.match(r"git version (\d+)\.(\d+)", version)
    return bool(match) and (int(match[1]), int(match[2])) >= PINNING_GIT


def _is_address(host: str) -> bool:
    """The host is a literal IP address, which nothing resolves again."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
