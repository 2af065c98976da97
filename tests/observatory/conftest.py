import pytest


@pytest.fixture(autouse=True)
def _publication_files_in_tmp(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never to var/."""
    settings.OBSERVATORY_FILES_ROOT = tmp_path / "publication-files"
    settings.MEDIA_ROOT = tmp_path / "media"
