"""Settings come from the environment: checked in fresh processes."""

import base64
import hashlib
import json

from tests.subprocess_django import run_django

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "db": s.DATABASES["default"]["ENGINE"], "db_name": s.DATABASES["default"]["NAME"],
    "db_host": s.DATABASES["default"].get("HOST"),
    "cache": s.CACHES["default"]["BACKEND"], "q_redis": s.Q_CLUSTER.get("redis"),
    "q_orm": s.Q_CLUSTER.get("orm"), "email": s.EMAIL_BACKEND, "email_host": s.EMAIL_HOST,
    "hosts": s.ALLOWED_HOSTS, "secret": s.SECRET_KEY, "field_key": s.FIELD_ENCRYPTION_KEY,
    "crypto_key": s.CRYPTOGRAPHY_KEY.hex(), "ssl": s.SECURE_SSL_REDIRECT, "debug": s.DEBUG,
}))
"""


def derived(key: str) -> str:
    """django-cryptography's key derivation (django_cryptography/conf.py)."""
    return hashlib.pbkdf2_hmac("sha256", key.encode(), b"django-cryptography", 30000, 32).hex()


def run(code, env, tmp_path):
    return run_django(["-c", code], {"VAR_DIR": str(tmp_path / "var"), **env})


def probe(env, tmp_path):
    out = run(PROBE, env, tmp_path)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_quick_start_defaults(tmp_path):
    got = probe({}, tmp_path)
    assert got["db"] == "django.db.backends.sqlite3"
    assert got["db_name"] == str(tmp_path / "var" / "db.sqlite3")
    assert got["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert got["q_orm"] == "default" and got["q_redis"] is None
    assert got["email"] == "django.core.mail.backends.console.EmailBackend"
    assert got["debug"] is False and got["ssl"] is False
    # Keys are generated once into var/ and kept: the same on the next start.
    assert len(got["secret"]) >= 50 and got["secret"] != got["field_key"]
    assert got["crypto_key"] == derived(got["field_key"])
    assert probe({}, tmp_path)["secret"] == got["secret"]
    assert (tmp_path / "var" / "field_encryption_key").stat().st_mode & 0o077 == 0


def test_production_switches_by_env_alone(tmp_path):
    got = probe(
        {
            "DATABASE_URL": "postgres://hub:pw@db.internal:5432/sellerhub",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.com:587",
            "SECRET_KEY": "s" * 60,
            "FIELD_ENCRYPTION_KEY": "f" * 60,
            "ALLOWED_HOSTS": "hub.example.com,www.hub.example.com",
            "HTTPS": "true",
        },
        tmp_path,
    )
    assert got["db"] == "django.db.backends.postgresql"
    assert (got["db_name"], got["db_host"]) == ("sellerhub", "db.internal")
    assert got["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert got["q_redis"] == "redis://cache.internal:6379/0" and got["q_orm"] is None
    assert got["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert got["email_host"] == "smtp.example.com"
    assert got["hosts"] == ["hub.example.com", "www.hub.example.com"]
    assert got["secret"] == "s" * 60 and got["field_key"] == "f" * 60
    # Encrypted fields never use SECRET_KEY: rotating it keeps them readable.
    assert got["crypto_key"] == derived("f" * 60)
    assert got["ssl"] is True
    assert not (tmp_path / "var" / "secret_key").exists()


ENCRYPT_ROUNDTRIP = """
import base64, django, sys
django.setup()
from django.db import connection, models
from accounts.crypto import encrypted
field = encrypted(models.TextField())
if sys.argv[1] == "encrypt":
    stored = bytes(field.get_db_prep_value("Atzr|refresh-token", connection))
    print(base64.b64encode(stored).decode())
else:
    print(field.from_db_value(base64.b64decode(sys.argv[2]), None, None))
"""


def test_rotating_secret_key_keeps_encrypted_fields_readable(tmp_path):
    def call(args, secret, field_key="field-key-" + "k" * 40):
        keys = {"SECRET_KEY": secret, "FIELD_ENCRYPTION_KEY": field_key}
        out = run_django(["-c", ENCRYPT_ROUNDTRIP, *args], {"VAR_DIR": str(tmp_path), **keys})
        return out.returncode, out.stdout.strip(), out.stderr

    code, stored, err = call(["encrypt"], "first-secret-key-" + "a" * 40)
    assert code == 0, err
    assert "refresh-token" not in base64.b64decode(stored).decode("latin-1")
    # A new SECRET_KEY: still readable.
    assert call(["decrypt", stored], "rotated-secret-key-" + "b" * 40)[:2] == (
        0,
        "Atzr|refresh-token",
    )
    # A different FIELD_ENCRYPTION_KEY: refused, never garbage.
    code, _, err = call(["decrypt", stored], "first-secret-key-" + "a" * 40, "other-" + "x" * 40)
    assert code != 0 and "BadSignature" in err


def check_deploy(env, tmp_path):
    args = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return run_django(args, {"VAR_DIR": str(tmp_path / "var"), **env})


PRODUCTION = {
    "SECRET_KEY": "k7#Qm2!vZp9@wLx4$Tn8^Rb3&Yc6*Hd1(Jf5)Gs0-Ue2+Ia7_Wq5%Lm3",
    "FIELD_ENCRYPTION_KEY": "another-long-random-value-for-the-encrypted-fields-1234",
    "ALLOWED_HOSTS": "hub.example.com",
    "HTTPS": "true",
}


def test_check_deploy_is_clean_with_production_env(tmp_path):
    out = check_deploy(PRODUCTION, tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_check_deploy_warns_about_generated_keys(tmp_path):
    out = check_deploy({k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}, tmp_path)
    assert out.returncode != 0
    assert "sellerhub.W001" in out.stderr and "SECRET_KEY is not set" in out.stderr
