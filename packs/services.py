"""The signed evidence pack of a project, and the ML-BOMs, assembled from the other apps' reads.

Reading evidence never changes it: a pack writes nothing but the scorecard's (and framework reports') Report
cache rows, as downloading them would.
"""

import json

from django.conf import settings
from django.utils import timezone

from reports import services as report_services
from reports.framework_reports import project_framework_files

from . import bom, pack, selectors, signing

VERSION = "1"  # the Plumbline version the ML-BOM names as its tool


def ml_bom_json(*, projects, subject=None, now=None) -> str:
    data = selectors.bom_projects(projects, now=now)
    return bom.to_json(bom.build(data, site_url=settings.SITE_URL, version=VERSION, subject=subject))


def _json(data) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def evidence_pack_files(*, project, user=None, now=None) -> dict[str, bytes]:
    """Everything a pack holds, by path: records, check results with facts, the ML-BOM and the PDFs."""
    now = now or timezone.now()
    files = {}
    for r in selectors.pack_records(project):
        files[f"records/{r['kind']}-{r['assessment_id']}.json"] = _json(r)
    files["checks.json"] = _json(selectors.pack_checks(project, now=now))
    files["ml-bom.cdx.json"] = ml_bom_json(projects=type(project).objects.filter(pk=project.pk), now=now).encode()
    report, _ = report_services.report_scorecard(project=project, user=user)
    with report.file.open("rb") as handle:
        files["scorecard.pdf"] = handle.read()
    for name, data in project_framework_files(project=project, now=now, user=user):
        files[name] = data
    return files


def evidence_pack_build(*, project, user=None, now=None) -> tuple[str, bytes]:
    """``(file name, zip bytes)``: the project's evidence signed with the server's key. Raises
    ``signing.SigningKeyError`` (a message naming the setting) when the server has no usable key."""
    now = now or timezone.now()
    key = signing.private_key()
    files = evidence_pack_files(project=project, user=user, now=now)
    meta = {
        "project": {"slug": project.slug, "name": project.name},
        "created_at": now.isoformat(),
        "created_by": user.username if user else None,
        "server": settings.SITE_URL,
    }
    data = pack.build(
        files=files, meta=meta, key_id=signing.key_id(key.public_key()), algorithm=signing.ALGORITHM, sign=key.sign
    )
    return f"plumbline-evidence-{project.slug}-{now:%Y-%m-%d}.zip", data
