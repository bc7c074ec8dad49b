from django.shortcuts import render

from portal.views import module_required


@module_required("tasks")
def index(request):
    return render(request, "tasks/index.html")
