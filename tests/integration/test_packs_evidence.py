"""The signed evidence pack: downloaded from the project page, checked offline by `plumbline verify-pack`.

A fresh pack verifies against the public key the server publishes; one changed byte in any file, a file added,
a file removed or a signature by another key fails and names the file. Demo data gives real frozen records.
"""

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from assessments.demo import seed_assessments
from assessments.record import content_hash
from connectors.models import CheckResult
from packs import services, signing
from registry.demo import seed_inventory
from registry.models import Project
from tests.reports_factories import CheckResultFactory

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

CLI = Path(__file__).resolve().parents[2] / "cli"


@pytest.fixture(scope="module")
def demo_pack(django_db_setup, django_db_blocker, tmp_path_factory):
    """One pack of a demo project with real frozen records, built once for the module and rolled back after."""
    folder = tmp_path_factory.mktemp("demo-pack")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=folder / "media", PLUMBLINE_SIGNING_KEY=folder / "signing.pem"),
        transaction.atomic(),
    ):
        call_command("load_questionnaires", verbosity=0)
        seed_inventory()
        seed_assessments()
        project = Project.objects.filter(assessments__record__isnull=False).distinct().order_by("slug").first()
        CheckResult.objects.create(
            project=project,
            component=project.components.first(),
            check_id="git.readme_present",
            state="pass",
            reason="README.md found.",
            facts={"path": "README.md", "bytes": 1234},
            checked_at="2026-12-01T10:00:00Z",
            expires_at="2099-01-01T00:00:00Z",
        )
        _, data = services.evidence_pack_build(project=project)
        built = {
            "zip": data,
            "key": signing.public_keys()[0].pem.encode(),
            "private": (folder / "signing.pem").read_bytes(),
            "slug": project.slug,
            "records": project.assessments.filter(record__isnull=False).count(),
        }
        transaction.set_rollback(True)
    return built


@pytest.fixture
def pack_file(demo_pack, tmp_path):
    path = tmp_path / "pack.zip"
    path.write_bytes(demo_pack["zip"])
    return path


@pytest.fixture
def key_file(demo_pack, tmp_path):
    path = tmp_path / "server-key.pem"
    path.write_bytes(demo_pack["key"])
    return path


@pytest.fixture
def site(settings, tmp_path, project):
    """A project on a server with its own key, for what goes through the pages."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PLUMBLINE_SIGNING_KEY = tmp_path / "keys" / "signing.pem"
    return project


def verify(pack, key, **limits):
    """`plumbline verify-pack` as a user runs it, offline: no PLUMBLINE_URL, no token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLUMBLINE_")}
    env.update(PYTHONPATH=str(CLI), **{k: str(v) for k, v in limits.items()})
    done = subprocess.run(
        [sys.executable, "-m", "plumbline_cli", "verify-pack", str(pack), "--key", str(key)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def rewrite(source, target, change):
    """A copy of the zip with ``change(name, data) -> data | None`` applied to each entry (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data)
    return target


def entries(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(name) for name in archive.namelist()]


def test_a_fresh_pack_verifies_against_the_published_key(pack_file, key_file):
    code, out = verify(pack_file, key_file)

    assert code == 0, out
    assert out.startswith("OK:")


def test_a_pack_downloaded_from_the_project_page_verifies_with_the_key_served_to_anyone(
    site, client, admin_user, tmp_path
):
    CheckResultFactory(project=site, component=None, check_id="ci.eval_pass_rate", facts={"pass_rate": 0.97})
    client.force_login(admin_user)
    response = client.get(f"/projects/{site.slug}/packs/evidence.zip")
    client.logout()
    key = client.get("/.well-known/plumbline-signing-key.pem")
    pack, pem = tmp_path / "p.zip", tmp_path / "k.pem"
    pack.write_bytes(response.content)
    pem.write_bytes(key.content)

    code, out = verify(pack, pem)

    assert response["Content-Type"] == "application/zip"
    assert f'filename="plumbline-evidence-{site.slug}-' in response["Content-Disposition"]
    assert code == 0, out
    assert key["Plumbline-Key-Id"] in out


def test_the_pack_holds_frozen_records_checks_with_facts_the_scorecard_and_the_ml_bom(pack_file, demo_pack):
    files = entries(pack_file)
    manifest = json.loads(files["manifest.json"])

    records = [json.loads(data) for name, data in files.items() if name.startswith("records/")]
    assert records and len(records) == demo_pack["records"]
    assert all(content_hash(r["record"]) == r["content_hash"] for r in records)
    checks = json.loads(files["checks.json"])
    assert {"check_id": "git.readme_present", "facts": {"path": "README.md", "bytes": 1234}}.items() <= checks[
        0
    ].items()
    assert files["scorecard.pdf"].startswith(b"%PDF")
    frameworks = [name for name in files if name.startswith("frameworks/")]
    assert any(name.endswith(".pdf") for name in frameworks) and any("oscal" in name for name in frameworks)
    assert json.loads(files["ml-bom.cdx.json"])["specVersion"] == "1.6"
    listed = {item["path"]: item["sha256"] for item in manifest["files"]}
    assert set(listed) == set(files) - {"manifest.json", "manifest.sig"}
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in listed.items())
    assert manifest["project"]["slug"] == demo_pack["slug"]


def test_one_changed_byte_in_any_file_fails_and_names_that_file(pack_file, key_file, tmp_path):
    names = list(entries(pack_file))
    assert {"manifest.json", "manifest.sig", "checks.json", "scorecard.pdf"} <= set(names)
    for target in names:

        def flip(name, data, target=target):
            if name != target:
                return data
            i = len(data) // 2
            return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]

        altered = rewrite(pack_file, tmp_path / f"altered-{target.replace('/', '_')}.zip", flip)
        code, out = verify(altered, key_file)
        named = "manifest.json" if target == "manifest.sig" else target
        assert code == 1, (target, out)
        assert f"  {named}: " in out, (target, out)


def test_a_byte_flipped_inside_the_zip_itself_is_named(pack_file, key_file, tmp_path):
    """Not rebuilt with a new CRC: the zip's own bytes changed (a bad disk, a careless edit)."""
    with zipfile.ZipFile(pack_file) as archive:
        info = archive.getinfo("checks.json")
    raw = bytearray(pack_file.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))

    code, out = verify(damaged, key_file)

    assert code == 1
    assert "  checks.json: altered" in out


def test_a_file_added_or_removed_after_signing_is_named(pack_file, key_file, tmp_path):
    added = tmp_path / "added.zip"
    rewrite(pack_file, added, lambda name, data: data)
    with zipfile.ZipFile(added, "a") as archive:
        archive.writestr("records/extra.json", b"{}")
    removed = rewrite(pack_file, tmp_path / "removed.zip", lambda n, d: None if n == "checks.json" else d)

    code_added, out_added = verify(added, key_file)
    code_removed, out_removed = verify(removed, key_file)

    assert code_added == 1 and "records/extra.json: not listed in the manifest" in out_added
    assert code_removed == 1 and "checks.json: missing from the pack" in out_removed


def test_a_pack_signed_with_another_key_fails(pack_file, key_file, tmp_path):
    """Someone rebuilt the manifest for altered files and signed it with a key of their own."""
    other = Ed25519PrivateKey.generate()
    forged = tmp_path / "forged.zip"
    files = entries(pack_file)
    manifest = json.loads(files["manifest.json"])
    manifest["signature"]["key_id"] = "0123456789abcdef"
    body = json.dumps(manifest).encode()
    files["manifest.json"], files["manifest.sig"] = body, base64.b64encode(other.sign(body))
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)

    code, out = verify(forged, key_file)

    assert code == 1
    assert "manifest.json: signed with key 0123456789abcdef, not with the key given" in out


def test_a_pack_from_another_server_fails_against_this_servers_key(site, client, admin_user, key_file, tmp_path):
    client.force_login(admin_user)
    theirs = tmp_path / "theirs.zip"
    theirs.write_bytes(client.get(f"/projects/{site.slug}/packs/evidence.zip").content)

    code, out = verify(theirs, key_file)

    assert code == 1 and "  manifest.json: signed with key" in out


def test_a_pack_over_the_entry_limit_is_not_checked(pack_file, key_file):
    code, out = verify(pack_file, key_file, PLUMBLINE_PACK_MAX_ENTRIES=3)

    assert code == 2
    assert "over the limit of 3 (PLUMBLINE_PACK_MAX_ENTRIES)" in out


def test_an_entry_unpacking_past_the_limit_is_not_checked(pack_file, key_file):
    """A zip bomb: the bytes are counted as they are read, whatever the entry's header says."""
    code, out = verify(pack_file, key_file, PLUMBLINE_PACK_MAX_ENTRY_BYTES=1000)

    assert code == 2
    assert "unpacks to more than 1000 bytes" in out


def test_the_private_key_is_in_no_pack_and_no_response(demo_pack, site, client, admin_user, settings):
    client.force_login(admin_user)
    pack = client.get(f"/projects/{site.slug}/packs/evidence.zip").content
    responses = [
        client.get(url).content
        for url in (
            "/.well-known/plumbline-signing-key.pem",
            "/.well-known/plumbline-signing-keys.json",
            "/api/v1/signing-keys/",
            f"/projects/{site.slug}/",
        )
    ]
    for private_pem, blobs in (
        (settings.PLUMBLINE_SIGNING_KEY.read_bytes(), [pack, *zipped(pack), *responses]),
        (demo_pack["private"], [demo_pack["zip"], *zipped(demo_pack["zip"])]),
    ):
        private = serialization.load_pem_private_key(private_pem, password=None)
        raw = private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        body = private_pem.splitlines()[1]
        for blob in blobs:
            assert raw not in blob and body not in blob


def test_a_retired_key_is_still_served_by_id_so_older_packs_verify(pack_file, key_file, client, settings, tmp_path):
    old_kid = json.loads(entries(pack_file)["manifest.json"])["signature"]["key_id"]
    settings.PLUMBLINE_SIGNING_RETIRED_KEYS = [str(key_file)]
    settings.PLUMBLINE_SIGNING_KEY = tmp_path / "rotated.pem"

    keys = client.get("/.well-known/plumbline-signing-keys.json").json()["keys"]
    current = client.get("/.well-known/plumbline-signing-key.pem")

    assert [k["current"] for k in keys] == [True, False]
    assert keys[1]["kid"] == old_kid and current["Plumbline-Key-Id"] == keys[0]["kid"] != old_kid
    served = tmp_path / "served-old.pem"
    served.write_text(keys[1]["pem"])
    assert verify(pack_file, served)[0] == 0


def test_a_server_without_a_usable_key_refuses_with_a_message(site, client, admin_user, settings, tmp_path):
    settings.PLUMBLINE_SIGNING_KEY = tmp_path / "missing.pem"
    settings.PLUMBLINE_SIGNING_KEY_GENERATE = False
    client.force_login(admin_user)

    page = client.get(f"/projects/{site.slug}/packs/evidence.zip")
    api = client.get(f"/api/v1/projects/{site.slug}/evidence-pack")

    assert page.status_code == 503 and b"PLUMBLINE_SIGNING_KEY" in page.content
    assert api.status_code == 503 and "PLUMBLINE_SIGNING_KEY" in api.json()["detail"]
    assert not (tmp_path / "missing.pem").exists()


def test_the_project_page_links_the_pack_and_the_ml_bom(site, client, admin_user):
    client.force_login(admin_user)

    page = client.get(f"/projects/{site.slug}/").content.decode()

    assert f"/projects/{site.slug}/packs/evidence.zip" in page
    assert f"/projects/{site.slug}/packs/ml-bom.cdx.json" in page
