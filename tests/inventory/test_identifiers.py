"""Identifier rules of the inventory, with the normalisations bureaus need and the messages they read."""
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from inventory.identifiers import cas_normalise, ec_normalise, uscc_check_char, uscc_normalise, uscc_parse


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize("typed, canonical", [
    ("75-09-2", "75-09-2"),          # 二氯甲烷
    ("75092", "75-09-2"),            # without hyphens
    ("７５－０９－２", "75-09-2"),    # full-width digits and dash
    (" 75 - 09 - 2 ", "75-09-2"),    # spaces
    ("1763-23-1", "1763-23-1"),      # PFOS
    ("335–67–1", "335-67-1"),        # en dashes
    ("7440-43-9", "7440-43-9"),      # 镉
    ("0075-09-2", "75-09-2"),        # leading zeros
    ("85535-84-8", "85535-84-8"),
])
def test_cas_numbers_are_normalised(typed, canonical):
    assert cas_normalise(typed) == canonical


def test_wrong_cas_check_digit_names_the_right_one():
    with pytest.raises(ValidationError) as error:
        cas_normalise("75-09-3")
    assert error.value.messages == ["CAS号 75-09-3 校验位错误，应为 75-09-2。"]


@pytest.mark.parametrize("typed", ["", "abc", "7-09-2", "75-9-2", "75-09-22", "12345678901"])
def test_malformed_cas_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        cas_normalise(typed)


def test_every_cas_in_the_reference_lists_passes(settings):
    import csv
    from pathlib import Path

    fixtures = Path(settings.BASE_DIR) / "fixtures"
    count = 0
    for name in ("key-controlled-2023.csv", "priority-controlled-chemicals.csv"):
        path = fixtures / name
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for cas in filter(None, (row.get("cas_numbers") or "").split(";")):
                    assert cas_normalise(cas) == cas
                    count += 1
    assert count > 0


@pytest.mark.parametrize("typed, canonical", [("200-001-8", "200-001-8"), ("2000018", "200-001-8")])
def test_ec_numbers(typed, canonical):
    assert ec_normalise(typed) == canonical


def test_wrong_ec_check_digit_is_refused():
    with pytest.raises(ValidationError):
        ec_normalise("200-001-9")


def test_credit_code_example_and_normalisation():
    assert uscc_normalise("91110000600037341L") == "91110000600037341L"
    assert uscc_normalise(" 91110000600037341l ") == "91110000600037341L"
    assert uscc_normalise("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"
    assert uscc_check_char("91110000600037341") == "L"


@pytest.mark.parametrize("code, letter", [("91110000600O37341L", "O"), ("9111000060003734IL", "I"),
                                          ("91110000600037S41L", "S")])
def test_credit_code_with_forbidden_letters_names_them(code, letter):
    with pytest.raises(ValidationError) as error:
        uscc_normalise(code)
    assert letter in error.value.messages[0] and "I、O、Z、S" in error.value.messages[0].replace("和", "、")


def test_legacy_code_failing_the_check_needs_an_explicit_override():
    legacy = "91350100M0001TGQXM"  # a real early code from Xiamen that fails the mod-31 check
    assert not uscc_parse(legacy).check_ok
    with pytest.raises(ValidationError) as error:
        uscc_normalise(legacy)
    assert "1" in error.value.messages[0]  # the check character it should have had
    assert uscc_normalise(legacy, allow_legacy=True) == legacy


@pytest.mark.parametrize("code", ["9111000060003734", "91110000600037341LX", "9111AB00600037341L"])
def test_credit_code_of_wrong_length_or_shape_is_refused(code):
    with pytest.raises(ValidationError):
        uscc_normalise(code, allow_legacy=True)
