"""Pages of the tasks feature: plans and their import, tasks with colours, progress and its review,
extensions, closure, instructions, 催报, indicators. Thin: rules in services, reads in selectors."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions as perms
from portal.models import Department
from portal.views import error_messages, flash_errors, module_required, paginate, permission_required

from . import selectors, services
from .choices import AlertColour, TaskStatus
from .forms import (
    CloseForm,
    CommentForm,
    DecisionForm,
    ExtensionForm,
    IndicatorValueForm,
    MapNameForm,
    PlanImportForm,
    ProgressReportForm,
    ReviewForm,
    TaskEditForm,
)
from .models import Evidence, ExtensionRequest, ProgressReport, Task


def _flash_form_errors(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


# ---------------------------------------------------------------- tasks

@module_required("tasks")
def index(request):
    filters = request.GET.dict()
    page = paginate(request, selectors.task_list(user=request.user, filters=filters))
    return render(request, "tasks/task_list.html", {
        "page": page, "filters": filters, "alert_choices": AlertColour.choices[1:],
        "status_choices": TaskStatus.choices, "plans": selectors.plan_list(user=request.user),
    })


@module_required("tasks")
def task_detail(request, pk):
    task = selectors.task_detail(user=request.user, pk=pk)
    mine = next((a for a in task.assignments.all() if a.department_id and a.department_id == request.user.department_id),
                None)
    return render(request, "tasks/task_detail.html", {
        "task": task, "mine": mine, "reports": selectors.task_reports(task=task),
        "report_form": ProgressReportForm(), "extension_form": ExtensionForm(), "comment_form": CommentForm(),
        "close_form": CloseForm(),
        "can_report": mine is not None and perms.can(request.user, "tasks.report_progress"),
        "can_review": perms.can(request.user, "tasks.review_progress"),
        "can_comment": perms.can(request.user, "tasks.comment_task"),
    })


@permission_required("tasks.report_progress")
@require_POST
def report_submit(request, pk):
    task = selectors.task_detail(user=request.user, pk=pk)
    form = ProgressReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.progress_report_submit(actor=request.user, task=task, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Progress submitted for review."))
    else:
        _flash_form_errors(request, form)
    return redirect("tasks:task_detail", pk=task.pk)


@permission_required("tasks.review_progress")
@require_POST
def report_review(request, pk):
    report = get_object_or_404(ProgressReport.objects.filter(assignment__task__in=Task.objects.visible_to(request.user)),
                               pk=pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.progress_report_review(actor=request.user, report=report,
                                            accept=form.cleaned_data["decision"] == "accept",
                                            reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Review saved."))
    if request.POST.get("next") == "queue":
        return redirect("tasks:review_queue")
    return redirect("tasks:task_detail", pk=report.assignment.task_id)


@permission_required("tasks.report_progress")
@require_POST
def extension_request(request, pk):
    task = selectors.task_detail(user=request.user, pk=pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request_create(actor=request.user, task=task, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Extension requested."))
    else:
        _flash_form_errors(request, form)
    return redirect("tasks:task_detail", pk=task.pk)


@permission_required("tasks.review_progress")
@require_POST
def extension_decide(request, pk):
    ext = get_object_or_404(ExtensionRequest.objects.filter(task__in=Task.objects.visible_to(request.user)), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request_decide(actor=request.user, request=ext,
                                              approve=form.cleaned_data["decision"] == "approve",
                                              note=form.cleaned_data["note"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Decision saved."))
    return redirect("tasks:task_detail", pk=ext.task_id)


@permission_required("tasks.review_progress")
@require_POST
def task_close(request, pk):
    task = selectors.task_detail(user=request.user, pk=pk)
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        services.task_close(actor=request.user, task=task, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The task is closed."))
    return redirect("tasks:task_detail", pk=task.pk)


@permission_required("tasks.comment_task")
@require_POST
def task_comment(request, pk):
    task = selectors.task_detail(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.task_comment_add(actor=request.user, task=task, text=form.cleaned_data["text"])
        messages.success(request, _("Instruction saved; the departments have been told."))
    return redirect("tasks:task_detail", pk=task.pk)


@module_required("tasks")
def evidence_download(request, pk):
    evidence = get_object_or_404(
        Evidence.objects.filter(report__assignment__task__in=Task.objects.visible_to(request.user)), pk=pk)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
                        content_type=evidence.content_type)


# ---------------------------------------------------------------- plans

@module_required("tasks")
def plan_list(request):
    return render(request, "tasks/plan_list.html", {
        "plans": selectors.plan_list(user=request.user),
        "can_import": perms.can(request.user, "tasks.import_plan"),
    })


@permission_required("tasks.import_plan")
def plan_import(request):
    from . import parser

    form = PlanImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            if upload:
                text = parser.read_plan_file(upload.read(), upload.name)
                name = upload.name
            else:
                text, name = form.cleaned_data["text"], ""
            result = services.plan_import(actor=request.user, text=text, source_name=name)
        except parser.PlanParseError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for message in error_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Plan read: %(n)d tasks. Check them against the text, then publish.")
                             % {"n": result.plan.tasks.count()})
            return redirect("tasks:plan_detail", pk=result.plan.pk)
    return render(request, "tasks/plan_import.html", {"form": form})


def _plan_departments(plan):
    return Department.objects.filter(is_active=True, region__path__startswith=plan.region.path).select_related("region")


@module_required("tasks")
def plan_detail(request, pk):
    plan = selectors.plan_detail(user=request.user, pk=pk)
    departments = _plan_departments(plan)
    unmatched = selectors.plan_unmatched_names(plan=plan)
    tasks = list(selectors.plan_tasks(plan=plan, user=request.user))
    by_order = {t.order: t for t in tasks}
    outline = [dict(row, task_pk=by_order[row["task"]].pk if row["task"] in by_order else None)
               for row in plan.outline if row["task"] is None or row["task"] in by_order]
    return render(request, "tasks/plan_detail.html", {
        "plan": plan, "tasks": tasks, "outline": outline, "paragraphs": plan.paragraphs.all(),
        "unmatched": [(name, MapNameForm(initial={"written_name": name}, departments=departments)) for name in unmatched],
        "can_edit": plan.status == "draft" and perms.can(request.user, "tasks.import_plan"),
        "can_set_cadence": perms.can(request.user, "tasks.import_plan"),
        "cadence_choices": plan._meta.get_field("cadence").choices,
    })


@permission_required("tasks.import_plan")
def plan_task_edit(request, pk):
    task = get_object_or_404(Task.objects.visible_to(request.user, drafts=True).select_related("plan__region"), pk=pk)
    departments = _plan_departments(task.plan)
    assignments = list(task.assignments.all())
    initial = {"label": task.label, "title": task.title, "text": task.text, "deadline": task.deadline,
               "deadline_text": task.deadline_text, "implementers": "\n".join(task.implementers),
               "lead_ids": [a.department_id for a in assignments if a.is_lead and a.department_id],
               "co_ids": [a.department_id for a in assignments if not a.is_lead and a.department_id]}
    form = TaskEditForm(request.POST or None, initial=initial, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.task_update(actor=request.user, task=task, title=data["title"], label=data["label"],
                                 text=data["text"], deadline=data["deadline"], deadline_text=data["deadline_text"],
                                 implementers=[line.strip() for line in data["implementers"].splitlines() if line.strip()],
                                 lead_ids=[d.pk for d in data["lead_ids"]], co_ids=[d.pk for d in data["co_ids"]])
        except ValidationError as exc:
            for message in error_messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Item %(label)s saved.") % {"label": task.label})
            return redirect(f"{reverse('tasks:plan_detail', args=[task.plan_id])}#task-{task.pk}")
    return render(request, "tasks/task_edit.html", {"form": form, "task": task})


@permission_required("tasks.import_plan")
@require_POST
def plan_map_name(request, pk):
    plan = selectors.plan_detail(user=request.user, pk=pk)
    form = MapNameForm(request.POST, departments=_plan_departments(plan))
    if form.is_valid():
        try:
            filled = services.plan_map_name(actor=request.user, plan=plan, written_name=form.cleaned_data["written_name"],
                                            department=form.cleaned_data["department"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("“%(name)s” is %(department)s (%(n)d items); remembered for later plans.")
                             % {"name": form.cleaned_data["written_name"], "department": form.cleaned_data["department"],
                                "n": filled})
    return redirect("tasks:plan_detail", pk=plan.pk)


@permission_required("tasks.import_plan")
@require_POST
def plan_cadence(request, pk):
    from .forms import CadenceForm

    plan = selectors.plan_detail(user=request.user, pk=pk)
    form = CadenceForm(request.POST)
    if form.is_valid():
        services.plan_cadence_set(actor=request.user, plan=plan, **form.cleaned_data)
        messages.success(request, _("Reporting cadence saved."))
    else:
        _flash_form_errors(request, form)
    return redirect("tasks:plan_detail", pk=plan.pk)


@permission_required("tasks.import_plan")
@require_POST
def plan_publish(request, pk):
    plan = selectors.plan_detail(user=request.user, pk=pk)
    try:
        services.plan_publish(actor=request.user, plan=plan)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Published. Every responsible department has been notified."))
    return redirect("tasks:plan_detail", pk=plan.pk)


# ---------------------------------------------------------------- supervision

@permission_required("tasks.review_progress")
def review_queue(request):
    return render(request, "tasks/review_queue.html", {
        "reports": selectors.reports_to_review(user=request.user),
        "extensions": selectors.extensions_pending(user=request.user),
    })


@module_required("tasks")
def chase(request):
    return render(request, "tasks/chase.html", {"plans": selectors.chase_list(user=request.user)})


@module_required("tasks")
def indicator_list(request):
    return render(request, "tasks/indicator_list.html", {
        "indicators": selectors.indicator_list(user=request.user), "form": IndicatorValueForm(),
    })


@permission_required("tasks.report_progress")
@require_POST
def indicator_report(request, pk):
    indicator = get_object_or_404(selectors.indicator_list(user=request.user), pk=pk)
    form = IndicatorValueForm(request.POST)
    if form.is_valid():
        try:
            services.indicator_value_report(actor=request.user, indicator=indicator, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        messages.success(request, _("Value saved."))
    else:
        _flash_form_errors(request, form)
    return redirect("tasks:indicator_list")


# ---------------------------------------------------------------- PDF progress reports

@module_required("tasks")
def document_list(request):
    from .forms import DocumentRequestForm

    return render(request, "tasks/document_list.html", {
        "documents": selectors.document_list(user=request.user),
        "form": DocumentRequestForm(plans=selectors.plan_list(user=request.user).filter(status="published")),
    })


@module_required("tasks")
@require_POST
def document_request(request):
    from .documents import report_document_request
    from .forms import DocumentRequestForm

    form = DocumentRequestForm(request.POST, plans=selectors.plan_list(user=request.user).filter(status="published"))
    if form.is_valid():
        try:
            report_document_request(actor=request.user, plan=form.cleaned_data["plan"], period=form.cleaned_data["period"])
        except PermissionDenied as exc:
            raise Http404 from exc
        messages.success(request, _("The report is being generated; it appears below when ready."))
    else:
        _flash_form_errors(request, form)
    return redirect("tasks:document_list")


@module_required("tasks")
@require_POST
def document_retry(request, pk):
    from .documents import report_document_retry

    document = get_object_or_404(selectors.document_list(user=request.user), pk=pk)
    try:
        report_document_retry(actor=request.user, document=document)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.info(request, _("The report is being generated again."))
    return redirect("tasks:document_list")


@module_required("tasks")
def document_status(request, pk):
    """htmx: the row of one document, polled while it is being generated."""
    document = get_object_or_404(selectors.document_list(user=request.user), pk=pk)
    return render(request, "tasks/partials/_document_row.html", {"d": document})


@module_required("tasks")
def document_download(request, pk):
    document = get_object_or_404(selectors.document_list(user=request.user).filter(status="done"), pk=pk)
    return FileResponse(document.file.open("rb"), as_attachment=True,
                        filename=f"{document.plan.title}-{document.period:%Y年%m月}进展报告.pdf",
                        content_type="application/pdf")
