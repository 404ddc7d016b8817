"""Encrypted model fields keyed by FIELD_ENCRYPTION_KEY alone.

django-cryptography encrypts with CRYPTOGRAPHY_KEY (set from
FIELD_ENCRYPTION_KEY in settings) but, by default, signs the ciphertext with
SECRET_KEY (`FernetSigner()` in django_cryptography/core/signing.py). Rotating
SECRET_KEY would then make every stored credential unreadable. Fields made by
`encrypted()` sign with FIELD_ENCRYPTION_KEY too, so the two keys are
independent. Use it for every secret (refresh tokens, client secrets).
"""

from django.conf import settings
from django_cryptography.core.signing import FernetSigner
from django_cryptography.fields import encrypt
from django_cryptography.utils.crypto import FernetBytes


def encrypted(base_field):
    """`encrypted(models.TextField(blank=True))` → an encrypted TextField."""
    field = encrypt(base_field)
    field._fernet = FernetBytes(
        settings.CRYPTOGRAPHY_KEY, signer=FernetSigner(key=settings.FIELD_ENCRYPTION_KEY)
    )
    return field
