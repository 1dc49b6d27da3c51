"""The shipped crosswalks are valid and complete, and a broken mapping is refused with file, line and the id."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from frameworks import catalog

ISO = catalog.DATA_DIR / "iso42001-2023.yaml"


def test_every_shipped_framework_file_is_valid():
    reports = catalog.validate()
    assert len(reports) >= 6
    assert [str(p) for r in reports for p in r.problems] == []


def test_the_catalogues_are_complete():
    iso = catalog.framework("iso42001")
    assert len(iso.controls) == 38
    assert {c.group_id for c in iso.controls} == {f"A.{n}" for n in range(2, 11)}
    assert iso.controls[0].ref == "iso42001:2023:A.2.2"
    assert len(catalog.framework("nist-ai-rmf").controls) == 72
    assert len(catalog.framework("nist-ai-600-1").controls) == 12
    assert [c.id for c in catalog.framework("owasp-llm").controls] == [f"LLM{n:02d}" for n in range(1, 11)]
    assert [c.id for c in catalog.framework("eu-ai-act-annex-iv").controls] == [str(n) for n in range(1, 10)]
    articles = {c.id for c in catalog.framework("eu-ai-act").controls}
    assert articles == {f"art-{n}" for n in (9, 10, 11, 12, 13, 14, 15, 17, 26, 27, 50, 72, 73)}


def _broken(tmp_path, old, new):
    text = ISO.read_text()
    assert old in text
    path = tmp_path / "iso.yaml"
    path.write_text(text.replace(old, new, 1))
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if new in row)
    return path, line


def test_a_mapping_to_an_unknown_question_is_refused_with_file_line_and_id(tmp_path):
    path, line = _broken(tmp_path, "impact.alignment.sponsor, impact.data.rights]", "impact.alignment.spnsor]")
    (report,) = catalog.validate([path])
    assert not report.ok
    (problem,) = report.problems
    assert problem.file == str(path)
    assert problem.line == line
    assert "impact.alignment.spnsor" in problem.message
    assert "did you mean 'impact.alignment.sponsor'" in problem.message


def test_a_mapping_to_an_unknown_check_is_refused_with_file_line_and_id(tmp_path):
    path, line = _broken(tmp_path, "checks: [git.codeowners_present]", "checks: [git.owners_file]")
    (report,) = catalog.validate([path])
    (problem,) = report.problems
    assert (problem.line, "git.owners_file" in problem.message) == (line, True)
    assert str(problem).startswith(f"{path}:{line}:")


def test_the_command_refuses_a_broken_file_and_names_the_line(tmp_path, capsys):
    path, line = _broken(tmp_path, "[impact.problem.business_owner, risk.third_party.mitigations]", "[risk.nope]")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("validate_frameworks", str(path))
    out = capsys.readouterr().out
    assert f"{path}:{line}:" in out and "unknown question id 'risk.nope'" in out


def test_the_command_accepts_the_shipped_files(capsys):
    call_command("validate_frameworks")
    assert "framework file(s) valid" in capsys.readouterr().out


def test_a_condition_naming_an_unknown_project_attribute_is_refused(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(
        "id: x\nedition: '1'\nversion: 1.0.0\ntitle: X\nkind: risks\nsource: s\ngroups:\n"
        "  - id: g\n    title: G\n    controls:\n"
        "      - {id: C1, title: T, reasoning: R, applies_when: 'project.uses_rug'}\n"
    )
    (report,) = catalog.validate([path])
    (problem,) = report.problems
    assert problem.line == 11 and "project.uses_rug" in problem.message
