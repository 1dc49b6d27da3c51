"""The signature check docs/webhooks.md gives receivers accepts what Plumbline signs, and nothing else."""

import re
import time
from pathlib import Path

from webhooks import signing

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verify():
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    assert len(code.strip().splitlines()) <= 10
    namespace = {}
    exec(code, namespace)
    return namespace["verify"]


def test_the_documented_check_accepts_a_plumbline_signature():
    verify = documented_verify()
    body = b'{"event":"check.failed","id":"x"}'
    header = signing.signature_header("whsec_test", int(time.time()), body)
    assert verify("whsec_test", header, body)


def test_the_documented_check_refuses_another_body_secret_or_an_old_timestamp():
    verify = documented_verify()
    body = b'{"event":"check.failed","id":"x"}'
    now = int(time.time())
    assert not verify("whsec_test", signing.signature_header("whsec_test", now, body), body + b" ")
    assert not verify("whsec_other", signing.signature_header("whsec_test", now, body), body)
    assert not verify("whsec_test", signing.signature_header("whsec_test", now - 3600, body), body)
    assert signing.verify("whsec_test", signing.signature_header("whsec_test", now, body), body, now=now)
