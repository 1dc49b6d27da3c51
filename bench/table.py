from dataclasses import dataclass


@dataclass
class Row:
    """One figure: ``value`` in ``unit``, and ``ratio`` = value / baseline measured in the same run."""

    benchmark: str
    measure: str
    value: float | None
    unit: str
    ratio: float | None = None
    baseline: str = ""


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"


def print_table(rows):
    header = ("benchmark", "measure", "value", "unit", "ratio", "baseline (same run)")
    body = [
        (r.benchmark, r.measure, _fmt(r.value), r.unit, "-" if r.ratio is None else f"{r.ratio:.2f}x", r.baseline)
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in body:
        print(line.format(*row))
