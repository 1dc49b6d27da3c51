"""``plumbline``: ask the stage gate from CI and push evaluation results. Standard library only.

Exit codes (``EXIT_CODES``, printed by ``plumbline --help``): 0 allowed or stored, 1 refused or rejected, 2 could
not decide or push (the server could not answer now: worth a retry), 3 usage, authentication or permission error
(the job is misconfigured: fix it, do not retry).
``plumbline verify-pack``: 0 intact, 1 altered (each altered, missing or unlisted file is named), 2 could not check.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__, output, pack
from .client import Client, Rejected, Undecided, Unusable

ALLOWED, REFUSED, UNDECIDED, UNUSABLE = 0, 1, 2, 3
EXIT_CODES = """exit codes:
  0  allowed (gate) or stored (push-evidence)
  1  refused (gate) or rejected (push-evidence): the reasons or the bad fields are printed
  2  could not decide: server unreachable, timed out, rate-limited, server error, a verdict it cannot read, or a
     gate refused only by requirements that could not be verified (nothing known fails)
  3  usage, authentication or permission error: mistyped option, missing or bad PLUMBLINE_URL or PLUMBLINE_TOKEN,
     revoked token, no access to the project, no such project, unreadable results file, unwritable --output
"""
RENDERERS = {"text": output.as_text, "json": output.as_json, "junit": output.as_junit, "sarif": output.as_sarif}


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 3 (argparse's own 2 would read as "could not decide")."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(UNUSABLE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="plumbline",
        description="Plumbline from CI. Reads PLUMBLINE_URL and PLUMBLINE_TOKEN from the environment.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"plumbline {__version__}")
    parser.add_argument("--url", default=os.environ.get("PLUMBLINE_URL", ""), help="default: $PLUMBLINE_URL")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (default 30)")
    sub = parser.add_subparsers(dest="command", required=True)

    gate = sub.add_parser(
        "gate",
        help="May the project enter a stage? Exit 0 allowed, 1 refused, 2 undecided, 3 usage or access error.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gate.add_argument("--project", required=True, help="project slug")
    gate.add_argument("--stage", default="production", choices=["poc", "pilot", "production"])
    gate.add_argument("--format", default="text", choices=sorted(RENDERERS))
    gate.add_argument("--output", help="write the report to this file (the text summary still goes to stdout)")
    gate.add_argument("--sarif-location", default="README.md", help="file SARIF results point at (default README.md)")

    push = sub.add_parser(
        "push-evidence",
        help="Push evaluation results (Plumbline, MLflow or promptfoo JSON).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    push.add_argument("--project", required=True, help="project slug")
    push.add_argument("--format", choices=["plumbline", "mlflow", "promptfoo"], help="default: detect")
    push.add_argument("--commit", help="git commit evaluated (must be on the branch of the project's repository)")
    push.add_argument("--dataset", help="evaluation dataset name")
    version = push.add_mutually_exclusive_group()
    version.add_argument("--dataset-version", help="dataset version")
    version.add_argument("--dataset-digest", help="dataset digest (instead of a version)")
    push.add_argument("--mlflow-run", help="MLflow run id holding the same metric values")
    push.add_argument("--ci-url", help="URL of this CI run, kept as provenance")
    push.add_argument("file", help="results file (JSON), or - for standard input")

    verify = sub.add_parser(
        "verify-pack",
        help="Check a signed evidence pack offline. Exit 0 intact, 1 altered (names the files), 2 could not check.",
    )
    verify.add_argument("file", help="the evidence pack (.zip) downloaded from Plumbline")
    verify.add_argument(
        "--key",
        required=True,
        help="the server's public key (PEM), from <server>/.well-known/plumbline-signing-key.pem "
        "(or, for a retired key, /.well-known/plumbline-signing-keys.json)",
    )
    return parser


def _client(args) -> Client:
    return Client(args.url, os.environ.get("PLUMBLINE_TOKEN", ""), timeout=args.timeout)


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise Unusable(f"Cannot write {path}: {exc.strerror}. Check --output.") from None


def run_gate(args) -> int:
    verdict = _client(args).request("GET", f"/api/v1/projects/{args.project}/gate", query={"stage": args.stage})
    outcome = output.decision(verdict)
    if not isinstance(verdict, dict) or not isinstance(verdict.get("allowed"), bool):
        raise Undecided(
            "The server's answer says neither allowed nor refused; check PLUMBLINE_URL points at Plumbline."
        )
    if args.format == "sarif":
        report = output.as_sarif(verdict, location=args.sarif_location)
    else:
        report = RENDERERS[args.format](verdict)
    if args.output:
        _write(args.output, report)
        sys.stdout.write(output.as_text(verdict))
    else:
        sys.stdout.write(report)
    if outcome == "undecided":
        # Unknown is "Plumbline could not look" (an unverified push is a failure, exit 1, not this).
        unknown = [r.get("message", "") for r in verdict.get("requirements") or [] if r.get("status") == "unknown"]
        print(f"plumbline: could not decide: Plumbline could not look: {'; '.join(unknown)}", file=sys.stderr)
    return {"allowed": ALLOWED, "refused": REFUSED, "undecided": UNDECIDED}[outcome]


def run_push(args) -> int:
    try:
        if args.file == "-":
            payload = json.load(sys.stdin)
        else:
            with open(args.file, encoding="utf-8") as handle:
                payload = json.load(handle)
    except OSError as exc:
        raise Unusable(f"Cannot read {args.file}: {exc.strerror}.") from None
    except ValueError as exc:
        print(f"plumbline: {args.file} is not valid JSON: {exc}", file=sys.stderr)
        return REFUSED
    claims = {
        "commit": args.commit,
        "dataset": args.dataset,
        "dataset_version": args.dataset_version,
        "dataset_digest": args.dataset_digest,
        "mlflow_run": args.mlflow_run,
        "ci_url": args.ci_url,
    }
    try:
        answer = _client(args).request(
            "POST", f"/api/v1/projects/{args.project}/evidence", query={"format": args.format, **claims}, body=payload
        )
    except Rejected as exc:
        print(f"plumbline: rejected, nothing was stored: {exc}", file=sys.stderr)
        for path, messages in exc.errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                print(f"  {path}: {message}", file=sys.stderr)
        return REFUSED
    evaluation, check = answer.get("evaluation", {}), answer.get("check", {})
    print(
        f"Stored {evaluation.get('format')} results evaluated at {evaluation.get('evaluated_at')} "
        f"for {args.project} ({evaluation.get('verification', 'unverified')}): "
        f"{check.get('id')} {check.get('state')} — {check.get('reason')}"
    )
    return ALLOWED


def run_verify_pack(args) -> int:
    try:
        with open(args.key, "rb") as handle:
            key_pem = handle.read(64 * 1024)
        result = pack.verify(args.file, key_pem)
    except OSError as exc:
        print(f"plumbline: could not check: cannot read {args.key}: {exc.strerror}.", file=sys.stderr)
        return UNDECIDED
    except pack.CannotVerify as exc:
        print(f"plumbline: could not check: {exc}", file=sys.stderr)
        return UNDECIDED
    if result.valid:
        print(f"OK: {args.file}: signature by key {result.key_id} valid; {result.files} files match the manifest.")
        return ALLOWED
    print(f"ALTERED: {args.file} does not match what the server signed:")
    for path, problem in result.problems:
        print(f"  {path}: {problem}")
    return REFUSED


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "verify-pack":
        return run_verify_pack(args)
    try:
        return run_gate(args) if args.command == "gate" else run_push(args)
    except Undecided as exc:
        print(
            f"plumbline: {'could not decide' if args.command == 'gate' else 'could not push'}: {exc}", file=sys.stderr
        )
        return UNDECIDED
    except (Unusable, Rejected) as exc:
        print(f"plumbline: {exc}", file=sys.stderr)
        return UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
