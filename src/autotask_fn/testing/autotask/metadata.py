"""The ``entityInformation`` family: entity capabilities, field and UDF definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autotask_fn.testing.autotask import picklists as pl
from autotask_fn.testing.autotask.schema import ENTITIES, EntitySpec
from autotask_fn.testing.contract import contract_rule

if TYPE_CHECKING:
    from autotask_fn.testing.autotask.tenant import Tenant


@contract_rule("AT-ENTITY-ACCESS")
def entity_information(spec: EntitySpec, tenant: Tenant | None = None) -> dict[str, Any]:
    """``GET E/entityInformation`` -> ``{"info": {...}}``.

    ``can*`` say what the entity offers; ``userAccessFor*`` what the API user's security level
    grants in this tenant (``"None"`` for an action the tenant denies).
    """

    def access(allowed: bool, action: str) -> str:
        granted = tenant is None or tenant.allows(spec.name, action)
        return "All" if allowed and granted else "None"

    return {
        "info": {
            "name": spec.entity_type or spec.name,
            "canCreate": spec.can_create,
            "canDelete": spec.can_delete,
            "canQuery": True,
            "canUpdate": spec.can_update,
            "hasUserDefinedFields": spec.has_udfs,
            "supportsWebhookCallouts": spec.supports_webhooks,
            "userAccessForCreate": access(spec.can_create, "create"),
            "userAccessForDelete": access(spec.can_delete, "delete"),
            "userAccessForQuery": access(True, "query"),
            "userAccessForUpdate": access(spec.can_update, "update"),
        }
    }


@contract_rule("AT-FIELD-METADATA")
def field_definitions(spec: EntitySpec, tenant: Tenant | None = None) -> dict[str, Any]:
    """``GET E/entityInformation/fields`` -> ``{"fields": [...]}`` (picklist values as strings,
    the tenant's own picklists where it has them)."""
    fields = []
    for field in spec.fields:
        values = None
        if field.picklist:
            values = (tenant.picklist(spec.name, field.name) if tenant is not None
                      else pl.PICKLISTS.get((spec.name, field.name)))
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


@contract_rule("AT-UDF-METADATA")
def udf_definitions(spec: EntitySpec, tenant: Tenant | None = None) -> dict[str, Any]:
    """``GET E/entityInformation/userDefinedFields`` -> ``{"fields": [...]}`` (the tenant's)."""
    fields = []
    for udf in tenant.udf_defs(spec.name) if tenant is not None else pl.UDFS.get(spec.name, ()):
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
