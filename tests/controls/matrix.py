"""Permission-matrix rows and objects for the controls pages (lists, entries, measures, the controlled-enterprise
list and its publications, and the public pages), merged into tests/portal/test_permission_matrix.py."""
import datetime

from django.utils import timezone

from tests.matrix import LOGIN, row

READ = row(LOGIN, rest=403, bureau_staff=200, leader=200, department_officer=200)
EDIT_200 = row(LOGIN, rest=403, bureau_staff=200)
EDIT_302 = row(LOGIN, rest=403, bureau_staff=302)
PUBLIC = row(200, rest=200)


def controls_matrix_objects(users, regions, inventory, clist):
    """The national list in force with an entry and a dated exemption; a city list in force and its draft next
    edition with one entry and measure; the county enterprise on the national list; a publication."""
    from controls.models import ControlledEnterprise, ControlledEnterpriseListPublication, ControlList

    entry = clist.entries.create(number=1, name="全氟辛基磺酸及其盐类和全氟辛基磺酰氟", is_group=True)
    exemption = entry.measures.create(type="exemption", scope="灭火泡沫", effective_on=datetime.date(2023, 3, 1),
                                      ends_on=datetime.date(2023, 12, 31))
    city = ControlList.objects.create(kind="local_supplement", name="朔州市补充清单", edition="2024年版", year=2024,
                                      jurisdiction="city", region=regions["city"], base=clist, status="in_force",
                                      effective_on=datetime.date(2024, 1, 1))
    draft = ControlList.objects.create(kind="local_supplement", name="朔州市补充清单", edition="2025年版", year=2025,
                                       jurisdiction="city", region=regions["city"], base=clist, previous=city,
                                       effective_on=datetime.date(2025, 1, 1))
    draft_entry = draft.entries.create(number=1, name="二氯甲烷")
    draft_entry.entry_substances.create(cas="75-09-2")
    draft_measure = draft_entry.measures.create(type="emission_limit")
    controlled = ControlledEnterprise.objects.create(list=clist, enterprise=inventory["enterprise"], status="added",
                                                     basis={"manual": [1]}, evidence="排污许可证")
    publication = ControlledEnterpriseListPublication.objects.create(
        region=regions["city"], list=clist, number=1, published_at=timezone.now(), published_by=users["bureau_staff"],
        snapshot={"enterprises": [{"name": inventory["enterprise"].name, "credit_code": inventory["enterprise"].credit_code,
                                   "region": "朔城区", "region_code": regions["county"].code,
                                   "entries": [{"number": 1, "name": entry.name}], "measures": ["豁免用途"]}]})
    return {"list": clist, "entry": entry, "exemption": exemption, "city": city, "draft": draft,
            "draft_entry": draft_entry, "draft_measure": draft_measure, "controlled": controlled,
            "publication": publication, "region_code": regions["city"].code}


def _c(f):
    return f["ctl"]


CONTROLS_MATRIX = {
    "controls:list_create": ("get", None, EDIT_200, None),
    "controls:list_edition": ("get", lambda f: {"pk": _c(f)["city"].pk}, EDIT_200, None),
    "controls:list_in_force": ("post", lambda f: {"pk": _c(f)["draft"].pk}, EDIT_302, None),
    "controls:list_take_proposals": ("post", lambda f: {"pk": _c(f)["draft"].pk}, EDIT_302, None),
    "controls:list_diff": ("get", lambda f: {"pk": _c(f)["draft"].pk}, READ, None),
    "controls:list_export": ("get", lambda f: {"pk": _c(f)["draft"].pk, "what": "measures"}, READ, None),
    "controls:entry_create": ("get", lambda f: {"pk": _c(f)["draft"].pk}, EDIT_200, None),
    "controls:entry_edit": ("get", lambda f: {"pk": _c(f)["draft"].pk, "entry": _c(f)["draft_entry"].pk}, EDIT_200,
                            None),
    "controls:entry_delete": ("post", lambda f: {"pk": _c(f)["draft"].pk, "entry": _c(f)["draft_entry"].pk}, EDIT_302,
                              None),
    "controls:measure_create": ("get", lambda f: {"pk": _c(f)["draft"].pk, "entry": _c(f)["draft_entry"].pk},
                                EDIT_200, None),
    "controls:measure_edit": ("get", lambda f: {"pk": _c(f)["draft"].pk, "entry": _c(f)["draft_entry"].pk,
                                                "measure": _c(f)["draft_measure"].pk}, EDIT_200, None),
    "controls:measure_task": ("get", lambda f: {"pk": _c(f)["exemption"].pk}, EDIT_200, None),
    "controls:controlled_add": ("get", lambda f: {"pk": _c(f)["list"].pk}, EDIT_200, None),
    "controls:publication_list": ("get", lambda f: {"pk": _c(f)["list"].pk}, READ, None),
    "controls:publication_download": ("get", lambda f: {"pk": _c(f)["publication"].pk, "fmt": "xlsx"}, READ, None),
    "controls:controlled_detail": ("get", lambda f: {"pk": _c(f)["controlled"].pk}, READ, None),
    "controls:controlled_decide": ("post", lambda f: {"pk": _c(f)["controlled"].pk}, EDIT_302,
                                   lambda f: {"action": "confirm"}),
    "controls:controlled_measure_status": (
        "post", lambda f: {"pk": _c(f)["controlled"].pk, "measure": _c(f)["exemption"].pk},
        row(LOGIN, rest=403, bureau_staff=302, department_officer=302), lambda f: {"status": "replaced"}),
    "public:index": ("get", None, PUBLIC, None),
    "public:publication": ("get", lambda f: {"region": _c(f)["region_code"], "pk": _c(f)["list"].pk}, PUBLIC, None),
    "public:download": ("get", lambda f: {"region": _c(f)["region_code"], "pk": _c(f)["list"].pk}, PUBLIC, None),
}
