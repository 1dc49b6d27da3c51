"""`manage.py signing_key_create`: a new key for rotation, owner-only, never overwriting one."""

import pytest
from django.core.management import CommandError, call_command


def test_it_writes_an_owner_only_key_and_prints_its_id_and_public_key(tmp_path, capsys):
    target = tmp_path / "next.pem"

    call_command("signing_key_create", str(target))

    out = capsys.readouterr().out
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    assert "key id" in out and "BEGIN PUBLIC KEY" in out and "PRIVATE" not in out


def test_it_never_overwrites_a_key(tmp_path):
    target = tmp_path / "current.pem"
    target.write_text("keep me")

    with pytest.raises(CommandError, match="exists"):
        call_command("signing_key_create", str(target))
    assert target.read_text() == "keep me"
