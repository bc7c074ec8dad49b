"""Objects of the 双随机、一公开 tests, built from the shared fixtures (tests/conftest.py: `users`, `departments`,
`regions`). Plain functions, so the permission matrix can build them lazily too.

`inspection_world` makes a city supplementary list in force (entries 1–3, one measure each) whose controlled-
enterprise list holds five enterprises — three in 朔城区 (the county), two in 平鲁区 (the sibling county) —
and a sixth removed from it; a published city plan; and an inspector pool of five: the city's bureau staff,
王检查 (city bureau), the county's staff (朔城分局), 赵平鲁 (平鲁分局) and 李明 (city bureau), who is the
contact person of 朔城甲化工 (same name and phone)."""
import datetime

from django.utils import timezone

from controls import services
from controls.models import ControlEntry, ControlledEnterprise, ControlList, ControlMeasure
from inventory.identifiers import uscc_check_char
from inventory.models import Enterprise
from portal.choices import DepartmentKind
from tests.factories import ActionPlanFactory, DepartmentFactory, UserFactory

TODAY = timezone.localdate
# name, region key, entry numbers of its basis, contact name, contact phone
ENTERPRISES = (
    ("朔城甲化工有限公司", "county", [1, 2], "李明", "139-0000-1111"),
    ("朔城乙材料有限公司", "county", [1], "周强", "13900002222"),
    ("朔城丙制药有限公司", "county", [2], "吴刚", "13900003333"),
    ("平鲁丁化工有限公司", "sibling", [1, 2], "郑华", "13900004444"),
    ("平鲁戊涂料有限公司", "sibling", [1], "陈静", "13900005555"),
)


def credit_code(region, i: int) -> str:
    body = f"91{region.code}MA1K{i:05d}"
    return body + uscc_check_char(body)


def add_enterprise(clist, region, i: int, *, name=None, entries=(1,), contact=("", ""), status="derived"):
    enterprise = Enterprise.objects.create(credit_code=credit_code(region, i), name=name or f"某企业{i}",
                                           region=region, contact_name=contact[0], contact_phone=contact[1])
    ControlledEnterprise.objects.create(list=clist, enterprise=enterprise, status=status,
                                        removed_reason="已关停" if status == "removed" else "",
                                        basis={"entries": [{"entry": n, "cas": "", "activity": "use"} for n in entries]})
    return enterprise


def inspection_world(users, departments, regions) -> dict:
    city = regions["city"]
    clist = ControlList.objects.create(kind="local_supplement", name="朔州市新污染物补充管控清单", edition="2024年版",
                                       year=2024, jurisdiction="city", region=city, status="in_force")
    measures = {}
    for number, name, kind in ((1, "全氟辛基磺酸及其盐类", "ban_use"), (2, "二氯甲烷", "hazardous_waste"),
                               (3, "壬基酚", "monitoring")):
        entry = ControlEntry.objects.create(list=clist, number=number, name=name)
        measures[number] = ControlMeasure.objects.create(entry=entry, type=kind, scope=f"{name}管控要求")
    enterprises = [add_enterprise(clist, regions[where], i, name=name, entries=entries, contact=(cname, phone))
                   for i, (name, where, entries, cname, phone) in enumerate(ENTERPRISES, start=1)]
    removed = add_enterprise(clist, regions["county"], 9, name="朔城已关停企业", status="removed")
    pinglu_bureau = DepartmentFactory(name="朔州市生态环境局平鲁分局", short_name="平鲁分局", region=regions["sibling"],
                                      kind=DepartmentKind.BUREAU)
    city_inspector = UserFactory(username="insp_wang", real_name="王检查", department=departments["bureau"],
                                 roles=["bureau_staff"], phone="13700000001")
    sibling_inspector = UserFactory(username="insp_zhao", real_name="赵平鲁", department=pinglu_bureau,
                                    roles=["bureau_staff"], phone="13700000002")
    contact_inspector = UserFactory(username="insp_li", real_name="李明", department=departments["bureau"],
                                    roles=["bureau_staff"], phone="+86 13900001111")
    pool = [users["bureau_staff"], city_inspector, users["county_staff"], sibling_inspector, contact_inspector]
    plan = ActionPlanFactory(region=city, title="朔州市新污染物治理工作方案", status="published")
    return {"list": clist, "measures": measures, "enterprises": enterprises, "removed": removed, "pool": pool,
            "plan": plan, "city_inspector": city_inspector, "sibling_inspector": sibling_inspector,
            "contact_inspector": contact_inspector, "pinglu_bureau": pinglu_bureau, "department": departments["bureau"],
            "region": city}


def make_draw(world, actor, **overrides):
    spec = {"region": world["region"], "list": world["list"], "plan": world["plan"], "department": world["department"],
            "title": "2024年第一批双随机抽查", "n_enterprises": 2, "n_inspectors": 2, "pool": world["pool"],
            "strata": {"by": ""}, "exclude_same_county": False}
    spec.update(overrides)
    return services.draw_create(actor=actor, **spec)


def drawn(world, actor, seed="抽查-2024-001", **overrides):
    """A draw of every candidate (five), run with `seed`."""
    draw = make_draw(world, actor, **{"n_enterprises": 5, **overrides})
    return services.draw_run(actor=actor, draw=draw, seed=seed)


def record(inspection, actor, *, result="rectify", findings=None, files=(), inspected_on=None, summary="现场检查"):
    if findings is None:
        findings = [{"measure": None, "text": "危险废物贮存场所未设置标识", "requirement": "设置危险废物识别标志",
                     "deadline": TODAY() + datetime.timedelta(days=30)}]
    return services.inspection_record(actor=actor, inspection=inspection, inspected_on=inspected_on or TODAY(),
                                      result=result, summary=summary, findings=findings, files=files)
