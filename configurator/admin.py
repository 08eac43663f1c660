"""Catalogue admin: staff edit the draft; published versions are read-only.

Import, export and publish are thin admin views over configurator.services.
"""

import io
import json
import zipfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from configurator import media
from configurator.interchange.bundles import (
    CATALOGUE_NAME,
    MEDIA_FOLDER,
    ArchiveSource,
    write_archive,
)
from configurator.interchange.images import ImageRefused
from configurator.interchange.validation import CatalogueFormatError, load_catalogue_text
from configurator.models import (
    CatalogueVersion,
    Option,
    OptionGroup,
    PriceRule,
    Product,
    RouteStep,
    Rule,
    StartingPoint,
)
from configurator.rule_text import rule_summary
from configurator.services import (
    CatalogueRejected,
    export_catalogue,
    import_catalogue,
    publish_draft,
    starting_point_problems,
)


def _version_of(obj) -> CatalogueVersion | None:
    if isinstance(obj, CatalogueVersion):
        return obj
    if isinstance(obj, Product):
        return obj.version
    if isinstance(obj, (OptionGroup, Rule, PriceRule, RouteStep, StartingPoint)):
        return obj.product.version
    if isinstance(obj, Option):
        return obj.group.product.version
    return None


class DraftOnlyMixin:
    """Rows of a published version are frozen: view only, for everyone."""

    def has_change_permission(self, request, obj=None):
        version = _version_of(obj)
        if version is not None and not version.is_draft:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        version = _version_of(obj)
        if version is not None and not version.is_draft:
            return False
        return super().has_delete_permission(request, obj)


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="An atelier-catalogue/1 JSON file (at most 10 MB), or an export .zip "
        "(catalogue.json and its pictures under media/)"
    )
    publish = forms.BooleanField(required=False, help_text="Publish it as a new version at once")


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "published_at",
        "published_by",
        "product_count",
        "export_link",
    )
    list_filter = ("status",)
    readonly_fields = ("status", "number", "currency", "published_at", "published_by", "created_at")
    fields = ("status", "number", "currency", "note", "published_at", "published_by", "created_at")
    actions = ["publish"]
    change_list_template = "admin/configurator/catalogueversion/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="products")
    def product_count(self, obj):
        return obj.products.count()

    @admin.display(description="export")
    def export_link(self, obj):
        url = reverse("admin:configurator_catalogueversion_export", args=[obj.pk])
        return format_html('<a href="{}">JSON</a> · <a href="{}?format=zip">ZIP</a>', url, url)

    @admin.action(description="Publish the draft as a new version", permissions=["publish"])
    def publish(self, request, queryset):
        try:
            version = publish_draft(user=request.user)
        except CatalogueRejected as exc:
            for error in exc.errors[:20]:
                self.message_user(request, str(error), messages.ERROR)
            self.message_user(request, "Publishing was refused; nothing changed.", messages.ERROR)
            return
        self.message_user(request, f"Published {version}.", messages.SUCCESS)

    def has_publish_permission(self, request):
        return request.user.has_perm("configurator.change_catalogueversion")

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="configurator_catalogueversion_import",
            ),
            path(
                "<int:pk>/export/",
                self.admin_site.admin_view(self.export_view),
                name="configurator_catalogueversion_export",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not request.user.has_perm("configurator.change_catalogueversion"):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                source = None
                if zipfile.is_zipfile(upload):
                    archive = zipfile.ZipFile(upload)
                    text = archive.read(CATALOGUE_NAME).decode("utf-8")
                    source = ArchiveSource(archive, prefix=f"{MEDIA_FOLDER}/", label=upload.name)
                else:
                    if upload.size > 10_000_000:
                        raise CatalogueFormatError([])
                    upload.seek(0)
                    text = upload.read().decode("utf-8")
                result = import_catalogue(
                    document=load_catalogue_text(text),
                    publish=form.cleaned_data["publish"],
                    user=request.user,
                    media_source=source,
                )
            except UnicodeDecodeError:
                errors = ["the file is not UTF-8 text"]
            except (KeyError, zipfile.BadZipFile):
                errors = [f"the archive has no readable {CATALOGUE_NAME}"]
            except (CatalogueFormatError, CatalogueRejected) as exc:
                errors = [str(e) for e in exc.errors] or ["the file is larger than 10 MB"]
            else:
                self.message_user(
                    request,
                    f"Imported {result.products} products into {result.version}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:configurator_catalogueversion_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a catalogue",
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/configurator/import.html", context)

    def export_view(self, request, pk):
        if not request.user.has_perm("configurator.view_catalogueversion"):
            raise PermissionDenied
        version = CatalogueVersion.objects.filter(pk=pk).first()
        if version is None:
            raise PermissionDenied
        document = export_catalogue(version=version)
        text = json.dumps(document, indent=2, ensure_ascii=False)
        name = "draft" if version.is_draft else f"v{version.number}"
        if request.GET.get("format") == "zip":  # the JSON and its pictures, re-importable
            archive = io.BytesIO()
            write_archive(
                target=archive, catalogue_text=text + "\n", files=media.read_images(document)[0]
            )
            response = HttpResponse(archive.getvalue(), content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="catalogue-{name}.zip"'
            return response
        response = HttpResponse(text, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="catalogue-{name}.json"'
        return response


class RouteStepInline(DraftOnlyMixin, admin.TabularInline):
    model = RouteStep
    extra = 0


class OptionGroupInline(DraftOnlyMixin, admin.TabularInline):
    model = OptionGroup
    extra = 0
    fields = (
        "position",
        "code",
        "name",
        "min",
        "max",
        "default",
        "changes_picture",
        "options_link",
    )
    readonly_fields = ("options_link",)
    show_change_link = True

    @admin.display(description="options")
    def options_link(self, obj):
        if not obj.pk:
            return "-"
        return ", ".join(o.code for o in obj.options.all())


class RuleInline(DraftOnlyMixin, admin.TabularInline):
    model = Rule
    extra = 0
    fields = ("position", "rule_id", "type", "definition", "message", "summary")
    readonly_fields = ("summary",)

    @admin.display(description="reads")
    def summary(self, obj):
        return rule_summary(obj.type, obj.definition) if obj.pk else "-"


class PriceRuleInline(DraftOnlyMixin, admin.TabularInline):
    model = PriceRule
    extra = 0


class PictureUploadForm(forms.ModelForm):
    """A model form with an optional picture upload: checked as an import checks one
    (configurator.media: real content, size limit, safe SVG), stored, and named in the
    row's `image`. `picture_folder` says where in the catalogue's media it goes."""

    upload_image = forms.FileField(
        required=False,
        label="Upload a picture",
        help_text="PNG, JPEG, WebP, GIF or SVG; replaces the image path above",
    )

    def picture_folder(self) -> str:
        raise NotImplementedError

    def clean_upload_image(self):
        upload = self.cleaned_data.get("upload_image")
        if not upload:
            return None
        limit = media.max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size:,} bytes, over the limit of {limit:,}"
            )
        path = media.upload_path(folder=self.picture_folder(), filename=upload.name)
        data = upload.read()
        try:
            media.stage(path=path, data=data)
        except ImageRefused as exc:
            raise forms.ValidationError(f"{upload.name}: {exc.message}") from exc
        return path, data

    def save(self, commit=True):
        checked = self.cleaned_data.get("upload_image")
        if checked:
            path, data = checked
            media.store_upload(path=path, data=data)
            self.instance.image = path
        return super().save(commit=commit)


class ProductForm(PictureUploadForm):
    class Meta:
        model = Product
        fields = (
            "version",
            "code",
            "name",
            "description",
            "image",
            "image_alt",
            "base_price",
            "position",
        )

    def picture_folder(self) -> str:
        return f"products/{self.cleaned_data.get('code') or self.instance.code or 'product'}"


class OptionForm(PictureUploadForm):
    class Meta:
        model = Option
        fields = (
            "group",
            "code",
            "name",
            "description",
            "image",
            "image_alt",
            "price",
            "bom",
            "attributes",
            "extra_minutes",
            "position",
        )

    def picture_folder(self) -> str:
        group = self.cleaned_data.get("group") or getattr(self.instance, "group", None)
        where = f"{group.product.code}/{group.code}" if group else "options"
        return f"options/{where}"


class StartingPointForm(forms.ModelForm):
    """A starting point must be a complete valid configuration of its product: checked
    with the engine against the draft's rules on save (publishing checks them all again)."""

    class Meta:
        model = StartingPoint
        fields = ("product", "position", "code", "name", "description", "selections")

    def clean(self):
        data = super().clean()
        product = data.get("product") or getattr(self.instance, "product", None)
        if isinstance(product, Product) and product.pk and "selections" in data:
            for problem in starting_point_problems(product=product, selections=data["selections"]):
                self.add_error("selections", problem)
        return data


class StartingPointInline(DraftOnlyMixin, admin.StackedInline):
    model = StartingPoint
    form = StartingPointForm
    extra = 0
    fields = ("position", "code", "name", "description", "selections")


@admin.register(StartingPoint)
class StartingPointAdmin(DraftOnlyMixin, admin.ModelAdmin):
    form = StartingPointForm
    list_display = ("code", "name", "product", "product_version")
    list_filter = ("product__version", "product__code")
    search_fields = ("code", "name", "description")
    list_select_related = ("product__version",)

    @admin.display(description="version")
    def product_version(self, obj):
        return obj.product.version

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "product":
            kwargs["queryset"] = Product.objects.filter(version__status="draft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Product)
class ProductAdmin(DraftOnlyMixin, admin.ModelAdmin):
    form = ProductForm
    list_display = ("code", "name", "version", "base_price", "group_count")
    list_filter = ("version",)
    search_fields = ("code", "name", "description")
    inlines = [
        RouteStepInline,
        OptionGroupInline,
        RuleInline,
        PriceRuleInline,
        StartingPointInline,
    ]
    list_select_related = ("version",)

    @admin.display(description="groups")
    def group_count(self, obj):
        return obj.groups.count()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = CatalogueVersion.objects.filter(status="draft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OptionInline(DraftOnlyMixin, admin.TabularInline):
    model = Option
    form = OptionForm
    extra = 0
    fields = (
        "position",
        "code",
        "name",
        "price",
        "bom",
        "attributes",
        "extra_minutes",
        "image",
        "image_alt",
        "upload_image",
        "specs",
    )
    show_change_link = True


@admin.register(Option)
class OptionAdmin(DraftOnlyMixin, admin.ModelAdmin):
    form = OptionForm
    list_display = ("code", "name", "group", "price", "image")
    list_filter = ("group__product__version", "group__product__code")
    search_fields = ("code", "name")
    list_select_related = ("group__product__version",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            kwargs["queryset"] = OptionGroup.objects.filter(product__version__status="draft")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(OptionGroup)
class OptionGroupAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "product", "min", "max")
    list_filter = ("product__version", "product__code")
    search_fields = ("code", "name", "options__code", "options__name")
    inlines = [OptionInline]
    list_select_related = ("product__version",)


@admin.register(Rule)
class RuleAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ("rule_id", "type", "product", "summary", "message")
    list_filter = ("type", "product__version", "product__code")
    search_fields = ("rule_id", "message")
    list_select_related = ("product__version",)

    @admin.display(description="reads")
    def summary(self, obj):
        return rule_summary(obj.type, obj.definition)


@admin.register(PriceRule)
class PriceRuleAdmin(DraftOnlyMixin, admin.ModelAdmin):
    list_display = ("rule_id", "label", "amount", "product", "summary")
    list_filter = ("product__version", "product__code")
    search_fields = ("rule_id", "label")
    list_select_related = ("product__version",)

    @admin.display(description="reads")
    def summary(self, obj):
        return f"{' and '.join(obj.when)} → {obj.amount}"
