"""The ``entityInformation`` family: entity capabilities, field and UDF definitions."""

from __future__ import annotations

from typing import Any

from autotask_fn.testing.autotask import picklists as pl
from autotask_fn.testing.autotask.schema import ENTITIES, EntitySpec


def entity_information(spec: EntitySpec) -> dict[str, Any]:
    """``GET E/entityInformation`` -> ``{"info": {...}}``."""

    def access(allowed: bool) -> str:
        return "All" if allowed else "None"

    return {
        "info": {
            "name": spec.entity_type or spec.name,
            "canCreate": spec.can_create,
            "canDelete": spec.can_delete,
            "canQuery": True,
            "canUpdate": spec.can_update,
            "hasUserDefinedFields": spec.has_udfs,
            "supportsWebhookCallouts": spec.supports_webhooks,
            "userAccessForCreate": access(spec.can_create),
            "userAccessForDelete": access(spec.can_delete),
            "userAccessForQuery": "All",
            "userAccessForUpdate": access(spec.can_update),
        }
    }


def field_definitions(spec: EntitySpec) -> dict[str, Any]:
    """``GET E/entityInformation/fields`` -> ``{"fields": [...]}`` (picklist values as strings)."""
    fields = []
    for field in spec.fields:
        values = pl.PICKLISTS.get((spec.name, field.name)) if field.picklist else None
        reference = ENTITIES.get(field.reference) if field.reference else None
        fields.append({
            "name": field.name,
            "dataType": field.data_type,
            "length": field.length,
            "isRequired": field.required,
            "isReadOnly": field.read_only,
            "isQueryable": field.queryable,
            "isReference": field.reference is not None,
            "referenceEntityType": (reference.entity_type if reference else "") or "",
            "isPickList": field.picklist,
            "picklistValues": [v.payload() for v in values] if values is not None else None,
            "picklistParentValueField": field.picklist_parent or "",
            "defaultValue": "",
            "isSupportedWebhookField": spec.supports_webhooks and field.name != "id",
        })
    return {"fields": fields}


def udf_definitions(spec: EntitySpec) -> dict[str, Any]:
    """``GET E/entityInformation/userDefinedFields`` -> ``{"fields": [...]}``."""
    fields = []
    for udf in pl.UDFS.get(spec.name, ()):
        fields.append({
            "name": udf.name,
            "label": udf.label,
            "type": "double" if udf.udf_type == 2 else "string",
            "dataType": "double" if udf.udf_type == 2 else "string",
            "udfType": udf.udf_type,
            "length": udf.length,
            "isRequired": udf.required,
            "isReadOnly": False,
            "isQueryable": True,
            "isReference": False,
            "referenceEntityType": "",
            "isPickList": udf.is_picklist,
            "picklistValues": [v.payload() for v in udf.picklist] if udf.is_picklist else None,
            "picklistParentValueField": "",
            "isActive": True,
            "isSupportedWebhookField": False,
        })
    return {"fields": fields}
