from django.contrib import admin

from production.models import Component, Holiday, StandardProduct, SupplyBatch, WorkCentre


class SupplyBatchInline(admin.TabularInline):
    model = SupplyBatch
    extra = 0
    readonly_fields = ("reserved",)


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "stock", "reserved", "free")
    search_fields = ("sku", "name")
    readonly_fields = ("reserved",)
    inlines = [SupplyBatchInline]


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
