"""The PDF writer's page references: Plumbline's cached reading (reports.pdf) gives what pydyf gives, page by
page, as pages are added, and a tagged PDF of many pages still points each structure element at its own page."""

import subprocess

import pydyf
import pytest

from reports import pdf


def test_cached_page_references_equal_pydyfs_own_as_pages_are_added():
    document = pydyf.PDF()
    for count in range(1, 40):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
        expected = pdf._PYDYF_PAGE_REFERENCES.fget(document)
        assert len(expected) == count
        assert document.page_references == expected
        assert document.page_references[-1] == f"{document.pages['Kids'][-3]} 0 R".encode()


@pytest.mark.django_db
def test_tagged_pdf_of_many_pages_keeps_each_page_its_own_text():
    """A 40-page tagged (PDF/UA) document written with the cached references reads back page by page."""
    rows = "".join(f"<p style='break-after: page'>Paragraph on page {i}</p>" for i in range(1, 41))
    html = f"<!doctype html><html lang='en'><head><title>t</title></head><body>{rows}</body></html>"
    data, pages = pdf.render_pdf(html)
    assert pages == 40
    for page in (1, 17, 40):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
        assert text.strip() == f"Paragraph on page {page}"


@pytest.mark.django_db
def test_a_render_puts_the_collectors_thresholds_back(monkeypatch):
    """The render's own collector thresholds apply only while it runs, also when it fails."""
    import gc

    before = gc.get_threshold()
    seen = []
    real_html = pdf.HTML

    def spying_html(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real_html(*args, **kwargs)

    monkeypatch.setattr(pdf, "HTML", spying_html)
    pdf.render_pdf("<!doctype html><html lang='en'><head><title>t</title></head><body><p>x</p></body></html>")
    assert seen == [pdf.RENDER_GC_THRESHOLD]
    assert gc.get_threshold() == before
    monkeypatch.setattr(pdf, "HTML", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        pdf.render_pdf("<p>x</p>")
    assert gc.get_threshold() == before
