"""The client's address cannot be forged: X-Forwarded-For is believed only from the configured proxies
(PORTAL_TRUSTED_PROXIES), read from the right; nginx overwrites it. The public page's rate limit and the audit
trail rest on this address."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import reverse

from portal.models import AuditEvent
from portal.utils import client_ip
from tests.factories import TEST_PASSWORD

ROOT = Path(django_settings.BASE_DIR)
PROXY = "172.30.70.10"


def _ip(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.PORTAL_TRUSTED_PROXIES = []
    assert _ip("198.51.100.7", "6.6.6.6") == "198.51.100.7"


def test_a_trusted_proxy_is_believed_from_the_right(settings):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    assert _ip(PROXY, "198.51.100.7") == "198.51.100.7"
    # the client's own header stands to the left of what the proxy appended: never believed
    assert _ip(PROXY, "6.6.6.6, 198.51.100.7") == "198.51.100.7"
    assert _ip(PROXY, "garbage") == PROXY
    assert _ip(PROXY, "") == PROXY


def test_a_sender_that_is_not_a_trusted_proxy_cannot_forge(settings):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY, "10.0.0.0/8"]
    assert _ip("198.51.100.7", "6.6.6.6") == "198.51.100.7"
    assert _ip("10.1.1.1", "203.0.113.9, 10.2.2.2") == "203.0.113.9", "a chain of trusted proxies is walked"


def test_rotating_forged_addresses_do_not_escape_the_public_rate_limit(settings, db):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    settings.PORTAL_PUBLIC_RATE_LIMIT = 5
    url = reverse("public:index")
    direct = [Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"6.6.6.{i}").get(url).status_code
              for i in range(8)]
    assert direct[:5] == [200] * 5 and set(direct[5:]) == {429}
    through_proxy = [Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.7.{i}, 203.0.113.9").get(url).status_code
                     for i in range(8)]
    assert through_proxy[:5] == [200] * 5 and set(through_proxy[5:]) == {429}


def test_the_audit_trail_records_the_real_address_not_a_forged_one(settings, users):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="6.6.6.6").post(
        reverse("portal:login"), {"username": "leader", "password": TEST_PASSWORD})
    Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9").post(
        reverse("portal:login"), {"username": "bureau_staff", "password": TEST_PASSWORD})
    addresses = dict(AuditEvent.objects.filter(action="auth.login").values_list("actor_username", "source_ip"))
    assert addresses == {"leader": "198.51.100.7", "bureau_staff": "203.0.113.9"}


def test_nginx_overwrites_the_header_and_compose_trusts_only_nginx():
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;", conf)
    assert "$proxy_add_x_forwarded_for" not in conf
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    nginx_ip = compose["services"]["nginx"]["networks"]["default"]["ipv4_address"]
    assert compose["services"]["web"]["environment"]["PORTAL_TRUSTED_PROXIES"] == nginx_ip


def test_the_production_settings_read_the_trusted_proxies_and_reject_a_typo():
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings.prod", "DJANGO_SECRET_KEY": "x" * 60,
           "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn", "DATABASE_URL": "postgres://u@127.0.0.1:1/x",
           "PORTAL_TRUSTED_PROXIES": f"{PROXY},10.0.0.0/8", "PATH": "/usr/bin:/bin"}
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.PORTAL_TRUSTED_PROXIES)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([PROXY, "10.0.0.0/8"])
    env["PORTAL_TRUSTED_PROXIES"] = "nginx"
    check = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], env=env, cwd=ROOT,
                           capture_output=True, text=True)
    assert check.returncode != 0 and "portal.E002" in check.stderr


@pytest.mark.parametrize("header", ["6.6.6.6", "::1, 6.6.6.6"])
def test_the_old_switch_no_longer_trusts_the_first_hop(settings, header):
    settings.PORTAL_TRUSTED_PROXIES = []
    assert _ip("192.0.2.1", header) == "192.0.2.1"
