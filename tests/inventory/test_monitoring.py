"""Detection frequency per substance and region, the figure screening uses."""
import datetime
from decimal import Decimal

from inventory.models import MonitoringResult, MonitoringSite, SamplingEvent, Substance
from inventory.selectors import detection_frequency


def make_site(code, region):
    return MonitoringSite.objects.create(code=code, name=code, region=region, medium="surface_water",
                                         site_type="key_area")


def sample(site, day, substance, detected):
    event, _ = SamplingEvent.objects.get_or_create(site=site, sampled_on=day)
    MonitoringResult.objects.create(sampling=event, substance=substance, detected=detected, unit="ng/L",
                                    concentration=Decimal("12.3") if detected else None, detection_limit=Decimal("1"))


def test_detection_frequency_by_region_and_scope(users, regions):
    pfos = Substance.objects.create(cas="1763-23-1", name_zh="全氟辛基磺酸")
    county = make_site("SC-01", regions["county"])
    sibling = make_site("PL-01", regions["sibling"])
    for i, hit in enumerate([True, True, False, True]):
        sample(county, datetime.date(2024, 1, 1) + datetime.timedelta(days=30 * i), pfos, hit)
    sample(sibling, datetime.date(2024, 1, 1), pfos, False)
    city = detection_frequency(region=regions["city"])[pfos.pk]
    assert (city["samples"], city["detected"]) == (5, 3) and city["frequency"] == 0.6
    assert detection_frequency(user=users["county_staff"])[pfos.pk]["frequency"] == 0.75
    from tests.factories import DepartmentFactory, UserFactory

    elsewhere = UserFactory(department=DepartmentFactory(region=regions["other"]), roles=["bureau_staff"])
    assert detection_frequency(user=elsewhere) == {}
