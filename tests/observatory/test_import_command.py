"""manage.py import_indicators: the same import as the admin, with a progress bar and a report."""

import pytest
from django.core.management import CommandError, call_command

from observatory.models import Dataset, Observation
from tests.observatory.factories import IndicatorFactory, template_csv, write

pytestmark = pytest.mark.django_db

ROWS = [["UNE", "CL", 2023, "8.7", "", "", "", "", "", "PT"], ["UNE", "PE", 2023, "6.1", "", "", "", "", "", "PT"]]


@pytest.fixture
def indicator(db):
    return IndicatorFactory(code="UNE", observatory__slug="labour")


def _run(path, *extra):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_indicators", str(path), "--observatory", "labour", "--dataset", "une", "--title", "UNE",
                 *extra, stdout=out, stderr=err)  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_the_command_imports_a_draft_and_reports(tmp_path, indicator):
    out, err = _run(write(tmp_path, "une.csv", template_csv(ROWS)))
    assert "2 observations read" in out and "Version 1 imported as a draft." in out
    assert "rows" in err  # the progress bar
    assert Dataset.objects.get().status == "draft" and Observation.objects.count() == 2


def test_a_dry_run_keeps_nothing(tmp_path, indicator):
    out, _err = _run(write(tmp_path, "une.csv", template_csv(ROWS)), "--dry-run")
    assert "Dry run: nothing was kept (it would be version 1)." in out
    assert not Dataset.objects.exists()


def test_errors_are_listed_and_the_command_fails(tmp_path, indicator):
    path = write(tmp_path, "une.csv", template_csv([*ROWS, ["UNE", "ZZ", 2023, "x", "", "", "", "", "", ""]]))
    with pytest.raises(CommandError, match=r"1 error\(s\): nothing was imported"):
        _run(path)
    assert not Observation.objects.exists()


def test_publish_needs_an_editor(tmp_path, indicator, editor, author):
    path = write(tmp_path, "une.csv", template_csv(ROWS))
    with pytest.raises(CommandError, match="--publish needs --user"):
        _run(path, "--publish")
    with pytest.raises(CommandError, match="Imported as a draft .* not published"):
        _run(path, "--publish", "--user", author.email)
    out, _err = _run(path, "--publish", "--user", editor.email)
    assert "Version 2 imported and published." in out
    assert Dataset.objects.current().get().version == 2
