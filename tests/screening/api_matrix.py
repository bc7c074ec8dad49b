"""The screening API × every role, in the format of MATRIX in tests/portal/test_permission_matrix.py:
name → (method, kwargs-builder or None, expected status per role, data-builder or None). The builders
get `f`, with the objects of the `inventory` fixture (tests/conftest.py) at f["inv"] and those made by
`screening_matrix_objects(users, regions, inventory)` at f["scr"]:

* "profiles": {code: CriteriaProfile} of the three reference profiles (version 1 each);
* "record": a hazard record (BCF of PFOS);
* "run": a finished HJ 1229 run of the city (140600), 2023, with results; "result": its result for PFOS;
* "other_run": a finished GB/T 24782 run of the same city and year (to compare with "run");
* "assessment": an assessment of PFOS in the city, from "result", written and submitted by
  users["bureau_staff"], concluding needs_control (waiting for approval);
* "approved": an assessment of DCM by users["bureau_staff"] approved by users["leader"];
  "proposal": the control proposal it made.

Only the bureau staff and leaders work in the screening module: everyone else gets 403, anonymous 401.
Writes need their permission, which leaders lack (403) — except approving assessments, which they may
and the author may not (403). Each role is requested in turn on the same objects, in the order of
`EVERYONE`, so a write that succeeds changes what the next roles meet."""
import json

from tests.matrix import API_ANON, row

READ = row(API_ANON, rest=403, bureau_staff=200, leader=200)


def write(status):
    """A write only bureau staff may make; `status` is what they get."""
    return row(API_ANON, rest=403, bureau_staff=status)


def screening_matrix_objects(users, regions, inventory) -> dict:
    """The screening objects of the matrix (see the module docstring), made through the services."""
    from screening import services
    from screening.models import CriteriaProfile
    from screening.runs import run_execute

    staff, leader = users["bureau_staff"], users["leader"]
    pfos, dcm = inventory["pfos"], inventory["dcm"]
    services.profiles_load()
    profiles = {p.code: p for p in CriteriaProfile.objects.all()}

    def save(substance, endpoint, value="", unit="", **kw):
        return services.hazard_record_save(actor=staff, substance=substance, endpoint=endpoint, entered_value=value,
                                           entered_unit=unit, **kw)

    record = save(pfos, "bcf", "2796", "L/kg")
    save(pfos, "half_life", "1", "年", compartment="fresh_water")
    save(pfos, "stockholm_listed", category="yes")
    save(dcm, "bcf", "2.0", "L/kg")
    save(dcm, "half_life", "20", "d", compartment="fresh_water")

    def finished(code):
        run = services.run_create(actor=staff, version=profiles[code].current, region=regions["city"], year=2023,
                                  title=f"朔州市2023年筛查（{code}）")
        return run_execute(run.pk)  # the queued job does not run in tests: computed here

    run, other_run = finished("hj1229"), finished("gbt24782")
    result = run.results.get(substance=pfos)

    def written(substance, **kw):
        assessment = services.assessment_create(actor=staff, substance=substance, region=regions["city"], **kw)
        assessment = services.assessment_update(
            actor=staff, assessment=assessment, hazard_identification="持久、生物蓄积", dose_response="NOAEL 0.1",
            exposure_assessment="地表水检出", risk_characterisation="RQ > 1", conclusion="needs_control",
            recommended_measures="限制使用")
        return services.assessment_submit(actor=staff, assessment=assessment)

    assessment = written(pfos, result=result)
    approved = services.assessment_review(actor=leader, assessment=written(dcm), approve=True, note="同意")
    return {"profiles": profiles, "record": record, "run": run, "other_run": other_run, "result": result,
            "assessment": assessment, "approved": approved, "proposal": approved.proposal}


def _next_thresholds(f):
    """The HJ 1229 thresholds with one edit, as a JSON string (the matrix posts form data)."""
    thresholds = f["scr"]["profiles"]["hj1229"].current.thresholds
    return {"thresholds": json.dumps({**thresholds, "tonnage_high": "2000"}), "note": "调整第三档"}


SCREENING_API_MATRIX = {
    "hazardrecord-list": ("get", None, READ, None),
    "hazardrecord-detail": ("get", lambda f: {"pk": f["scr"]["record"].pk}, READ, None),
    "criteriaprofile-list": ("get", None, READ, None),
    "criteriaprofile-detail": ("get", lambda f: {"pk": f["scr"]["profiles"]["hj1229"].pk}, READ, None),
    # bureau staff save the edited thresholds as version 2
    "criteriaprofile-versions": ("post", lambda f: {"pk": f["scr"]["profiles"]["hj1229"].pk}, write(201),
                                 _next_thresholds),
    "screeningrun-list": ("get", None, READ, None),
    "screeningrun-detail": ("get", lambda f: {"pk": f["scr"]["run"].pk}, READ, None),
    "screeningrun-results": ("get", lambda f: {"pk": f["scr"]["run"].pk}, READ, None),
    "screeningrun-compare": ("get", lambda f: {"pk": f["scr"]["run"].pk}, READ,
                             lambda f: {"other": f["scr"]["other_run"].pk}),
    "screeningresult-detail": ("get", lambda f: {"pk": f["scr"]["result"].pk}, READ, None),
    "screeningresult-override": ("post", lambda f: {"pk": f["scr"]["result"].pk}, write(200),
                                 lambda f: {"tier": "关注", "reason": "专家研判：暴露数据待补充"}),
    "riskassessment-list": ("get", None, READ, None),
    "riskassessment-detail": ("get", lambda f: {"pk": f["scr"]["assessment"].pk}, READ, None),
    # already submitted: 400 for those who may submit, 403 for the others
    "riskassessment-submit": ("post", lambda f: {"pk": f["scr"]["assessment"].pk}, write(400), None),
    # the author (bureau staff) may not approve their own assessment; the leader approves it
    "riskassessment-review": ("post", lambda f: {"pk": f["scr"]["assessment"].pk},
                              row(API_ANON, rest=403, leader=200), lambda f: {"approve": True, "note": "同意"}),
    # no file sent (and the assessment is submitted, so no longer takes files): 400
    "riskassessment-attach": ("post", lambda f: {"pk": f["scr"]["assessment"].pk}, write(400), None),
    "controlproposal-list": ("get", None, READ, None),
    "controlproposal-detail": ("get", lambda f: {"pk": f["scr"]["proposal"].pk}, READ, None),
}
