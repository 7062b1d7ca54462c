"""The tenant of ``tenant.yaml``, with the stack's config filling in its ``${config:…}``."""

from pathlib import Path

import pulumi

from pulumi_ampeco import Tenant

tenant = Tenant("tenant", document=Path(__file__).parent / "tenant.yaml")
pulumi.export("ids", tenant.ids)
