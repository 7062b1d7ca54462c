"""ID tags (``D<n>``: ``docs/decisions.md``)."""

from __future__ import annotations

from ..models import access
from .declaration import CREATED_AT, LAST_UPDATED_AT, Example, IdOf, Key, Kind, Ref, Section

ID_TAG = Kind(
    name="IdTag",
    model=access.IdTag,
    doc="An RFID card or a vehicle's MAC address that starts charging.",
    collection="/id-tags/v2.0",
    keys=(Key(("id_tag_uid",), {"idTagUid": "id_tag_uid"}),),
    outputs={"created_at": CREATED_AT, "last_updated_at": LAST_UPDATED_AT},
    quirks=("An `id_tag_uid` is unique in the tenant (D39).",),
    section=Section("id_tags", "ID tag", refs=(Ref("partner", "partner_id", "partners"),)),
    example=Example(
        "van-12",
        {
            "id_tag_uid": "04A1B2C3",
            "status": "enabled",
            "type": "rfid",
            "id_label": "Van 12",
            "partner_id": IdOf("Partner"),
        },
    ),
)

KINDS = (ID_TAG,)
