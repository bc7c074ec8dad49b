"""The 双随机、一公开 pages × every role, in the format of MATRIX in tests/portal/test_permission_matrix.py:
name → (method, kwargs-builder or None, expected status per role, data-builder or None).

The objects are built on first use from the matrix's own fixtures (the `users`, `departments` and `regions` of
tests/conftest.py, found by username, name and code) and kept in f["insp"], so the matrix fixture needs no
change: the world of tests/controls/inspection_setup.py; "draft", a draw not yet made; "draw", a draw of its five
enterprises; "inspection", one of them recorded by 王检查 (city bureau staff, not the matrix's bureau_staff) with
a rectification ("rectification") and a PDF ("attachment").

Bureau staff draw, record, approve, verify and publish within their region; leaders read draws and inspections;
department officers work in the controls module but see inspections only when drawn as inspectors (never here:
403); administrators are not in the module (403). Each role is requested in turn on the same objects, in the
order of `EVERYONE`, so a write that succeeds changes what the next roles meet."""
from tests.matrix import LOGIN, row

READ = row(LOGIN, rest=403, bureau_staff=200, leader=200)


def write(status):
    return row(LOGIN, rest=403, bureau_staff=status)


def inspections_objects(f) -> dict:
    if "insp" not in f:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from controls.models import Rectification
        from portal.models import Department, Region, User

        from .inspection_setup import drawn, inspection_world, make_draw, record

        users = {u.username: u for u in User.objects.filter(username__in=["bureau_staff", "county_staff"])}
        departments = {"bureau": Department.objects.get(name="朔州市生态环境局")}
        regions = {key: Region.objects.get(code=code) for key, code in
                   (("city", "140600"), ("county", "140602"), ("sibling", "140603"))}
        world = inspection_world(users, departments, regions)
        staff = users["bureau_staff"]
        draw = drawn(world, staff, n_inspectors=1)
        inspection = draw.inspections.order_by("pk").first()
        record(inspection, world["city_inspector"], files=[SimpleUploadedFile("检查笔录.pdf", b"%PDF-1.4\n%%EOF\n")])
        f["insp"] = {"draft": make_draw(world, staff, title="待抽取"), "draw": draw, "inspection": inspection,
                     "rectification": Rectification.objects.get(finding__inspection=inspection),
                     "attachment": inspection.attachments.get()}
    return f["insp"]


def _pk(key):
    return lambda f: {"pk": inspections_objects(f)[key].pk}


MATRIX = {
    "controls:draw_list": ("get", None, READ, None),
    "controls:draw_create": ("get", None, write(200), None),
    "controls:draw_detail": ("get", _pk("draw"), READ, None),
    "controls:draw_verify": ("get", _pk("draw"), READ, None),
    # bureau staff draw the draft (302 to its page); nobody else may
    "controls:draw_run": ("post", _pk("draft"), write(302), lambda f: {"seed": "matrix"}),
    "controls:draw_publish": ("post", _pk("draw"), write(302), None),
    "controls:inspection_detail": ("get", _pk("inspection"), READ, None),
    # already recorded: bureau staff get the page back (200); leaders read but do not record (403)
    "controls:inspection_record": ("post", _pk("inspection"), write(200), None),
    "controls:inspection_approve": ("post", _pk("inspection"), write(302), None),
    "controls:inspection_attachment": ("get", _pk("attachment"), READ, None),
    "controls:rectification_verify": ("post", _pk("rectification"), write(302), lambda f: {"note": "复查合格"}),
}
