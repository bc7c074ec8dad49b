"""The inventory API × every role, in the format of MATRIX in tests/portal/test_permission_matrix.py:
name → (method, kwargs-builder or None, expected status per role, data-builder or None). The builders
get `f`, with the objects of the `inventory` fixture (tests/conftest.py) at f["inv"].

Only the bureau staff and leaders work in the inventory module: everyone else gets 403, anonymous
401. Writes need their permission, which leaders lack (403)."""
from tests.matrix import API_ANON, row

READ = row(API_ANON, rest=403, bureau_staff=200, leader=200)


def write(status):
    """A write only bureau staff may make; `status` is what they get."""
    return row(API_ANON, rest=403, bureau_staff=status)


def _industry(f):
    """An industry class for the detail URL (the inventory fixture loads none)."""
    from inventory.models import Industry

    return Industry.objects.get_or_create(code="2614", defaults={"name": "有机化学原料制造", "level": "class",
                                                                 "section": "C"})[0]


INVENTORY_API_MATRIX = {
    "substance-list": ("get", None, READ, None),
    "substance-detail": ("get", lambda f: {"pk": f["inv"]["dcm"].pk}, READ, None),
    "substancegroup-list": ("get", None, READ, None),
    "substancegroup-detail": ("get", lambda f: {"pk": f["inv"]["group"].pk}, READ, None),
    "industry-list": ("get", None, READ, None),
    "industry-detail": ("get", lambda f: {"code": _industry(f).code}, READ, None),
    "enterprise-list": ("get", None, READ, None),
    "enterprise-detail": ("get", lambda f: {"pk": f["inv"]["enterprise"].pk}, READ, None),
    "surveycampaign-list": ("get", None, READ, None),
    "surveycampaign-detail": ("get", lambda f: {"pk": f["inv"]["campaign"].pk}, READ, None),
    "surveyreport-list": ("get", None, READ, None),
    "surveyreport-detail": ("get", lambda f: {"pk": f["inv"]["report"].pk}, READ, None),
    # the draft passes its checks: bureau staff submit it
    "surveyreport-submit": ("post", lambda f: {"pk": f["inv"]["report"].pk}, write(200), None),
    # a draft is not waiting for a review: 400 for those who may review, 403 for the others
    "surveyreport-review": ("post", lambda f: {"pk": f["inv"]["report"].pk}, write(400),
                            lambda f: {"approve": True}),
    "surveyline-list": ("get", None, READ, None),
    "surveyline-detail": ("get", lambda f: {"pk": f["inv"]["line"].pk}, READ, None),
    "surveyline-resolve": ("post", lambda f: {"pk": f["inv"]["unresolved"].pk}, write(200),
                           lambda f: {"substance": f["inv"]["pfos"].pk, "apply_to_same": True}),
    "monitoringsite-list": ("get", None, READ, None),
    "monitoringsite-detail": ("get", lambda f: {"pk": f["inv"]["site"].pk}, READ, None),
    "monitoringresult-list": ("get", None, READ, None),
    "monitoringresult-detail": ("get", lambda f: {"pk": f["inv"]["result"].pk}, READ, None),
    "monitoringresult-detection-frequency": ("get", None, READ, None),
}
