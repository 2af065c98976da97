"""Settings for pytest: the one settings module, in its ``test`` profile."""

import os

os.environ.setdefault("PORTAL_ENV", "test")

from portal.settings import *  # noqa: F403
