"""FAQs, downtime period notices, and charge point and EVSE downtime periods
(``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import content
from .declaration import LAST_UPDATED_AT, Example, IdOf, Key, Kind, Output, Ref, Section

FAQ = Kind(
    name="Faq",
    model=content.Faq,
    doc="A question drivers ask, with its answer, shown in the app.",
    collection="/faqs/v2.0",
    keys=(Key(("question",)),),
    section=Section("faqs", "FAQ"),
    example=Example(
        "how-to-pay",
        {"question": "How do I pay?", "answer": "With the app, or a card at the charger."},
    ),
)

DOWNTIME_PERIOD_NOTICE = Kind(
    name="DowntimePeriodNotice",
    model=content.DowntimePeriodNotice,
    doc="A reason for downtime that downtime periods cite (an exempt one excludes the period"
    " from uptime).",
    collection="/downtime-period-notices/v1.0",
    keys=(Key(("notice",)),),
    outputs={"last_updated_at": LAST_UPDATED_AT},
    quirks=("The tenant refuses to delete a notice that a downtime period cites (D39).",),
    section=Section("downtime_period_notices", "downtime period notice"),
    example=Example(
        "grid-works",
        {
            "type": "exempt",
            "notice": "Grid works",
            "description": "The grid operator replaces a cable",
        },
    ),
)

_PERIOD_OUTPUTS = {
    "type": Output("type", str, "the notice's type (`exempt`)"),
    "entry_mode": Output("entryMode", str, "`manual` for periods entered through the API"),
    "last_updated_at": LAST_UPDATED_AT,
}
_PERIOD_QUIRKS = (
    "Only an `exempt` notice may be cited; times are compared as instants, shown in UTC (D38).",
)

CHARGE_POINT_DOWNTIME_PERIOD = Kind(
    name="ChargePointDowntimePeriod",
    model=content.ChargePointDowntimePeriod,
    doc="A time a charge point was down for a reason the operator is exempt from.",
    collection="/charge-point-downtime-periods/v1.0",
    keys=(Key(("started_at",), {"chargePointId": "charge_point_id"}, within=("charge_point_id",)),),
    outputs=_PERIOD_OUTPUTS,
    quirks=_PERIOD_QUIRKS,
    section=Section(
        "charge_point_downtime_periods",
        "charge point downtime period",
        refs=(Ref("notice", "notice_id", "downtime_period_notices"),),
    ),
    example=Example(
        "depot-north-1-grid-works",
        {
            "charge_point_id": IdOf("ChargePoint"),
            "notice_id": IdOf("DowntimePeriodNotice"),
            "started_at": "2026-03-01T08:00:00Z",
            "ended_at": "2026-03-01T12:00:00Z",
        },
    ),
)

EVSE_DOWNTIME_PERIOD = Kind(
    name="EvseDowntimePeriod",
    model=content.EvseDowntimePeriod,
    doc="A time an EVSE was down for a reason the operator is exempt from.",
    collection="/evse-downtime-periods/v1.0",
    keys=(Key(("started_at",), {"evseId": "evse_id"}, within=("evse_id",)),),
    outputs=_PERIOD_OUTPUTS,
    quirks=_PERIOD_QUIRKS,
    section=Section(
        "evse_downtime_periods",
        "EVSE downtime period",
        refs=(Ref("notice", "notice_id", "downtime_period_notices"),),
    ),
    example=Example(
        "depot-north-1-1-grid-works",
        {
            "evse_id": IdOf("Evse"),
            "notice_id": IdOf("DowntimePeriodNotice"),
            "started_at": "2026-05-01T08:00:00+02:00",
            "ended_at": "2026-05-01T10:00:00+02:00",
        },
    ),
)

KINDS = (FAQ, DOWNTIME_PERIOD_NOTICE, CHARGE_POINT_DOWNTIME_PERIOD, EVSE_DOWNTIME_PERIOD)
