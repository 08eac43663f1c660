"""Customer accounts: which account proved it holds which e-mail address.

An account is Django's own User with the (lower-cased) e-mail address as its username,
inactive until the address is confirmed. A VerifiedEmail row is that confirmation: it is
what lets an account claim the guest orders placed with the address, and its unique
address is the database's guarantee that no second account ever can.
"""

from django.conf import settings
from django.db import models


class VerifiedEmail(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_email"
    )
    # Stored lower-cased (accounts.services.normalise_email); unique across all accounts.
    email = models.EmailField(unique=True)
    verified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "verified e-mail address"

    def __str__(self) -> str:
        return self.email
