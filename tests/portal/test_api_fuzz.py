"""The API answers whatever it is sent without a server error, and as its OpenAPI schema says: schemathesis
generates valid and invalid requests for every operation of /api/schema/ and sends them to the live server as
each role. A few examples per operation here (PORTAL_FUZZ_EXAMPLES, default 3); `make fuzz` runs many more."""
import os
import secrets

import pytest
import requests
import schemathesis
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import permissions as perms

# Token issuing and revocation are not fuzzed here: a run would lock the roles' accounts out.
EXCLUDED_PATH_PREFIXES = ("/api/v1/auth/",)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "3"))
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


def _session(live_server, user) -> requests.Session:
    """A requests session signed in as `user` through a session cookie, with a CSRF cookie and header."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    csrf = secrets.token_hex(16)
    session.headers["Cookie"] = (f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
                                 f"{settings.CSRF_COOKIE_NAME}={csrf}")
    session.headers["X-CSRFToken"] = csrf
    session.headers["Referer"] = live_server.url + "/"
    return session


def _operations(schema):
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith(EXCLUDED_PATH_PREFIXES):
            yield operation


def _fuzz(operation, *, session, base_url, failures):
    for mode in MODES:
        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                             phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                             report_multiple_bugs=False)
        def run(case):
            case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every failure is collected and reported at the end
            failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:3000])


@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_every_role_without_a_server_error_and_as_the_schema_says(
        live_server, users, inventory):
    schema_client = Client()
    schema_client.force_login(users[perms.SYSTEM_ADMIN])
    raw = schema_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    schema = schemathesis.openapi.from_dict(raw)
    base_url = live_server.url + "/api/v1"
    failures = []
    for role in perms.ROLES:
        session = _session(live_server, users[role])
        for operation in _operations(schema):
            _fuzz(operation, session=session, base_url=live_server.url, failures=failures)
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    assert base_url
