"""``ampeco-iac export``: an existing tenant as a tenant document or a Python program.

:mod:`.snapshot` reads the tenant (listings only), :mod:`.document` turns it into a document
that adopts every object by id, :mod:`.yaml_text` and :mod:`.program` write it out, and
:mod:`.commands` is the command line.
"""
