from django import template

from registry.choices import Stage

register = template.Library()


@register.filter
def stage_label(value):
    try:
        return Stage(value).label
    except ValueError:
        return value
