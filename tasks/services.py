"""Every write of the tasks feature that carries a rule: importing and publishing plans, mapping
department names, progress reports and their review, extensions, closure, instructions and
indicator values. Each checks permission, validates, saves, audits in the same transaction and
notifies the people concerned after commit."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions as perms
from portal.files import evidence_check
from portal.models import Department, DepartmentAlias, User
from portal.services import audit_record, notification_send, snapshot

from .choices import ExtensionStatus, PlanStatus, ReportStatus, TaskStatus
from .models import (
    ActionPlan,
    Evidence,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    PlanParagraph,
    ProgressReport,
    Task,
    TaskAssignment,
    TaskComment,
    TaskLink,
)
from .periods import period_start

TASK_AUDIT_FIELDS = ("label", "title", "text", "deadline", "deadline_text", "implementers", "status", "progress")


def _require(actor, perm):
    if actor is not None and not perms.can(actor, perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _notify(users, title, body="", link="", level="info"):
    users = [u for u in users if u is not None]
    if users:
        transaction.on_commit(lambda: notification_send(recipients=users, title=title, body=body, link=link,
                                                        level=level))


def _task_link(task):
    return f"/tasks/{task.pk}/"


def department_users(department_ids, role):
    return list(User.objects.filter(department_id__in=department_ids, is_active=True, groups__name=role).distinct())


def plan_reviewers(plan):
    """Bureau staff of the plan's region (not of the regions below): they review its progress."""
    return list(User.objects.filter(is_active=True, groups__name=perms.BUREAU_STAFF,
                                    department__region=plan.region).distinct())


# ---------------------------------------------------------------- department names

@dataclass
class NameMatch:
    written: str
    department: Department | None = None
    candidates: list[Department] = field(default_factory=list)

    @property
    def ambiguous(self):
        return self.department is None and len(self.candidates) > 1


PREFIXES = ("自治区", "省", "市", "县", "区")


def department_match(*, names, region) -> dict[str, NameMatch]:
    """Match names as a plan writes them to departments: first by name or alias (remembered mappings
    included), then, inside the plan's region, by a unique name that ends with the written name
    without its 市/省/自治区 prefix. A name that fits several departments is left for a person."""
    names = list(dict.fromkeys(n.strip() for n in names if n and n.strip()))

    def in_reach(department):
        # the plan's region, the regions below it, and the regions above it (a provincial customs office)
        if region is None:
            return True
        return department.region.path.startswith(region.path) or region.path.startswith(department.region.path)

    exact = {d.name: d for d in Department.objects.filter(name__in=names, is_active=True).select_related("region")
             if in_reach(d)}
    for alias in (DepartmentAlias.objects.filter(name__in=names, department__is_active=True)
                  .select_related("department__region")):
        if in_reach(alias.department):
            exact.setdefault(alias.name, alias.department)
    result = {}
    local = None
    for name in names:
        if name in exact:
            result[name] = NameMatch(name, exact[name])
            continue
        if local is None:
            local = list(Department.objects.filter(is_active=True).filter(perms_region_subtree(region)))
        stem = name
        for prefix in PREFIXES:
            if stem.startswith(prefix) and len(stem) > len(prefix) + 1:
                stem = stem[len(prefix):]
                break
        candidates = [d for d in local if d.name.endswith(stem) or d.short_name.endswith(stem)]
        result[name] = NameMatch(name, candidates[0] if len(candidates) == 1 else None, candidates)
    return result


def perms_region_subtree(region):
    return Q(region__path__startswith=region.path) if region is not None else Q()


@transaction.atomic
def department_alias_remember(*, actor, department: Department, name: str) -> DepartmentAlias | None:
    """Remember that plans write `department` as `name`. Refuses a name that already means another
    department."""
    name = name.strip()
    if name == department.name:
        return None
    owner = Department.objects.filter(name=name).exclude(pk=department.pk).first()
    alias = DepartmentAlias.objects.filter(name=name).select_related("department").first()
    if owner is not None or (alias is not None and alias.department_id != department.pk):
        other = owner or alias.department
        raise ValidationError(_("“%(name)s” already means %(other)s; it cannot also mean %(department)s.")
                              % {"name": name, "other": other, "department": department})
    if alias is not None:
        return alias
    alias = DepartmentAlias.objects.create(name=name, department=department)
    audit_record(actor=actor, action="department.alias", obj=department, after={"alias": name})
    return alias


# ---------------------------------------------------------------- plans

@dataclass
class ImportResult:
    plan: ActionPlan
    unmatched: list[NameMatch]
    dropped: list[str]
    warnings: list[str]


def _check_deadlines(plan_issued, tasks):
    if plan_issued is None:
        return
    for parsed in tasks:
        for deadline in parsed.deadlines:
            if deadline.date is not None and deadline.date < plan_issued:
                raise ValidationError(
                    _("Item %(label)s: the deadline %(date)s (“%(text)s”) is before the plan's date of issue %(issued)s.")
                    % {"label": parsed.label, "date": deadline.date.isoformat(), "text": deadline.text,
                       "issued": plan_issued.isoformat()})


@transaction.atomic
def plan_import(*, actor, text: str, source_name: str = "", region=None) -> ImportResult:
    """Parse a plan and keep it as a draft: its paragraphs, one task per item, and each responsible
    unit (matched to a department where the name is known). Nothing is saved if the text cannot be
    parsed."""
    from . import parser  # the parser is only needed here

    _require(actor, "tasks.import_plan")
    region = region or (actor.region if actor is not None else None)
    if region is None:
        raise ValidationError(_("The plan needs a region: your account has no department."))
    try:
        parsed = parser.parse_plan(text)
    except parser.PlanParseError as exc:
        raise ValidationError(str(exc)) from exc
    _check_deadlines(parsed.issued, parsed.tasks)
    warnings = list(parsed.warnings)
    doc_number = (parsed.doc_number or "")[:100]
    same_number = list(ActionPlan.objects.filter(region=region, doc_number=doc_number).exclude(doc_number="")
                       .order_by("pk").values_list("title", "status")) if doc_number else []
    if same_number:
        states = dict(PlanStatus.choices)
        warnings.insert(0, _("A plan with the same document number %(number)s is already in the portal: %(plans)s. "
                             "Check that this is not the same plan imported twice before publishing it.") % {"number": doc_number, "plans": "；".join(
                                 f"《{title}》（{states.get(status, status)}）" for title, status in same_number)})
    plan = ActionPlan.objects.create(
        title=parsed.title[:200] or source_name or _("Untitled plan"), issuer=(parsed.issuer or "")[:200],
        doc_number=doc_number, issued=parsed.issued, region=region, source_name=source_name[:255],
        source_text=text, outline=_outline(parsed.headings), dropped=parsed.dropped, parse_warnings=warnings,
        imported_by=actor,
    )
    paragraphs = PlanParagraph.objects.bulk_create(
        [PlanParagraph(plan=plan, index=i, text=p) for i, p in enumerate(parsed.paragraphs)])
    names = [n for t in parsed.tasks for n in t.responsible]
    matches = department_match(names=names, region=region)
    links = []
    assignments = []
    # An item that names no date of its own is due when the plan as a whole is (its latest date);
    # the deadline text says so, and bureau staff can correct it before publishing.
    plan_end = max((d.date for t in parsed.tasks for d in t.deadlines if d.date), default=None)
    for order, item in enumerate(parsed.tasks):
        dated = [d for d in item.deadlines if d.date is not None]
        first = min(dated, key=lambda d: d.date) if dated else None
        recurring = next((d.recurring for d in item.deadlines if d.recurring), "")
        deadline = first.date if first else plan_end
        deadline_text = first.text if first else (_("not stated; the plan's overall deadline") if plan_end else "")
        task = Task.objects.create(
            plan=plan, order=order, label=item.label[:64], title=item.title[:300], text=item.text,
            clause=item.clause[:1000], implementers=item.implementers,
            deadline=deadline, deadline_text=deadline_text[:200],
            deadlines=[{"text": d.text, "date": d.date.isoformat() if d.date else None, "recurring": d.recurring}
                       for d in item.deadlines],
            recurring=recurring or "", start_date=parsed.issued,
        )
        links += [Task.source_paragraphs.through(task_id=task.pk, planparagraph_id=paragraphs[i].pk)
                  for i in item.source_paragraphs if 0 <= i < len(paragraphs)]
        seen = set()
        for position, name in enumerate(item.responsible):
            match = matches.get(name)
            department = match.department if match else None
            key = department.pk if department else name
            if key in seen:
                continue
            seen.add(key)
            assignments.append(TaskAssignment(task=task, department=department, written_name=name[:128],
                                              is_lead=name in item.lead, order=position))
    Task.source_paragraphs.through.objects.bulk_create(links)
    TaskAssignment.objects.bulk_create(assignments)
    unmatched = [m for m in matches.values() if m.department is None]
    audit_record(actor=actor, action="plan.import", obj=plan,
                 after={"tasks": len(parsed.tasks), "unmatched": [m.written for m in unmatched],
                        "dropped": len(parsed.dropped)})
    return ImportResult(plan=plan, unmatched=unmatched, dropped=parsed.dropped, warnings=parsed.warnings)


def _outline(headings) -> list[dict]:
    """The heading tree, flattened in document order (the level says how deep each heading is)."""
    rows = []

    def walk(nodes):
        for node in nodes:
            rows.append({"label": node.label, "level": node.level, "title": node.title,
                         "paragraph": node.paragraph, "task": node.task_index})
            walk(node.children)

    walk(headings)
    return rows


def _require_draft(plan):
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("The plan has been published; its tasks can no longer be edited here."))


@transaction.atomic
def plan_map_name(*, actor, plan: ActionPlan, written_name: str, department: Department) -> int:
    """A person says which department a name in the plan means; remembered as an alias for later
    plans. Returns how many responsible units were filled in."""
    _require(actor, "tasks.import_plan")
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    _require_draft(plan)
    if not perms.region_visible(actor, department.region) and not perms.region_visible(actor, plan.region):
        raise PermissionDenied(_("This department is outside your region."))
    department_alias_remember(actor=actor, department=department, name=written_name)
    pending = TaskAssignment.objects.filter(task__plan=plan, written_name=written_name, department__isnull=True)
    clash = set(TaskAssignment.objects.filter(task__plan=plan, department=department).values_list("task_id", flat=True))
    filled = 0
    for assignment in pending:
        if assignment.task_id in clash:
            assignment.delete()  # the same department is already responsible for that task
            continue
        assignment.department = department
        assignment.save(update_fields=["department"])
        filled += 1
    audit_record(actor=actor, action="plan.map_name", obj=plan, after={"name": written_name, "department": department.name})
    return filled


@transaction.atomic
def task_update(*, actor, task: Task, title=None, label=None, text=None, deadline=None, deadline_text=None,
                implementers=None, lead_ids=None, co_ids=None) -> Task:
    """Correct a draft task's fields and responsible departments before publication."""
    _require(actor, "tasks.import_plan")
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    _require_draft(task.plan)
    before = snapshot(task, TASK_AUDIT_FIELDS)
    for name, value in (("title", title), ("label", label), ("text", text), ("deadline_text", deadline_text),
                        ("implementers", implementers)):
        if value is not None:
            setattr(task, name, value)
    if deadline is not None or deadline_text is not None:
        task.deadline = deadline
    if task.deadline and task.plan.issued and task.deadline < task.plan.issued:
        raise ValidationError({"deadline": _("The deadline %(date)s is before the plan's date of issue %(issued)s.")
                               % {"date": task.deadline, "issued": task.plan.issued}})
    task.full_clean(exclude=["plan"])
    task.save()
    if lead_ids is not None or co_ids is not None:
        lead_ids = [int(i) for i in (lead_ids or [])]
        co_ids = [int(i) for i in (co_ids or []) if int(i) not in lead_ids]
        if not lead_ids:
            raise ValidationError({"lead_ids": _("A task needs at least one lead department.")})
        wanted = {i: True for i in lead_ids} | {i: False for i in co_ids}
        departments = {d.pk: d for d in Department.objects.filter(pk__in=wanted)}
        task.assignments.filter(department__isnull=False).exclude(department_id__in=wanted).delete()
        task.assignments.filter(department__isnull=True).delete()
        existing = {a.department_id: a for a in task.assignments.all()}
        for position, (pk, lead) in enumerate(wanted.items()):
            if pk not in departments:
                continue
            assignment = existing.get(pk) or TaskAssignment(task=task, department=departments[pk],
                                                            written_name=departments[pk].name)
            assignment.is_lead, assignment.order = lead, position
            assignment.save()
    after = snapshot(task, TASK_AUDIT_FIELDS)
    after["departments"] = [(a.department_id, a.is_lead) for a in task.assignments.all()]
    audit_record(actor=actor, action="task.update", obj=task, before=before, after=after)
    return task


@transaction.atomic
def plan_cadence_set(*, actor, plan: ActionPlan, cadence: str, report_day: int) -> ActionPlan:
    """How often the plan's units report, and by which day of the period (e.g. monthly by the 25th)."""
    _require(actor, "tasks.import_plan")
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    if actor is not None and not perms.region_visible(actor, plan.region):
        raise PermissionDenied
    before = snapshot(plan, ("cadence", "report_day"))
    plan.cadence, plan.report_day = cadence, report_day
    plan.full_clean(exclude=["region", "imported_by"])
    plan.save(update_fields=["cadence", "report_day"])
    audit_record(actor=actor, action="plan.cadence", obj=plan, before=before, after=snapshot(plan, ("cadence", "report_day")))
    return plan


@transaction.atomic
def plan_publish(*, actor, plan: ActionPlan) -> ActionPlan:
    """Publish a checked plan: its tasks go live and every responsible department is told."""
    _require(actor, "tasks.import_plan")
    plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
    _require_draft(plan)
    problems = []
    unmatched = sorted(set(TaskAssignment.objects.filter(task__plan=plan, department__isnull=True)
                           .values_list("written_name", flat=True)))
    if unmatched:
        problems.append(_("Department names not yet matched: %s") % "、".join(unmatched))
    leaderless = list(plan.tasks.exclude(assignments__is_lead=True, assignments__department__isnull=False)
                      .values_list("label", flat=True))
    if leaderless:
        problems.append(_("Items without a lead department: %s") % "、".join(leaderless))
    if not plan.tasks.exists():
        problems.append(_("The plan has no tasks."))
    if problems:
        raise ValidationError(problems)
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = timezone.now()
    plan.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action="plan.publish", obj=plan, after={"tasks": plan.tasks.count()})
    department_ids = set(TaskAssignment.objects.filter(task__plan=plan).values_list("department_id", flat=True))
    _notify(department_users(department_ids, perms.DEPARTMENT_OFFICER),
            _("New tasks: %(plan)s") % {"plan": plan.title},
            _("Your department has been assigned tasks of %(plan)s. Please check them and report progress by the "
              "%(day)dth of each period.") % {"plan": plan.title, "day": plan.report_day},
            link="/tasks/")
    return plan


# ---------------------------------------------------------------- progress

def _assignment_of(actor, task) -> TaskAssignment:
    assignment = task.assignments.filter(department_id=actor.department_id).first() if actor.department_id else None
    if assignment is None:
        raise PermissionDenied(_("Your department is not responsible for this task."))
    return assignment


@transaction.atomic
def progress_report_submit(*, actor, task: Task, narrative: str, percent: int, decrease_reason: str = "",
                           files=(), today: datetime.date | None = None) -> ProgressReport:
    """A department reports on its part of a task for the current period, with evidence."""
    _require(actor, "tasks.report_progress")
    if task.plan.status != PlanStatus.PUBLISHED or task.status == TaskStatus.CLOSED:
        raise ValidationError(_("This task does not take progress reports (not published or already closed)."))
    assignment = _assignment_of(actor, task)
    assignment = TaskAssignment.objects.select_for_update().get(pk=assignment.pk)
    errors = {}
    if not (narrative or "").strip():
        errors["narrative"] = _("Describe the progress made.")
    if percent is None or not 0 <= int(percent) <= 100:
        errors["percent"] = _("The percentage must be between 0 and 100.")
    elif int(percent) < assignment.progress and not (decrease_reason or "").strip():
        errors["decrease_reason"] = _("The percentage %(new)d%% is lower than the last accepted %(old)d%%: "
                                      "give the reason.") % {"new": int(percent), "old": assignment.progress}
    checked = []
    for uploaded in files:
        try:
            checked.append((uploaded, *evidence_check(uploaded)))
        except ValidationError as exc:
            errors.setdefault("files", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    today = today or timezone.localdate()
    report = ProgressReport.objects.create(
        assignment=assignment, period=period_start(today, task.plan.cadence), narrative=narrative.strip(),
        percent=int(percent), decrease_reason=decrease_reason.strip(), submitted_by=actor,
    )
    for uploaded, content_type, digest in checked:
        evidence = Evidence(report=report, original_name=uploaded.name[:255], content_type=content_type,
                            size=uploaded.size, sha256=digest)
        evidence.file.save(uploaded.name, uploaded, save=False)
        evidence.save()
    assignment.awaiting_resubmission = False
    assignment.last_report_at = report.submitted_at
    assignment.save(update_fields=["awaiting_resubmission", "last_report_at"])
    if task.status == TaskStatus.NOT_STARTED:
        task.status = TaskStatus.IN_PROGRESS
        task.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="progress.submit", obj=report,
                 after={"task": task.pk, "percent": report.percent, "evidence": len(checked)})
    _notify(plan_reviewers(task.plan), _("Progress to review: %(task)s") % {"task": task.title},
            _("%(department)s reported %(percent)d%%.") % {"department": assignment, "percent": report.percent},
            link=_task_link(task))
    return report


@transaction.atomic
def progress_report_review(*, actor, report: ProgressReport, accept: bool, reason: str = "") -> ProgressReport:
    """Bureau staff accept a report, or return it (退办) with a reason."""
    _require(actor, "tasks.review_progress")
    report = ProgressReport.objects.select_for_update().select_related("assignment__task__plan").get(pk=report.pk)
    task = report.assignment.task
    if not perms.region_visible(actor, task.plan.region):
        raise PermissionDenied
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("This report has already been reviewed."))
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for returning the report.")})
    report.status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
    report.reviewed_by, report.reviewed_at, report.return_reason = actor, timezone.now(), reason.strip()
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "return_reason"])
    assignment = report.assignment
    before = snapshot(task, ("progress", "status"))
    if accept:
        assignment.progress = report.percent
        assignment.awaiting_resubmission = False
        if assignment.is_lead:
            task.progress = report.percent  # the lead department's figure is the task's consolidated one
            if report.percent == 100:
                # done when the department said so, not when the bureau got round to accepting it
                task.status, task.completed_at = TaskStatus.COMPLETED, report.submitted_at
            elif task.status in (TaskStatus.NOT_STARTED, TaskStatus.COMPLETED):
                task.status, task.completed_at = TaskStatus.IN_PROGRESS, None
            task.save(update_fields=["progress", "status", "completed_at", "updated_at"])
    else:
        assignment.awaiting_resubmission = True
    assignment.save(update_fields=["progress", "awaiting_resubmission"])
    audit_record(actor=actor, action="progress.accept" if accept else "progress.return", obj=report,
                 before=before, after={**snapshot(task, ("progress", "status")), "reason": reason.strip()})
    title = (_("Progress accepted: %(task)s") if accept else _("Progress returned: %(task)s")) % {"task": task.title}
    _notify([report.submitted_by], title, reason.strip(), link=_task_link(task),
            level="info" if accept else "warning")
    return report


# ---------------------------------------------------------------- extensions, closure, instructions

@transaction.atomic
def extension_request_create(*, actor, task: Task, new_deadline: datetime.date, reason: str) -> ExtensionRequest:
    _require(actor, "tasks.report_progress")
    assignment = _assignment_of(actor, task)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    if task.deadline and new_deadline <= task.deadline:
        raise ValidationError({"new_deadline": _("The new date must be later than the current deadline %(date)s.")
                               % {"date": task.deadline}})
    if task.plan.issued and new_deadline < task.plan.issued:
        raise ValidationError({"new_deadline": _("The new date is before the plan's date of issue.")})
    if task.extension_requests.filter(status=ExtensionStatus.PENDING).exists():
        raise ValidationError(_("An extension request for this task is already waiting for a decision."))
    request = ExtensionRequest.objects.create(task=task, department=assignment.department, requested_by=actor,
                                              current_deadline=task.deadline, new_deadline=new_deadline,
                                              reason=reason.strip())
    audit_record(actor=actor, action="extension.request", obj=request,
                 after={"task": task.pk, "new_deadline": new_deadline.isoformat()})
    _notify(plan_reviewers(task.plan), _("Extension requested: %(task)s") % {"task": task.title}, reason,
            link=_task_link(task))
    return request


@transaction.atomic
def extension_request_decide(*, actor, request: ExtensionRequest, approve: bool, note: str = "") -> ExtensionRequest:
    _require(actor, "tasks.review_progress")
    request = ExtensionRequest.objects.select_for_update().select_related("task__plan").get(pk=request.pk)
    if not perms.region_visible(actor, request.task.plan.region):
        raise PermissionDenied
    if request.status != ExtensionStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Give the reason for refusing.")})
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note.strip()
    request.save()
    task = request.task
    if approve:
        before = snapshot(task, ("deadline", "deadline_text"))
        task.deadline = request.new_deadline
        task.deadline_text = _("extended to %(date)s") % {"date": request.new_deadline.isoformat()}
        task.save(update_fields=["deadline", "deadline_text", "updated_at"])
        audit_record(actor=actor, action="extension.approve", obj=request, before=before,
                     after=snapshot(task, ("deadline", "deadline_text")))
    else:
        audit_record(actor=actor, action="extension.refuse", obj=request, after={"note": note.strip()})
    title = (_("Extension approved: %(task)s") if approve else _("Extension refused: %(task)s")) % {"task": task.title}
    _notify([request.requested_by], title, note, link=_task_link(task))
    return request


@transaction.atomic
def task_close(*, actor, task: Task, note: str = "") -> Task:
    """办结销号: only a completed task whose lead department's accepted report carries evidence."""
    _require(actor, "tasks.review_progress")
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    if not perms.region_visible(actor, task.plan.region):
        raise PermissionDenied
    if task.status != TaskStatus.COMPLETED:
        raise ValidationError(_("Only a completed task (lead department's report accepted at 100%) can be closed."))
    if not Evidence.objects.filter(report__assignment__task=task, report__assignment__is_lead=True,
                                   report__status=ReportStatus.ACCEPTED).exists():
        raise ValidationError(_("The lead department's accepted reports carry no evidence to verify."))
    task.status, task.closed_at = TaskStatus.CLOSED, timezone.now()
    task.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(actor=actor, action="task.close", obj=task, after={"note": note})
    department_ids = task.assignments.values_list("department_id", flat=True)
    _notify(department_users(department_ids, perms.DEPARTMENT_OFFICER), _("Task closed: %(task)s") % {"task": task.title},
            note, link=_task_link(task))
    return task


# ---------------------------------------------------------------- tasks created by other features

def linked_task(*, plan: ActionPlan, target) -> Task | None:
    """The task of `plan` created for `target` (a control measure, a rectification…), if any."""
    from django.contrib.contenttypes.models import ContentType
    link = (TaskLink.objects.filter(task__plan=plan, content_type=ContentType.objects.get_for_model(target),
                                    object_id=target.pk).select_related("task").first())
    return link.task if link else None


@transaction.atomic
def task_create_linked(*, actor, plan: ActionPlan, target, title: str, text: str, deadline: datetime.date,
                       departments, label: str = "", deadline_text: str = "") -> tuple[Task, bool]:
    """A task that another feature creates for one of its objects (an exemption ending, a rectification
    deadline), added to a published plan so the reminders, escalation and reports cover it with no extra
    work. The first department leads. Once per plan and object: asking again returns the existing task."""
    from django.contrib.contenttypes.models import ContentType
    if actor is not None and not perms.region_visible(actor, plan.region):
        raise PermissionDenied(_("You do not have permission to do this."))
    if plan.status != PlanStatus.PUBLISHED:
        raise ValidationError({"plan": _("Tasks can only be added to a published plan.")})
    existing = linked_task(plan=plan, target=target)
    if existing is not None:
        return existing, False
    departments = [d for d in departments if d is not None]
    if not departments:
        raise ValidationError({"departments": _("Name at least one responsible department.")})
    if deadline is None:
        raise ValidationError({"deadline": _("The task needs a deadline.")})
    order = (plan.tasks.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    task = Task.objects.create(plan=plan, order=order, label=(label or str(order))[:64], title=title[:300], text=text,
                               deadline=deadline, deadline_text=(deadline_text or deadline.isoformat())[:200],
                               start_date=timezone.localdate())
    seen = []
    for department in departments:
        if department.pk not in seen:
            TaskAssignment.objects.create(task=task, department=department, written_name=department.name[:128],
                                          is_lead=not seen, order=len(seen))
            seen.append(department.pk)
    TaskLink.objects.create(task=task, content_type=ContentType.objects.get_for_model(target), object_id=target.pk)
    audit_record(actor=actor, action="task.create_linked", obj=task,
                 after={"title": task.title, "deadline": deadline.isoformat(), "departments": seen,
                        "source": f"{target._meta.label_lower}:{target.pk}"})
    _notify(department_users(seen, perms.DEPARTMENT_OFFICER), _("New task: %(task)s") % {"task": task.title},
            _("Due %(date)s.") % {"date": deadline.isoformat()}, link=_task_link(task))
    return task, True


@transaction.atomic
def task_close_linked(*, actor, task: Task, note: str) -> Task:
    """Close a task whose source object is finished (a rectification verified on site): the verification
    recorded by the source feature stands in for the evidence a progress report would carry."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.CLOSED:
        return task
    task.status, task.progress, task.closed_at = TaskStatus.CLOSED, 100, timezone.now()
    task.completed_at = task.completed_at or task.closed_at
    task.save(update_fields=["status", "progress", "completed_at", "closed_at", "updated_at"])
    audit_record(actor=actor, action="task.close", obj=task, after={"note": note})
    return task


@transaction.atomic
def task_comment_add(*, actor, task: Task, text: str) -> TaskComment:
    """A leader's instruction (批示); the task's departments are told."""
    _require(actor, "tasks.comment_task")
    if not text.strip():
        raise ValidationError({"text": _("Write the instruction.")})
    comment = TaskComment.objects.create(task=task, author=actor, text=text.strip())
    audit_record(actor=actor, action="task.comment", obj=task, after={"text": comment.text})
    department_ids = task.assignments.values_list("department_id", flat=True)
    _notify(department_users(department_ids, perms.DEPARTMENT_OFFICER),
            _("Instruction on %(task)s") % {"task": task.title}, comment.text, link=_task_link(task), level="warning")
    return comment


@transaction.atomic
def indicator_value_report(*, actor, indicator: Indicator, period: datetime.date, value, note: str = "") -> IndicatorValue:
    """The responsible department reports an indicator's value for a period (replacing an earlier
    value for the same period)."""
    _require(actor, "tasks.report_progress")
    if actor.department_id != indicator.department_id:
        raise PermissionDenied(_("Only %(department)s reports this indicator.") % {"department": indicator.department})
    period = period_start(period, indicator.plan.cadence)
    existing = IndicatorValue.objects.filter(indicator=indicator, period=period).first()
    before = {"value": str(existing.value)} if existing else None
    item, _created = IndicatorValue.objects.update_or_create(
        indicator=indicator, period=period, defaults={"value": value, "note": note, "reported_by": actor})
    audit_record(actor=actor, action="indicator.value", obj=indicator, before=before,
                 after={"period": period.isoformat(), "value": str(value)})
    return item


