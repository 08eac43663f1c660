from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.shortcuts import redirect

from production import services
from production.models import (
    BatchRun,
    CapacityDay,
    Component,
    Holiday,
    PlanEntry,
    ReplanRun,
    Reservation,
    StandardProduct,
    SupplyBatch,
    WorkCentre,
)


class SupplyBatchInline(admin.TabularInline):
    """Suppliers' batches: staff enter and correct them."""

    model = SupplyBatch
    extra = 0
    fields = ("quantity", "available_on", "reserved")
    readonly_fields = ("reserved",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(batch_run__isnull=True)


class RunOutputInline(admin.TabularInline):
    """Batch runs' output to come: the run owns it (finishing the run makes it stock)."""

    model = SupplyBatch
    verbose_name = "output of a planned batch run"
    verbose_name_plural = "output of planned batch runs"
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = ("batch_run", "quantity", "available_on", "reserved")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(batch_run__isnull=False)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "stock", "reserved", "free")
    search_fields = ("sku", "name")
    readonly_fields = ("reserved",)
    inlines = [SupplyBatchInline, RunOutputInline]


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(WorkCentre)
class WorkCentreAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "plan", "minutes_per_day", "workdays")
    list_filter = ("plan",)
    search_fields = ("code", "name")
    inlines = [HolidayInline]


@admin.register(StandardProduct)
class StandardProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "product_code", "price", "stock")
    list_filter = ("product_code",)
    search_fields = ("sku", "product_code")


# --- The plans: written by production.services only; the admin reads and calls them -----


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CapacityDayForm(forms.ModelForm):
    class Meta:
        model = CapacityDay
        fields = ("capacity_minutes",)

    def clean_capacity_minutes(self):
        minutes = self.cleaned_data["capacity_minutes"]
        if minutes < self.instance.booked_minutes:
            raise forms.ValidationError(
                f"{self.instance.booked_minutes} minutes are booked on this day already."
            )
        return minutes


@admin.register(CapacityDay)
class CapacityDayAdmin(admin.ModelAdmin):
    """Capacity of a booked day may be changed (overtime, a breakdown), never below what
    is booked; the planner honours it from then on."""

    form = CapacityDayForm
    list_display = ("work_centre", "day", "capacity_minutes", "booked_minutes", "free_minutes")
    list_filter = ("work_centre__plan", "work_centre")
    date_hierarchy = "day"
    fields = ("work_centre", "day", "capacity_minutes", "booked_minutes")
    readonly_fields = ("work_centre", "day", "booked_minutes")
    list_select_related = ("work_centre",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            services.set_day_capacity(capacity_day_id=obj.pk, minutes=obj.capacity_minutes)
        except services.CapacityBelowBooked as exc:
            messages.error(request, exc.detail)


@admin.register(PlanEntry)
class PlanEntryAdmin(ReadOnlyAdmin):
    list_display = ("order", "work_centre", "day", "minutes", "start", "end", "op_index")
    list_filter = ("work_centre",)
    date_hierarchy = "day"
    search_fields = ("=order__id",)
    list_select_related = ("work_centre", "order")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ("order", "batch_run", "component", "quantity", "supply_batch")
    list_filter = ("component",)
    search_fields = ("=order__id", "=batch_run__id", "component__sku")
    list_select_related = ("order", "batch_run", "component", "supply_batch")


class BatchRunForm(forms.ModelForm):
    earliest = forms.DateField(required=False, help_text="First day it may run (default: today)")

    class Meta:
        model = BatchRun
        fields = ("standard_product", "component", "work_centre", "quantity", "minutes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "work_centre" in self.fields:
            self.fields["work_centre"].queryset = WorkCentre.objects.filter(
                plan=WorkCentre.Plan.BATCH
            )

    def clean(self):
        data = super().clean()
        if bool(data.get("standard_product")) == bool(data.get("component")):
            raise forms.ValidationError("Choose either a standard product or a component.")
        return data


# Runs meet the build-to-order plan at component stock, so they wait for its lock; a
# replan holds it for seconds, and a wait past the lock timeout ends here, not in a 500.
PLAN_BUSY = (
    "The production plan is busy (a replan may be running): nothing was changed; try again shortly."
)


@admin.action(description="Finish the selected runs (their quantity joins stock)")
def finish_runs(modeladmin, request, queryset):
    for pk in queryset.filter(status=BatchRun.Status.PLANNED).values_list("pk", flat=True):
        try:
            run = services.finish_batch_run(run_id=pk)
        except services.BatchPlanError as exc:
            modeladmin.message_user(request, exc.detail, level=messages.ERROR)
            continue
        except OperationalError:
            modeladmin.message_user(request, PLAN_BUSY, level=messages.ERROR)
            return
        modeladmin.message_user(
            request, f"Run {run.pk}: {run.quantity} × {run.item_sku} added to stock."
        )


@admin.register(BatchRun)
class BatchRunAdmin(admin.ModelAdmin):
    form = BatchRunForm
    list_display = (
        "pk",
        "item_sku",
        "quantity",
        "work_centre",
        "start_day",
        "end_day",
        "minutes",
        "status",
    )
    list_filter = ("status", "work_centre")
    list_select_related = ("standard_product", "component", "work_centre")
    actions = [finish_runs]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A run the batch plan refuses (no capacity, components short) raises from
        # save_model inside the admin's transaction: show why, back on the empty form.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.BatchPlanError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
            return redirect(request.get_full_path())
        except OperationalError:
            self.message_user(request, PLAN_BUSY, level=messages.ERROR)
            return redirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        item = form.cleaned_data["standard_product"] or form.cleaned_data["component"]
        run = services.plan_batch_run(
            sku=item.sku,
            work_centre=form.cleaned_data["work_centre"].code,
            quantity=form.cleaned_data["quantity"],
            minutes=form.cleaned_data["minutes"],
            earliest=form.cleaned_data.get("earliest"),
        )
        # The service wrote the run; the admin only needs its key to redirect.
        obj.pk, obj.start_day, obj.end_day = run.pk, run.start_day, run.end_day


@admin.register(ReplanRun)
class ReplanRunAdmin(admin.ModelAdmin):
    """ "Add" starts a replan on a worker; its progress updates as it runs."""

    list_display = (
        "pk",
        "status",
        "progress",
        "moved",
        "total_tardiness",
        "max_lateness",
        "requested_by",
        "created_at",
        "finished_at",
    )
    readonly_fields = [f.name for f in ReplanRun._meta.fields]

    @admin.display(description="Progress")
    def progress(self, obj):
        return f"{obj.done}/{obj.total or '?'} ({obj.percent}%)"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        run = services.start_replan(requested_by=request.user.get_username())
        self.message_user(request, f"Replan {run.pk} is {run.get_status_display().lower()}.")
        return redirect("admin:production_replanrun_changelist")
