import pytest
from django.test import Client

from tests import factories


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """``pytest --reuse-db tests/…``: on SQLite the test database is then a file
    (var/test-portal.sqlite3) kept between runs, so a local run of one file skips the
    migrations; without it (make test, CI) it is built in memory from the migrations."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if request.config.getoption("reuse_db") and database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(settings.VAR_DIR / "test-portal.sqlite3")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits live in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def postgresql_only(request):
    """Skips (saying why) a test of what only PostgreSQL has: row locks, its full-text SQL, TOAST.
    ``make test`` runs the suite on both databases. A module may set ``POSTGRESQL_ONLY_REASON``."""
    from django.db import connection

    if connection.vendor != "postgresql":
        reason = getattr(request.module, "POSTGRESQL_ONLY_REASON", "it needs PostgreSQL")
        reason = f"{reason}; run the suite with DATABASE_URL=postgresql://… (make test does)"
        print(f"\nSKIPPED: {reason}")
        pytest.skip(reason)


@pytest.fixture
def content_cache(settings):
    """The content cache on, in this process's memory (as in the single-process demo)."""
    from django.core.cache import caches

    settings.CONTENT_CACHE = True
    settings.CACHES = {
        **settings.CACHES,
        "content": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-content"},
    }
    caches["content"].clear()
    yield caches["content"]
    caches["content"].clear()


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request to an /es/ page leaves Spanish active in the thread."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what the code defers to after commit: the email tasks, and the
    outbox's delivery of what they queued (each test runs in one transaction that never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def privacy_policy(db):
    from accounts.models import PrivacyPolicy

    return PrivacyPolicy.objects.create(version="1.0", title="Privacy policy", body="<p>We keep your data safe.</p>")


@pytest.fixture
def participant(db, privacy_policy):
    """A citizen with a verified email and a complete profile."""
    from tests.factories import ParticipantFactory

    return ParticipantFactory()


@pytest.fixture
def author(db):
    return factories.AuthorFactory()


@pytest.fixture
def other_author(db):
    return factories.AuthorFactory()


@pytest.fixture
def editor(db):
    return factories.EditorFactory()


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's superuser, with an authenticator app: a superuser may publish anything,
    so the admin asks it for two-factor authentication as it asks every editor."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = django_user_model.objects.create_superuser(email="admin@example.org", password=factories.PASSWORD)
    TOTP.activate(user, factories.TOTP_SECRET)
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def author_client(author):
    # A client of its own, so a test can hold an editor's and an author's session at once.
    author_client = Client()
    author_client.force_login(author)
    return author_client
