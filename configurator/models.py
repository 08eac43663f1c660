"""The catalogue in the database: versions, products, option groups, options and rules.

Staff edit the one draft version; publishing freezes it as a numbered, immutable
version whose `document` is the exact `atelier-catalogue/1` export. Orders point at the
version they were configured against, so republishing never changes an order.
Components, work centres and standard products are production master data (they carry
live stock and capacity) and live in `production.models`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class CatalogueVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    currency = models.CharField(max_length=3, default="EUR")
    document = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="draft"), name="one_draft_catalogue"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True)
                | Q(status="published", number__isnull=False, document__isnull=False),
                name="published_version_is_numbered_and_frozen",
            ),
        ]

    def __str__(self) -> str:
        return "Draft" if self.is_draft else f"Version {self.number}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Product(models.Model):
    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="products")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    image = models.CharField(
        max_length=200,
        blank=True,
        help_text="Path in the catalogue's media (products/nb14.svg); upload below to set it",
    )
    image_alt = models.CharField(max_length=300, blank=True, help_text="Text for the picture")
    base_price = models.DecimalField(max_digits=12, decimal_places=2)
    # [[name, value], ...]: a list keeps the spec sheet's order (jsonb would sort an object).
    specs = models.JSONField(default=list, blank=True, help_text='[["Weight", "1.3 kg"], …]')
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="product_code_unique"),
            models.CheckConstraint(condition=Q(base_price__gte=0), name="product_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RouteStep(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="route")
    position = models.PositiveIntegerField(default=0)
    work_centre = models.CharField(max_length=40)
    minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return f"{self.work_centre} {self.minutes} min"


class OptionGroup(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    min = models.PositiveIntegerField(default=1)
    max = models.PositiveIntegerField(default=1)
    default = models.JSONField(default=list, blank=True)
    changes_picture = models.BooleanField(
        default=False, help_text="The picked option's image replaces the product picture"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="group_code_unique"),
            models.CheckConstraint(condition=Q(min__lte=F("max")), name="group_min_lte_max"),
            models.CheckConstraint(condition=Q(max__gte=1), name="group_max_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Option(models.Model):
    group = models.ForeignKey(OptionGroup, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    image = models.CharField(
        max_length=200, blank=True, help_text="Path in the catalogue's media; upload to set it"
    )
    image_alt = models.CharField(max_length=300, blank=True, help_text="Text for the picture")
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    bom = models.JSONField(default=dict, blank=True, help_text='{"SKU": quantity}')
    attributes = models.JSONField(default=dict, blank=True, help_text='{"watts": 45}')
    extra_minutes = models.JSONField(default=dict, blank=True, help_text='{"TEST": 10}')
    specs = models.JSONField(default=list, blank=True, help_text='[["Cores", "14"], …]')
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["group", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "code"], name="option_code_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="option_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.group.code}.{self.code}"


class MediaAsset(models.Model):
    """A picture the catalogue names by `path` (its path in the catalogue's media folder),
    stored through Django's default storage under a content-hashed `stored_name`, with
    smaller WebP copies for `srcset` (`renditions`: {"width": stored name}).

    The original's bytes are kept unchanged, so an export writes back exactly what was
    imported or uploaded. Stored names never change meaning (a new picture under the same
    path gets a new name), which is what lets /media/ answer with a year's max-age."""

    path = models.CharField(max_length=200, unique=True)
    stored_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    renditions = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.path


class Rule(models.Model):
    class Type(models.TextChoices):
        REQUIRES = "requires", "Requires"
        EXCLUDES = "excludes", "Excludes"
        TABLE = "table", "Table"
        SUM = "sum", "Sum"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="rules")
    rule_id = models.CharField("id", max_length=64)
    type = models.CharField(max_length=10, choices=Type.choices)
    message = models.CharField(max_length=500)
    # The type's own fields exactly as in the catalogue format ("if"/"then", "all",
    # "groups"/"allowed", "attribute"/"op"/"limit"/"limit_attribute").
    definition = models.JSONField(default=dict)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "rule_id"], name="rule_id_unique"),
        ]

    def __str__(self) -> str:
        return self.rule_id


class PriceRule(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_rules")
    rule_id = models.CharField("id", max_length=64)
    when = models.JSONField(default=list)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "rule_id"], name="price_rule_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.amount})"


class StartingPoint(models.Model):
    """A named complete configuration a product offers as a one-click start.

    Part of its catalogue version like the product's groups and rules: staff edit the
    draft's (the admin checks each against the draft's rules), publishing checks them all
    again with the engine and freezes them, so the shop only ever shows starting points
    that are valid in the version it shows."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="starting_points")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    selections = models.JSONField(default=dict, help_text='{"group": ["option", …]}')
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "code"], name="starting_point_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CompiledProduct(models.Model):
    """The engine's compiled form of a published product, built once at publish and
    loaded once per process (see selectors.compiled_product)."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="compiled")
    engine_version = models.CharField(max_length=20)
    blob = models.BinaryField()
    configurations = models.TextField(help_text="Exact count of valid configurations")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"compiled {self.product}"


class SavedConfiguration(models.Model):
    """A customer's configuration kept behind a share link (`/c/<token>/`).

    It records the catalogue version it was made against, so reopening it after a new
    version is published can say what changed instead of silently repricing.
    """

    token = models.CharField(max_length=32, unique=True, editable=False)
    product_code = models.CharField(max_length=40)
    catalogue_version = models.ForeignKey(
        CatalogueVersion, on_delete=models.PROTECT, related_name="saved_configurations"
    )
    selections = models.JSONField(help_text='{"group": ["option", …]}')
    # The name: shown on the share page and, for an owned one, in the account's list.
    title = models.CharField(max_length=100, blank=True)
    total = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="Price when saved"
    )
    # The account it was saved from (None: an anonymous share link). Its share link keeps
    # working if the account goes.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="saved_configurations",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="saved_by_owner")]
        constraints = [
            # An account's list shows names: an owned configuration always has one.
            models.CheckConstraint(
                condition=models.Q(owner__isnull=True) | ~models.Q(title=""),
                name="saved_owned_has_name",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.product_code} ({self.token})"
