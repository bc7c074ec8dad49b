"""Pages of the controls feature: the control lists with their entries and measures (一品一策), and the
controlled-enterprise list (一名单) with its basis and recomputation. Thin: rules in services."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.choices import Activity
from portal import permissions as perms
from portal.views import flash_errors, module_required, paginate_light, permission_required

from . import selectors, services
from .choices import EnterpriseStatus
from .models import ControlList


@module_required("controls")
def index(request):
    return render(request, "controls/index.html", {"lists": selectors.list_list(user=request.user)})


@module_required("controls")
def list_detail(request, pk):
    clist, entries = selectors.list_detail(user=request.user, pk=pk)
    return render(request, "controls/list_detail.html", {"clist": clist, "entries": entries})


@module_required("controls")
def controlled_list(request, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)
    page = paginate_light(request, selectors.controlled_list(user=request.user, clist=clist, filters=request.GET))
    activities = dict(Activity.choices)
    for item in page:
        for basis in (item.basis or {}).get("entries", []):
            basis["activity_label"] = activities.get(basis.get("activity"), basis.get("activity"))
    return render(request, "controls/controlled_list.html", {
        "clist": clist, "page": page, "filters": request.GET.dict(), "status_choices": EnterpriseStatus.choices,
        "entry_names": selectors.entry_names(clist),
        "can_derive": perms.can(request.user, "controls.manage_controlledenterprise")})


@permission_required("controls.manage_controlledenterprise")
@require_POST
def controlled_derive(request, pk):
    clist = get_object_or_404(ControlList.objects.visible_to(request.user), pk=pk)
    try:
        result = services.controlled_enterprises_derive(actor=request.user, clist=clist)
    except (PermissionDenied, ValidationError) as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Recomputed: %(listed)d enterprises on the list, %(new)d new, %(dropped)d no "
                                    "longer supported by any survey line.") % result)
    return redirect("controls:controlled_list", pk=clist.pk)
