"""A flat SVG status badge (shields.io style) drawn without any external service, so READMEs can embed it."""

from django.utils.html import escape

COLOURS = {"allowed": "#2da44e", "refused": "#cf222e", "unknown": "#6e7781"}


def _width(text: str) -> int:
    """Approximate width of Verdana 11px text: good enough for a badge, no font metrics needed."""
    return int(sum(7.5 if c.isupper() or c in "mw" else 6.2 for c in text)) + 10


def render(label: str, message: str, status: str) -> str:
    left, right = _width(label), _width(message)
    total = left + right
    colour = COLOURS.get(status, COLOURS["unknown"])
    label_e, message_e = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label_e}: {message_e}"><title>{label_e}: {message_e}</title>'
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2:.1f}" y="14">{label_e}</text>'
        f'<text x="{left + right / 2:.1f}" y="14">{message_e}</text></g></svg>'
    )


def for_verdict(verdict) -> str:
    level = "L?" if verdict.verified_level is None else f"L{verdict.verified_level}"
    status = "allowed" if verdict.allowed else "refused"
    return render("plumbline", f"{level} · production {'ready' if verdict.allowed else 'blocked'}", status)
