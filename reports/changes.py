"""What changed since the previous portfolio report: a small summary stored with each report, and the difference.

Pure: plain dicts in, plain dicts out. ``reports.services.report_portfolio`` stores ``summary(snapshot)`` on the
Report and compares it with the newest earlier report for the same filters.
"""

CHANGES_SHOWN = 8
COUNTS = {
    "at_risk": "At risk",
    "attention": "Needs attention",
    "on_track": "On track",
    "blocked": "Blocked at their next gate",
    "overdue": "Overdue re-assessments",
    "with_gap": "Claimed above verified",
}


def summary(snapshot) -> dict:
    return {
        "as_of": snapshot.as_of,
        "counts": {key: snapshot.counts.get(key, 0) for key in COUNTS},
        "projects": {
            p["slug"]: {"name": p["name"], "status": p["status_label"], "verified_level": p["verified_level"]}
            for p in snapshot.projects
        },
    }


def _level(value):
    return "none" if value is None else str(value)


def since(previous: dict | None, current: dict) -> dict:
    """``{"since": date or None, "lines": [sentence], "more": int}``; no previous report says so."""
    if not previous:
        return {"since": None, "lines": [], "more": 0}
    lines = []
    for key, label in COUNTS.items():
        before, after = previous.get("counts", {}).get(key, 0), current["counts"][key]
        if before != after:
            lines.append(f"{label}: {before} → {after}.")
    old, new = previous.get("projects", {}), current["projects"]
    for slug in sorted(set(new) - set(old), key=lambda s: new[s]["name"]):
        lines.append(f"New: {new[slug]['name']} ({new[slug]['status']}).")
    for slug in sorted(set(old) - set(new), key=lambda s: old[s]["name"]):
        lines.append(f"No longer listed: {old[slug]['name']}.")
    for slug in sorted(set(old) & set(new), key=lambda s: new[s]["name"]):
        a, b = old[slug], new[slug]
        if a["verified_level"] != b["verified_level"]:
            lines.append(f"{b['name']}: verified level {_level(a['verified_level'])} → {_level(b['verified_level'])}.")
        elif a["status"] != b["status"]:
            lines.append(f"{b['name']}: {a['status']} → {b['status']}.")
    return {
        "since": previous.get("as_of"),
        "lines": lines[:CHANGES_SHOWN] or ["No change in status, verified levels or counts."],
        "more": max(len(lines) - CHANGES_SHOWN, 0),
    }
