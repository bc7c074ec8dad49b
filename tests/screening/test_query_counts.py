"""Screening pages issue a fixed number of queries, the same for a run of 3 substances as for one of 23
(numbers pinned); no page counts a whole results table."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Substance
from screening import services
from screening.models import CriteriaProfile
from screening.runs import run_execute

# case: (url name, role, kwargs builder, query params, exact count)
PAGES = {
    "overview": ("screening:index", "leader", None, {}, 11),
    "hazard list": ("screening:hazard_list", "bureau_staff", None, {}, 8),
    "hazard of a substance": ("screening:hazard_substance", "bureau_staff", lambda f: {"pk": f["pfos"].pk}, {}, 9),
    "profiles": ("screening:profile_list", "leader", None, {}, 7),
    "profile": ("screening:profile_detail", "bureau_staff", lambda f: {"pk": f["profile"].pk}, {"a": 1, "b": 1}, 9),
    "runs": ("screening:run_list", "bureau_staff", None, {}, 11),
    "run": ("screening:run_detail", "leader", lambda f: {"pk": f["run"].pk}, {}, 12),
    "run filtered": ("screening:run_detail", "bureau_staff", lambda f: {"pk": f["run"].pk},
                     {"tier": "一般", "flag": "B", "q": "物质"}, 12),
    "compare": ("screening:run_compare", "bureau_staff", lambda f: {"pk": f["run"].pk}, {"other": "other"}, 15),
    "assessments": ("screening:assessment_list", "leader", None, {}, 8),
    "assessment": ("screening:assessment_detail", "bureau_staff", lambda f: {"pk": f["assessment"].pk}, {}, 11),
}


def add_substances(staff, n, start):
    for i in range(start, start + n):
        substance = Substance.objects.create(cas=None, name_zh=f"物质{i}")
        services.hazard_record_save(actor=staff, substance=substance, endpoint="bcf", entered_value=str(100 + i),
                                    entered_unit="L/kg")


@pytest.fixture
def objects(users, regions, inventory):
    services.profiles_load()
    staff = users["bureau_staff"]
    services.hazard_record_save(actor=staff, substance=inventory["pfos"], endpoint="bcf", entered_value="2796",
                                entered_unit="L/kg")
    return {"staff": staff, "pfos": inventory["pfos"], "profile": CriteriaProfile.objects.get(code="hj1229"),
            "region": regions["city"]}


def make_runs(objects):
    version = objects["profile"].current
    run = run_execute(services.run_create(actor=objects["staff"], version=version, region=objects["region"],
                                          year=2023).pk)
    other = run_execute(services.run_create(actor=objects["staff"], version=version, region=objects["region"],
                                            year=2024).pk)
    result = run.results.order_by("rank").first()
    assessment = services.assessment_create(actor=objects["staff"], substance=result.substance,
                                            region=objects["region"], result=result)
    objects.update(run=run, other=other, assessment=assessment)
    return objects


def measure(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, url
    assert not [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)") and '"screening_' in q["sql"]]
    return len(queries)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_screening_pages_issue_a_fixed_number_of_queries(name, users, objects):
    url_name, role, kwargs, params, expected = PAGES[name]
    client = Client()
    client.force_login(users[role])
    counts = []
    for n, start in ((2, 0), (20, 2)):
        add_substances(objects["staff"], n, start)
        make_runs(objects)
        query = {k: (objects["other"].pk if v == "other" else v) for k, v in params.items()}
        url = reverse(url_name, kwargs=kwargs(objects) if kwargs else None)
        client.get(url, query)
        counts.append(measure(client, url, query))
    assert counts == [expected, expected], (name, counts)


def test_tonnage_is_the_larger_of_supply_and_use(users, regions, inventory):
    """A substance made and used in the region is not counted twice."""
    from screening.runs import exposure_by_substance

    report = inventory["report"]
    report.state = "accepted"
    report.save()
    dcm = inventory["dcm"]
    report.lines.create(substance=dcm, raw_name="二氯甲烷", activity="produce", quantity=Decimal(30))
    report.lines.create(substance=dcm, raw_name="二氯甲烷", activity="import", quantity=Decimal(5))
    report.lines.create(substance=dcm, raw_name="二氯甲烷", activity="export", quantity=Decimal(100))
    exposure = exposure_by_substance(region=regions["city"], year=2023)[dcm.pk]
    # use 12.5 (fixture line) vs supply 30 + 5: 35; export not counted
    assert exposure.tonnage == Decimal(35) and exposure.enterprises == 1
