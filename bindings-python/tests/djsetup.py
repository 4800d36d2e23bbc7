"""Django settings shared by the Django and DRF tests (configured once per process); each test
module points ROOT_URLCONF at itself with `urlconf_fixture`."""

from __future__ import annotations

from typing import Any, Iterator

import django
from django.conf import settings

from clerkauth.testing import DevInstance
from helpers import ORG_SYNC

DEV = DevInstance("django-app.clerk.accounts.dev")

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
        ROOT_URLCONF="test_django",
        MIDDLEWARE=["clerkauth.django.ClerkAuthMiddleware"],
        CLERKAUTH={"secret_key": DEV.secret_key, "publishable_key": DEV.publishable_key, "jwt_key": DEV.jwt_key},
        CLERKAUTH_REQUEST_OPTIONS={"organization_sync_options": ORG_SYNC},
    )
    django.setup()


def use_urlconf(module: str) -> Iterator[Any]:
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF=module):
        yield
