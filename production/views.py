"""Staff pages of the plans: the build-to-order Gantt chart with utilisation, shortages
and orders at risk; the batch plan; starting a replan and watching it. Staff only."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from production import selectors, services
from production.models import ReplanRun

WEEKS = (1, 2, 3, 4, 6, 8)


def _span(request) -> tuple[date, int]:
    try:
        weeks = int(request.GET.get("weeks", 3))
    except ValueError:
        weeks = 3
    weeks = weeks if weeks in WEEKS else 3
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start = timezone.localdate()
    if start > date.max - timedelta(weeks=max(WEEKS)):  # the span would overflow: a 500
        start = timezone.localdate()
    return start, weeks


def _context(request, title: str, start: date, weeks: int, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "start": start,
        "weeks": weeks,
        "week_choices": WEEKS,
        "today": timezone.localdate(),
        **extra,
    }


@staff_member_required
def plan(request):
    start, weeks = _span(request)
    overview = selectors.plan_overview(start=start, days=7 * weeks)
    context = _context(
        request,
        "Build-to-order plan",
        start,
        weeks,
        overview=overview,
        replan=selectors.latest_replan(),
    )
    return render(request, "production/plan.html", context)


@staff_member_required
def batch_plan(request):
    start, weeks = _span(request)
    overview = selectors.batch_plan_overview(start=start, days=7 * weeks)
    return render(
        request,
        "production/batch_plan.html",
        _context(request, "Batch plan", start, weeks, overview=overview),
    )


@staff_member_required
@require_POST
def start_replan(request):
    run = services.start_replan(requested_by=request.user.get_username())
    messages.info(request, f"Replan {run.pk} is {run.get_status_display().lower()}.")
    return redirect("production:plan")


@staff_member_required
def replan_status(request, pk: int):
    """The replan box alone, polled by the plan page while a replan runs."""
    run = get_object_or_404(ReplanRun, pk=pk)
    return render(request, "production/_replan.html", {"replan": run})
