"""The controls API × every role, in the format of MATRIX in tests/portal/test_permission_matrix.py:
name → (method, kwargs-builder or None, expected status per role, data-builder or None). The builders get `f`,
with the objects of `controls_matrix_objects` (tests/controls/matrix.py) at f["ctl"]: the national list in force
("list") with entry 1 and its dated exemption ("exemption"), the city list in force ("city") and its draft next
edition ("draft") with one entry ("draft_entry", CAS 75-09-2) and measure ("draft_measure"), the county enterprise
added by hand to the national list ("controlled", entry 1) and a publication of the city ("publication").
A draw of that enterprise and its inspection are made on first use (`_draw`, `_inspection`).

Everyone in the controls module reads the lists, entries, measures, the controlled-enterprise list and its
publications (bureau staff, leaders, department officers); everyone else gets 403, anonymous 401. Bureau staff
edit, decide, publish and draw; a department officer sets the status only of measures their department answers
for (the exemption names no department: 403). Draws and inspections are read by bureau staff and leaders.
Each role is requested in turn on the same objects, in the order of `EVERYONE`, so a write that succeeds
changes what the next roles meet."""
from tests.matrix import API_ANON, row

READ = row(API_ANON, rest=403, bureau_staff=200, leader=200, department_officer=200)
INSPECTION_READ = row(API_ANON, rest=403, bureau_staff=200, leader=200)


def write(status):
    """A write only bureau staff may make; `status` is what they get."""
    return row(API_ANON, rest=403, bureau_staff=status)


def _c(f):
    return f["ctl"]


def _staff():
    from portal.models import User

    return User.objects.select_related("department").get(username="bureau_staff")


def _plan(f):
    """A published plan of the city, made once."""
    if "plan" not in f["ctl"]:
        from tests.factories import ActionPlanFactory

        f["ctl"]["plan"] = ActionPlanFactory(region=_c(f)["city"].region, title="朔州市新污染物治理工作方案")
    return f["ctl"]["plan"]


def _draw(f):
    """A draw of the city from the national list's controlled enterprises (the county enterprise), run with a
    recorded seed: one inspection, by the city's bureau staff member."""
    if "draw" not in f["ctl"]:
        from controls import services

        staff = _staff()
        draw = services.draw_create(actor=None, region=_c(f)["city"].region, list=_c(f)["list"], plan=_plan(f),
                                    department=staff.department, title="2024年第一批双随机抽查", n_enterprises=1,
                                    n_inspectors=1, pool=[staff])
        f["ctl"]["draw"] = services.draw_run(actor=None, draw=draw, seed="matrix-2024")
    return f["ctl"]["draw"]


def _inspection(f):
    return _draw(f).inspections.get()


CONTROLS_API_MATRIX = {
    "control-list-list": ("get", None, READ, None),
    "control-list-detail": ("get", lambda f: {"pk": _c(f)["list"].pk}, READ, None),
    "control-list-diff": ("get", lambda f: {"pk": _c(f)["draft"].pk}, READ, None),
    # the city list already has a draft next edition: one draft at a time (400)
    "control-list-edition": ("post", lambda f: {"pk": _c(f)["city"].pk}, write(400),
                             lambda f: {"edition": "2026年版", "year": 2026}),
    "control-list-in-force": ("post", lambda f: {"pk": _c(f)["draft"].pk}, write(200), None),
    "control-list-take-proposals": ("post", lambda f: {"pk": _c(f)["draft"].pk}, write(200), None),
    "control-entry-list": ("post", None, write(201),
                           lambda f: {"list": _c(f)["draft"].pk, "name": "三氯甲烷", "cas_text": "67-66-3"}),
    "control-entry-detail": ("get", lambda f: {"pk": _c(f)["draft_entry"].pk}, READ, None),
    "control-measure-list": ("post", None, write(201),
                             lambda f: {"entry": _c(f)["draft_entry"].pk, "type": "monitoring"}),
    "control-measure-detail": ("get", lambda f: {"pk": _c(f)["draft_measure"].pk}, READ, None),
    # the exemption ends 2023-12-31: a task of the city plan due 30 days later; once per plan and measure
    "control-measure-task": ("post", lambda f: {"pk": _c(f)["exemption"].pk}, write(201),
                             lambda f: {"plan": _plan(f).pk, "departments": [_staff().department_id],
                                        "days_after": 30}),
    "control-controlled-enterprise-list": ("get", None, READ, lambda f: {"list": _c(f)["list"].pk}),
    "control-controlled-enterprise-detail": ("get", lambda f: {"pk": _c(f)["controlled"].pk}, READ, None),
    "control-controlled-enterprise-decide": ("post", lambda f: {"pk": _c(f)["controlled"].pk}, write(200),
                                             lambda f: {"action": "confirm"}),
    "control-controlled-enterprise-measure-status": (
        "post", lambda f: {"pk": _c(f)["controlled"].pk}, write(200),
        lambda f: {"measure": _c(f)["exemption"].pk, "status": "replaced"}),
    "control-controlled-publication-list": ("get", None, READ, None),
    "control-controlled-publication-detail": ("get", lambda f: {"pk": _c(f)["publication"].pk}, READ, None),
    "control-controlled-publication-publish": ("post", None, write(201),
                                               lambda f: {"list": _c(f)["list"].pk, "region": _c(f)["region_code"]}),
    "control-draw-list": ("get", None, INSPECTION_READ, None),
    "control-draw-detail": ("get", lambda f: {"pk": _draw(f).pk}, INSPECTION_READ, None),
    # already drawn: asking again without a seed returns the recorded draw
    "control-draw-run": ("post", lambda f: {"pk": _draw(f).pk}, write(200), None),
    # no approved inspection waits to be published (400)
    "control-draw-publish": ("post", lambda f: {"pk": _draw(f).pk}, write(400), None),
    "control-inspection-list": ("get", None, INSPECTION_READ, None),
    "control-inspection-detail": ("get", lambda f: {"pk": _inspection(f).pk}, INSPECTION_READ, None),
}
