"""Numbers as the dashboard shows them: unit and currency always, "—" when unknown."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def money(value, currency=""):
    if value is None:
        return "—"
    sign = "−" if value < 0 else ""
    return f"{sign}{currency} {abs(value):,.2f}".strip()


@register.filter
def pct(value, digits=1):
    if value is None:
        return "—"
    return f"{value * 100:.{int(digits)}f}%"


@register.filter
def change(value):
    """A period-over-period change, marked up or down; "—" when there is no base."""
    if value is None:
        return format_html('<span class="change none" title="{}">—</span>', "nothing to compare")
    kind = "up" if value > 0 else "down" if value < 0 else "flat"
    arrow = {"up": "▲", "down": "▼", "flat": "■"}[kind]
    return format_html(
        '<span class="change {}">{} {}</span>', kind, arrow, f"{abs(value) * 100:.1f}%"
    )


@register.filter
def number(value):
    return "—" if value is None else f"{value:,}"
