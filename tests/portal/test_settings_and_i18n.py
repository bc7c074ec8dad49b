"""Production settings pass Django's deployment checks; every interface string has a Chinese translation."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

BASE = Path(settings.BASE_DIR)


def test_check_deploy_passes_with_prod_settings_and_no_warnings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings.prod",
        "DJANGO_SECRET_KEY": "k3#v9!x2@Lq8zP0s$Wm4^Rt7&Yb1*Nc6(Hd5)Jf2-Ge9_Ua3+Ie8=Oo0",
        "DJANGO_ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://portal@127.0.0.1:5432/portal"),
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_prod_settings_refuse_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings.prod"
    env["DJANGO_ALLOWED_HOSTS"] = "portal.example.gov.cn"
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def _entries(po_path):
    """(msgid, msgstr, fuzzy) for each entry of a .po file, with a small parser (no extra dependency)."""
    entries, current, field, fuzzy = [], None, None, False
    for line in po_path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current is not None:
                entries.append((current.get("msgid", ""), current.get("msgstr", current.get("msgstr[0]", "")), fuzzy))
            current, field, fuzzy = None, None, False
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("#"):
            continue
        current = current if current is not None else {}
        if line.startswith('"'):
            current[field] += line[1:-1]
        else:
            field, _, value = line.partition(" ")
            current[field] = value[1:-1]
    return entries


def test_every_interface_string_has_a_chinese_translation():
    entries = _entries(BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 200
    untranslated = [msgid for msgid, msgstr, _ in entries if msgid and not msgstr]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if msgid and is_fuzzy]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


def test_compiled_catalogue_is_in_use():
    with translation.override("zh-hans"):
        assert str(settings.PORTAL_SITE_NAME) == "新污染物治理协同平台"
    with translation.override("en"):
        assert str(settings.PORTAL_SITE_NAME) == "New Pollutant Governance Portal"


@pytest.mark.parametrize("setting, value", [("LANGUAGE_CODE", "zh-hans"), ("TIME_ZONE", "Asia/Shanghai")])
def test_chinese_first(setting, value):
    assert getattr(settings, setting) == value


def test_no_model_change_is_missing_a_migration(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
