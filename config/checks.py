from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def secrets_from_environment(app_configs, **kwargs):
    """In production both keys come from the environment, and differ."""
    problems = []
    for name, from_env in settings.SECRETS_FROM_ENV.items():
        if not from_env:
            problems.append(
                Warning(
                    f"{name} is not set in the environment; a key generated into "
                    f"{settings.VAR_DIR} is in use.",
                    hint=f"Set {name} to a long random value (secrets.token_urlsafe(50)).",
                    id="sellerhub.W001",
                )
            )
    if settings.FIELD_ENCRYPTION_KEY == settings.SECRET_KEY:
        problems.append(
            Warning(
                "FIELD_ENCRYPTION_KEY equals SECRET_KEY: rotating one would break the other.",
                id="sellerhub.W002",
            )
        )
    if settings.DEBUG:
        problems.append(Warning("DEBUG is on.", id="sellerhub.W003"))
    return problems
