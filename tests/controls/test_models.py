"""Rules of the controls models and their write services: measure dates, duplicate CAS numbers, visibility."""
import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from controls.choices import Jurisdiction, ListKind, MeasureType
from controls.models import ControlEntry, ControlList
from controls.services import entry_add_substance, measure_save
from portal import permissions as perms
from portal.models import AuditEvent

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(db):
    return ControlList.objects.create(kind=ListKind.NATIONAL_KEY, name="重点管控新污染物清单", edition="2023年版",
                                      year=2023, jurisdiction=Jurisdiction.NATIONAL, status="in_force")


@pytest.fixture
def city_list(regions, national):
    return ControlList.objects.create(kind=ListKind.LOCAL_SUPPLEMENT, name="朔州市重点管控新污染物补充清单",
                                      edition="2024年版", year=2024, jurisdiction=Jurisdiction.CITY,
                                      region=regions["city"], base=national)


@pytest.fixture
def manager(users):
    user = users[perms.BUREAU_STAFF]
    user.user_permissions.add(Permission.objects.get(codename="manage_controllist"))
    return type(user).objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def entries(city_list):
    return (ControlEntry.objects.create(list=city_list, number=1, name="二氯甲烷"),
            ControlEntry.objects.create(list=city_list, number=2, name="含氯溶剂类", is_group=True))


def test_measure_ending_before_it_takes_effect_is_refused_naming_ends_on(manager, entries):
    with pytest.raises(ValidationError) as exc:
        measure_save(actor=manager, entry=entries[0], type=MeasureType.RESTRICT_USE,
                     effective_on=datetime.date(2024, 6, 1), ends_on=datetime.date(2024, 1, 1))
    assert "ends_on" in exc.value.message_dict


def test_exemption_without_end_date_is_refused(manager, entries):
    with pytest.raises(ValidationError) as exc:
        measure_save(actor=manager, entry=entries[0], type=MeasureType.EXEMPTION, scope="灭火泡沫")
    assert "ends_on" in exc.value.message_dict


def test_valid_measure_is_saved_with_departments_and_audited(manager, entries, departments):
    measure = measure_save(actor=manager, entry=entries[0], type=MeasureType.EXEMPTION, scope="灭火泡沫",
                           effective_on=datetime.date(2024, 1, 1), ends_on=datetime.date(2024, 12, 31),
                           task_days_after=30, departments=[departments["bureau"]])
    assert list(measure.departments.all()) == [departments["bureau"]]
    assert AuditEvent.objects.filter(action="control_measure.create", object_id=str(measure.pk)).exists()


def test_cas_already_in_another_entry_of_the_same_edition_is_flagged_not_refused(manager, entries):
    link, warnings = entry_add_substance(actor=manager, entry=entries[0], cas="75092")
    assert link.cas == "75-09-2" and warnings == []
    link, warnings = entry_add_substance(actor=manager, entry=entries[1], cas="75-09-2")
    assert link.pk and len(warnings) == 1 and "75-09-2" in warnings[0]


def test_cas_twice_in_the_same_entry_is_refused(manager, entries):
    entry_add_substance(actor=manager, entry=entries[0], cas="75-09-2")
    with pytest.raises(ValidationError) as exc:
        entry_add_substance(actor=manager, entry=entries[0], cas="75-09-2")
    assert "cas" in exc.value.message_dict


def test_invalid_cas_is_refused_naming_the_field(manager, entries):
    with pytest.raises(ValidationError) as exc:
        entry_add_substance(actor=manager, entry=entries[0], cas="75-09-3")
    assert "cas" in exc.value.message_dict


def test_same_cas_in_another_edition_is_not_flagged(manager, entries, national):
    ControlEntry.objects.create(list=national, number=10, name="二氯甲烷").entry_substances.create(cas="75-09-2")
    _link, warnings = entry_add_substance(actor=manager, entry=entries[0], cas="75-09-2")
    assert warnings == []


def test_user_without_permission_or_on_national_list_is_refused(users, manager, entries, national):
    with pytest.raises(PermissionDenied):
        entry_add_substance(actor=users[perms.LEADER], entry=entries[0], cas="75-09-2")
    entry = ControlEntry.objects.create(list=national, number=1, name="二氯甲烷")
    with pytest.raises(PermissionDenied):
        measure_save(actor=manager, entry=entry, type=MeasureType.BAN_PRODUCTION)


def test_national_list_is_visible_to_everyone_and_a_city_list_only_within_its_city(
        users, departments, national, city_list):
    other = UserFactory(username="other_staff", department=departments["other_bureau"], roles=[perms.BUREAU_STAFF])
    assert set(ControlList.objects.visible_to(users[perms.BUREAU_STAFF])) == {national, city_list}
    assert set(ControlList.objects.visible_to(users["county_staff"])) == {national, city_list}
    assert set(ControlList.objects.visible_to(other)) == {national}


def test_anonymous_sees_no_list(national):
    from django.contrib.auth.models import AnonymousUser

    assert not ControlList.objects.visible_to(AnonymousUser()).exists()


def test_county_list_is_hidden_from_a_sibling_county(users, departments, regions, national):
    county_list = ControlList.objects.create(kind=ListKind.LOCAL_SUPPLEMENT, name="朔城区补充清单", edition="2024年版",
                                             year=2024, jurisdiction=Jurisdiction.CITY, region=regions["county"])
    sibling = UserFactory(username="sibling_staff", department=departments["sibling_gov"], roles=[perms.BUREAU_STAFF])
    assert county_list not in ControlList.objects.visible_to(sibling)
    assert county_list in ControlList.objects.visible_to(users[perms.BUREAU_STAFF])
