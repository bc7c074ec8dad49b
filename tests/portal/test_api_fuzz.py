"""The API answers whatever it is sent without a server error, and as its OpenAPI schema says: schemathesis
generates valid and invalid requests for every operation of /api/schema/ and sends them to the live server as
each role, signed in with a session cookie. In the suite one request per operation and role — a valid one for
half of the roles, an invalid one for the other half —, so that it stays short; `make fuzz` sets
PORTAL_FUZZ_EXAMPLES and sends that many valid and as many invalid requests per operation and role."""
import os
import secrets

import pytest
import requests
import schemathesis
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal import permissions as perms

# Token revocation is left for last (it ends nothing the session needs, but keeps the order of the run plain).
LAST_PATH_PREFIXES = ("/api/v1/auth/",)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES") or 0)
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE


def modes_for(role) -> tuple:
    if EXAMPLES:
        return (POSITIVE, NEGATIVE)
    return (POSITIVE,) if perms.ROLES.index(role) % 2 == 0 else (NEGATIVE,)


def signed_in_session(live_server, user) -> requests.Session:
    """A requests session signed in as `user` through a session cookie, with a CSRF cookie and header."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    csrf = secrets.token_hex(16)
    session.headers["Cookie"] = (f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
                                 f"; {settings.CSRF_COOKIE_NAME}={csrf}")
    session.headers["X-CSRFToken"] = csrf
    session.headers["Referer"] = live_server.url + "/"
    return session


def api_operations(user):
    """Every operation of the schema the portal serves, those under LAST_PATH_PREFIXES last."""
    client = Client()
    client.force_login(user)
    raw = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(raw).get_all_operations()]
    return sorted(operations, key=lambda operation: operation.path.startswith(LAST_PATH_PREFIXES))


def fuzz(operation, *, session, base_url, modes, examples) -> list[str]:
    """The failures of `examples` requests of each mode to `operation` (empty when all passed)."""
    failures = []
    for mode in modes:
        @given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis_settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                             phases=[Phase.generate], suppress_health_check=list(HealthCheck),
                             report_multiple_bugs=False)
        def run(case):
            case.call_and_validate(base_url=base_url, session=session, checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            pass  # no invalid request can be made (an operation without parameters or body)
        except (Exception, BaseExceptionGroup) as exc:  # every failure is collected and reported at the end
            failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"[:4000])
    return failures


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", perms.ROLES)
def test_every_operation_answers_the_role_without_a_server_error_and_as_the_schema_says(
        live_server, users, inventory, role):
    session = signed_in_session(live_server, users[role])
    failures = []
    for operation in api_operations(users[perms.SYSTEM_ADMIN]):
        failures += fuzz(operation, session=session, base_url=live_server.url, modes=modes_for(role),
                         examples=EXAMPLES or 1)
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
