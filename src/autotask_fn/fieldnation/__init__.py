"""Field Nation REST v2 client, typed models, errors and webhook handling.

The public surface::

    from autotask_fn.fieldnation import FieldNationClient, WebhookVerifier, parse_delivery
"""

from autotask_fn.fieldnation._http import RequestStats
from autotask_fn.fieldnation.client import FieldNationClient, Listing
from autotask_fn.fieldnation.errors import (
    FieldNationAuthError,
    FieldNationError,
    FieldNationNotFoundError,
    FieldNationPermissionError,
    FieldNationRateLimitError,
    FieldNationServerError,
    FieldNationTransportError,
    FieldNationValidationError,
)
from autotask_fn.fieldnation.models import (
    Attachment,
    Company,
    Contact,
    CustomField,
    Expense,
    Folder,
    Location,
    Message,
    Schedule,
    Signature,
    Status,
    TimeLog,
    User,
    WorkOrder,
    fn_datetime,
    parse_fn_datetime,
)
from autotask_fn.fieldnation.webhooks import (
    Events,
    FieldNationEvent,
    WebhookPayloadError,
    WebhookRegistration,
    WebhookSignatureError,
    WebhookStaleError,
    WebhookVerifier,
    parse_delivery,
)
from autotask_fn.fieldnation.wire import DEFAULT_WIRE, WireFormat

__all__ = [
    "DEFAULT_WIRE",
    "Attachment",
    "Company",
    "Contact",
    "CustomField",
    "Events",
    "Expense",
    "FieldNationAuthError",
    "FieldNationClient",
    "FieldNationError",
    "FieldNationEvent",
    "FieldNationNotFoundError",
    "FieldNationPermissionError",
    "FieldNationRateLimitError",
    "FieldNationServerError",
    "FieldNationTransportError",
    "FieldNationValidationError",
    "Folder",
    "Listing",
    "Location",
    "Message",
    "RequestStats",
    "Schedule",
    "Signature",
    "Status",
    "TimeLog",
    "User",
    "WebhookPayloadError",
    "WebhookRegistration",
    "WebhookSignatureError",
    "WebhookStaleError",
    "WebhookVerifier",
    "WireFormat",
    "WorkOrder",
    "fn_datetime",
    "parse_delivery",
    "parse_fn_datetime",
]
