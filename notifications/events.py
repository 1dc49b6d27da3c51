"""The events a person is told about, in the inbox and (as they choose) by e-mail. Plain data, no ORM."""

ASSESSMENT_SUBMITTED = "assessment.submitted"
ASSESSMENT_APPROVED = "assessment.approved"
ASSESSMENT_RETURNED = "assessment.returned"
ASSESSMENT_WITHDRAWN = "assessment.withdrawn"
SECTION_ASSIGNED = "section.assigned"
ASSIGNMENT_DUE = "assignment.due"
ASSIGNMENT_OVERDUE = "assignment.overdue"
REASSESSMENT_DUE = "assessment.expiring"
GATE_VERDICT_CHANGED = "gate.verdict_changed"

# event -> what the preferences page says about it (who gets it is in receivers.py)
EVENTS = {
    ASSESSMENT_SUBMITTED: "An assessment you may review was submitted",
    ASSESSMENT_WITHDRAWN: "A submission you may review was withdrawn",
    ASSESSMENT_APPROVED: "An assessment of your team's project was approved",
    ASSESSMENT_RETURNED: "An assessment of your team's project was returned for changes",
    SECTION_ASSIGNED: "A section or question was assigned to you",
    ASSIGNMENT_DUE: "A part assigned to you is due soon",
    ASSIGNMENT_OVERDUE: "A part assigned to you is overdue",
    REASSESSMENT_DUE: "An approved assessment of your team's project expires or expired (re-assessment due)",
    GATE_VERDICT_CHANGED: "The gate verdict of your team's project changed",
}
EVENT_NAMES = list(EVENTS)
