"""Field definitions of the entities the fake serves (a subset of the real ones).

Each field is written as one compact spec string ``"name type [flags]"`` (parsed once at import):

* type: ``i`` integer, ``l`` long, ``s<N>`` string of at most N characters, ``d`` decimal,
  ``f`` double, ``b`` boolean, ``t`` datetime;
* flags: ``req`` required, ``ro`` read-only, ``nq`` not queryable, ``pick`` picklist,
  ``ref=<Entity>`` reference, ``pp=<field>`` picklist parent field, ``date`` a date-only
  datetime (the time part is set to midnight without time-zone conversion, reference §2).

Field names, types and the read-only/required flags follow the provider Swagger models and the
reference notes; string lengths come from the reference (Ticket title 255, description 8000,
externalID 50, TicketNote title 250 / description 32000, TimeEntry notes 8000, charge notes
2000, webhook name 50 / URLs 500 / secretKey 64). Where neither gives a length the value is a
reasonable guess and marked ``# guess`` below.
"""

from __future__ import annotations

import attrs

from autotask_fn.testing.contract import contract_value

DATA_TYPES = {
    "i": "integer", "l": "long", "s": "string", "d": "decimal", "f": "double",
    "b": "boolean", "t": "datetime",
}


@attrs.frozen
class FieldDef:
    """One field of an entity, as ``entityInformation/fields`` describes it."""

    name: str
    data_type: str
    length: int = 0
    required: bool = False
    read_only: bool = False
    queryable: bool = True
    picklist: bool = False
    reference: str | None = None
    picklist_parent: str | None = None
    date_only: bool = False


@attrs.frozen
class ParentRoute:
    """Where a child entity is written: ``/<segment>/{parentId}/<child>``; ``field`` links it."""

    segment: str
    child: str
    field: str


@attrs.frozen
class EntitySpec:
    """An entity root, its fields and the verbs it supports."""

    name: str
    fields: tuple[FieldDef, ...]
    can_create: bool = True
    can_update: bool = True
    can_delete: bool = False
    parent: ParentRoute | None = None
    child_get_by_id: bool = True
    has_udfs: bool = False
    udf_endpoint: bool = True
    supports_webhooks: bool = False
    entity_type: str = ""  # singular name used in webhook payloads ("Ticket")

    def field(self, name: str) -> FieldDef | None:
        """Find a field by case-insensitive name."""
        return _field_index(self).get(name.lower())


_INDEX_CACHE: dict[str, dict[str, FieldDef]] = {}


def _field_index(spec: EntitySpec) -> dict[str, FieldDef]:
    key = f"{spec.name}/{len(spec.fields)}"  # a tenant variant of an entity has other fields
    index = _INDEX_CACHE.get(key)
    if index is None:
        index = {f.name.lower(): f for f in spec.fields}
        _INDEX_CACHE[key] = index
    return index


def _parse(spec: str) -> FieldDef:
    name, kind, *flags = spec.split()
    length = int(kind[1:]) if kind.startswith("s") else 0
    opts = {flag.split("=", 1)[0]: (flag.split("=", 1)[1] if "=" in flag else "") for flag in flags}
    return FieldDef(
        name=name, data_type=DATA_TYPES[kind[0]], length=length, required="req" in opts,
        read_only="ro" in opts, queryable="nq" not in opts, picklist="pick" in opts,
        reference=opts.get("ref") or None, picklist_parent=opts.get("pp") or None,
        date_only="date" in opts,
    )


def _fields(*specs: str) -> tuple[FieldDef, ...]:
    return tuple(_parse(s) for s in ("id l ro", *specs))


TICKET_FIELDS = _fields(
    "ticketNumber s50 ro", "title s255 req", "description s8000",
    "companyID i req ref=Companies", "companyLocationID i ref=CompanyLocations",
    "contactID i ref=Contacts", "status i req pick", "priority i req pick", "queueID i pick",
    "issueType i pick", "subIssueType i pick pp=issueType", "ticketType i pick",
    "ticketCategory i pick", "source i pick", "dueDateTime t", "estimatedHours d",
    "assignedResourceID i ref=Resources", "assignedResourceRoleID i ref=Roles",
    "billingCodeID i ref=BillingCodes", "contractID i", "serviceLevelAgreementID i pick",
    "configurationItemID i", "projectID i ref=Projects", "problemTicketId i",
    "createDate t ro", "creatorResourceID i ro ref=Resources", "creatorType i ro nq",
    "completedDate t ro", "completedByResourceID i ro", "lastActivityDate t ro",
    "lastActivityPersonType i ro nq", "lastTrackedModificationDateTime t ro",
    "resolution s32000", "externalID s50", "purchaseOrderNumber s50",  # guess: PO 50
    "changeInfoField1 s8000", "changeInfoField2 s8000", "changeInfoField3 s8000",  # guess
    "changeInfoField4 s8000", "changeInfoField5 s8000",  # guess
)

ENTITIES: dict[str, EntitySpec] = {}


def _add(spec: EntitySpec) -> None:
    ENTITIES[spec.name] = spec


_add(EntitySpec("Tickets", TICKET_FIELDS, has_udfs=True, supports_webhooks=True,
                entity_type="Ticket"))
_add(EntitySpec(
    "TicketNotes",
    _fields(
        "ticketID i req ref=Tickets", "title s250 req", "description s32000 req",
        "noteType i req pick", "publish i req pick", "createDateTime t ro",
        "creatorResourceID i ro ref=Resources", "lastActivityDate t ro",
        "impersonatorCreatorResourceID i ro", "impersonatorUpdaterResourceID i ro",
    ),
    parent=ParentRoute("Tickets", "Notes", "ticketID"), entity_type="TicketNote",
))
_add(EntitySpec(
    "TicketCharges",
    _fields(
        "ticketID i req ref=Tickets", "name s100 req", "description s500",  # guess: 100/500
        "chargeType i req pick", "status i pick", "productID i",
        "billingCodeID i ref=BillingCodes", "unitQuantity d req", "unitPrice d", "unitCost d",
        "extendedCost d ro", "billableAmount d ro", "datePurchased t req date",
        "isBillableToCompany b req", "isBilled b ro", "notes s2000",
        "purchaseOrderNumber s50", "internalPurchaseOrderNumber s50",  # guess
        "contractServiceID l", "createDate t ro", "creatorResourceID i ro",
    ),
    can_delete=True, parent=ParentRoute("Tickets", "Charges", "ticketID"),
    entity_type="TicketCharge",
))
#: The object-id fields of TicketAttachments (contract row AT-ATTACH-TICKETID-QUERY).
TICKET_ATTACHMENT_OBJECT_IDS = ("ticketID l ref=Tickets", "ticketNoteID l", "timeEntryID l")
_add(EntitySpec(
    "TicketAttachments",
    _fields(
        "parentID l req ref=Tickets", "parentType i ro", "title s255 req",  # guess: 255
        "attachmentType s32 req", "fullPath s255 req",  # guess: 255 (a URL may need more)
        "data s2147483647 nq", "contentType s100 ro", "fileSize d ro nq", "publish i req pick",
        "attachDate t ro", "attachedByResourceID l ro", "attachedByContactID l ro",
        "opportunityID l", "isTaskAttachment b ro", "impersonatorCreatorResourceID i ro",
        # Added in release 2021.1 (vendor "Changes to Attachment entities"); absent from the
        # 2024 Swagger copy: see TICKET_ATTACHMENTS_2024 below.
        *TICKET_ATTACHMENT_OBJECT_IDS,
    ),
    # No update: vendor TicketAttachments REST page lists create, query and delete only.
    can_update=contract_value("AT-ATTACH-NO-UPDATE", False), can_delete=True,
    parent=ParentRoute("Tickets", "Attachments", "parentID"),
    udf_endpoint=False, entity_type="TicketAttachment",
))
_add(EntitySpec(
    "TimeEntries",
    _fields(
        "resourceID i req ref=Resources", "roleID i ref=Roles", "ticketID i ref=Tickets",
        "taskID i ref=Tasks", "timeEntryType i ro pick", "dateWorked t date", "startDateTime t",
        "endDateTime t", "hoursWorked d", "hoursToBill d", "offsetHours d",
        "summaryNotes s8000", "internalNotes s8000", "billingCodeID i ref=BillingCodes",
        "internalBillingCodeID i ref=BillingCodes", "contractID i", "isNonBillable b",
        "showOnInvoice b", "billingApprovalDateTime t ro", "billingApprovalResourceID i ro",
        "billingApprovalLevelMostRecent i ro", "createDateTime t ro", "creatorUserID i ro",
        "lastModifiedDateTime t ro", "lastModifiedUserID i ro",
        "impersonatorCreatorResourceID i ro", "impersonatorUpdaterResourceID i ro",
    ),
    can_delete=True, has_udfs=True, entity_type="TimeEntry",
))
_add(EntitySpec(
    "ExpenseReports",
    _fields(
        "name s100 req", "submitterID i req ref=Resources", "weekEnding t req date",  # guess: 100
        "status i ro pick", "submit b", "submitDate t ro", "approverID i ro",
        "approvedDate t ro", "rejectionReason s2048 ro", "amountDue d ro",  # guess: 2048
        "reimbursementCurrencyID i", "departmentNumber s50",  # guess
    ),
    has_udfs=True, entity_type="ExpenseReport",
))
_add(EntitySpec(
    "ExpenseItems",
    _fields(
        # The required set is not in the reference; this is the set the SOAP docs list.
        "expenseReportID i req ref=ExpenseReports", "expenseDate t req date",
        "expenseCategory i req pick", "description s128 req",  # guess: 128
        "expenseCurrencyExpenseAmount d", "expenseCurrencyID i", "companyID i ref=Companies",
        "ticketID i ref=Tickets", "taskID i ref=Tasks", "projectID i ref=Projects",
        "workType i pick", "paymentType i pick", "isBillableToCompany b req",
        "isReimbursable b req", "haveReceipt b req", "miles d", "odometerStart d",
        "odometerEnd d", "origin s100", "destination s100", "purchaseOrderNumber s50",  # guess
        "isRejected b ro", "glCode s20 ro",  # guess
    ),
    parent=ParentRoute("Expenses", "Items", "expenseReportID"), has_udfs=True,
    entity_type="ExpenseItem",
))
_add(EntitySpec(
    "Companies",
    _fields(
        "companyName s100 req", "companyNumber s50", "companyType i req pick",  # guess
        "ownerResourceID i req ref=Resources", "phone s25 req", "fax s25",  # guess
        "address1 s150", "address2 s150", "city s50", "state s25", "postalCode s20",  # guess
        "countryID i", "webAddress s255", "isActive b", "parentCompanyID i ref=Companies",
        "createDate t ro", "lastTrackedModifiedDateTime t ro",
    ),
    has_udfs=True, entity_type="Company",
))
_add(EntitySpec(
    "CompanyLocations",
    _fields(
        "companyID i req ref=Companies", "name s100 req", "description s1000",  # guess
        "address1 s150", "address2 s150", "city s50", "state s25", "postalCode s20",  # guess
        "countryID i", "phone s25", "isActive b", "isPrimary b", "isTaxExempt b",
    ),
    can_delete=True, parent=ParentRoute("Companies", "Locations", "companyID"),
    entity_type="CompanyLocation",
))
_add(EntitySpec(
    "Contacts",
    _fields(
        "companyID i req ref=Companies", "companyLocationID i ref=CompanyLocations",
        "firstName s50 req", "lastName s50 req", "emailAddress s254",  # guess: 50/254
        "emailAddress2 s254", "emailAddress3 s254", "phone s25", "mobilePhone s25",
        "title s50", "isActive i req", "primaryContact b", "externalID s50",
        "createDate t ro", "lastModifiedDate t ro",
    ),
    can_delete=True, parent=ParentRoute("Companies", "Contacts", "companyID"), has_udfs=True,
    entity_type="Contact",
))
_add(EntitySpec(
    "Resources",
    _fields(
        "firstName s50 req", "lastName s50 req", "userName s32 ro", "email s254 req",  # guess
        "isActive b req", "licenseType i ro pick", "resourceType s20 ro", "userType i ro",
        "title s50", "officePhone s25", "mobilePhone s25",
        "defaultServiceDeskRoleID l ref=Roles",
    ),
    can_create=False, has_udfs=True, entity_type="Resource",
))
_add(EntitySpec(
    "Roles",
    _fields(
        "name s200 req", "description s200", "hourlyRate d req", "hourlyFactor d",  # guess
        "isActive b req", "isSystemRole b ro", "roleType i ro",
    ),
    has_udfs=False, entity_type="Role",
))
_add(EntitySpec(
    "BillingCodes",
    _fields(
        "name s200 ro", "description s500 ro", "billingCodeType i ro pick", "useType i ro pick",
        "isActive b ro", "unitCost d ro", "unitPrice d ro", "externalNumber s100 ro",
    ),
    can_create=False, can_update=False, entity_type="BillingCode",
))
_add(EntitySpec(
    "ServiceCalls",
    _fields(
        "companyID i req ref=Companies", "companyLocationID i ref=CompanyLocations",
        "description s2000", "startDateTime t req", "endDateTime t req",  # guess
        "duration d ro", "status i req pick", "isComplete i", "createDateTime t ro",
        "creatorResourceID i ro", "lastModifiedDateTime t ro",
        "canceledByResourceID i ro", "canceledDateTime t ro",
    ),
    can_delete=True, has_udfs=True, entity_type="ServiceCall",
))
_add(EntitySpec(
    "ServiceCallTickets",
    _fields("serviceCallID i req ref=ServiceCalls", "ticketID i req ref=Tickets"),
    can_update=False, can_delete=True,
    parent=ParentRoute("ServiceCalls", "Tickets", "serviceCallID"),
    entity_type="ServiceCallTicket",
))
_add(EntitySpec(
    "Projects",
    _fields(
        "projectName s100 req", "projectNumber s50 ro", "companyID i req ref=Companies",
        "projectType i req pick", "status i req pick", "startDateTime t req",
        "endDateTime t req", "description s2000", "projectLeadResourceID i ref=Resources",
        "contractID i", "createDateTime t ro", "creatorResourceID i ro",
    ),
    has_udfs=True, entity_type="Project",
))
_add(EntitySpec(
    "Tasks",
    _fields(
        "projectID i req ref=Projects", "phaseID i", "title s255 req",
        "description s8000", "status i req pick", "taskType i req pick",
        "assignedResourceID i ref=Resources", "assignedResourceRoleID i ref=Roles",
        "billingCodeID i ref=BillingCodes", "departmentID i", "estimatedHours d",
        "startDateTime t", "endDateTime t", "taskNumber s50 ro", "externalID s50",
        "createDateTime t ro", "creatorResourceID i ro",
    ),
    parent=ParentRoute("Projects", "Tasks", "projectID"), has_udfs=True, entity_type="Task",
))
_add(EntitySpec(
    "TicketWebhooks",
    _fields(
        "name s50 req", "webhookUrl s500 req", "deactivationUrl s500 req", "secretKey s64 nq",
        "isActive b req", "isReady b ro", "isSubscribedToCreateEvents b req",
        "isSubscribedToUpdateEvents b req", "isSubscribedToDeleteEvents b req",
        "notificationEmailAddress s150", "ownerResourceID i ro",
        "sendThresholdExceededNotification b", "webhookGUID s36 ro",
    ),
    can_delete=True, entity_type="TicketWebhook",
))
_add(EntitySpec(
    "TicketWebhookFields",
    _fields(
        "webhookID i req ref=TicketWebhooks", "fieldID i req", "isSubscribedField b req",
        "isDisplayAlwaysField b req",
    ),
    can_delete=True, parent=ParentRoute("TicketWebhooks", "Fields", "webhookID"),
    child_get_by_id=False, entity_type="TicketWebhookField",
))
_add(EntitySpec(
    "TicketWebhookExcludedResources",
    _fields("webhookID i req ref=TicketWebhooks", "resourceID i req ref=Resources"),
    can_update=False, can_delete=True,
    parent=ParentRoute("TicketWebhooks", "ExcludedResources", "webhookID"),
    child_get_by_id=False, entity_type="TicketWebhookExcludedResource",
))


def entity(name: str) -> EntitySpec | None:
    """Find an entity spec by case-insensitive root name."""
    return _BY_LOWER.get(name.lower())


_BY_LOWER = {name.lower(): spec for name, spec in ENTITIES.items()}


def ticket_field_id(name: str) -> int:
    """The internal field id a webhook ``Fields`` child uses for a Ticket field.

    The real ids are tenant data the reference does not list; the fake numbers Ticket fields
    in declaration order from 1 (``id`` is 1).
    """
    for index, field in enumerate(TICKET_FIELDS, start=1):
        if field.name.lower() == name.lower():
            return index
    raise KeyError(name)


def ticket_field_name(field_id: int) -> str | None:
    """The Ticket field behind a webhook field id, or ``None``."""
    if 1 <= field_id <= len(TICKET_FIELDS):
        return TICKET_FIELDS[field_id - 1].name
    return None


def _without_object_ids(spec: EntitySpec) -> EntitySpec:
    names = {f.split()[0].lower() for f in TICKET_ATTACHMENT_OBJECT_IDS}
    return attrs.evolve(spec, fields=tuple(f for f in spec.fields if f.name.lower() not in names))


#: TicketAttachments as the 2024 Swagger copy describes it: no ticketID, ticketNoteID or
#: timeEntryID (``FakeAutotask(ticket_attachment_ids=False)``; contract AT-ATTACH-SWAGGER-2024).
TICKET_ATTACHMENTS_2024 = contract_value(
    "AT-ATTACH-SWAGGER-2024", _without_object_ids(ENTITIES["TicketAttachments"]))
