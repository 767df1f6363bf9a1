"""The Autotask PSA REST client: zone discovery, CRUD, queries, metadata, models, limits.

>>> from autotask_fn.autotask import AutotaskClient          # doctest: +SKIP
>>> client = AutotaskClient("api@example.com", "secret")     # doctest: +SKIP
>>> client.get("Tickets", 123)                               # doctest: +SKIP
"""

from autotask_fn.autotask.check import DEFAULT_ENTITIES, CheckResult, ConnectionReport
from autotask_fn.autotask.client import (
    INTEGRATION_CODE_ENV,
    AutotaskClient,
    clear_metadata_cache,
)
from autotask_fn.autotask.errors import (
    AutotaskAttachmentLimitError,
    AutotaskAuthError,
    AutotaskError,
    AutotaskNotFoundError,
    AutotaskPagingError,
    AutotaskPermissionError,
    AutotaskPicklistError,
    AutotaskQueryError,
    AutotaskRateLimitError,
    AutotaskServerError,
    AutotaskThreadLimitError,
    AutotaskThresholdError,
    AutotaskTransportError,
    AutotaskUnsupportedOperation,
    AutotaskValidationError,
    AutotaskZoneError,
)
from autotask_fn.autotask.limits import Limiter, LocalLimiter, NoLimiter
from autotask_fn.autotask.metadata import (
    EntityInfo,
    FieldInfo,
    Picklist,
    PicklistValue,
    ThresholdInfo,
    get_udf,
    set_udfs,
)
from autotask_fn.autotask.models import (
    UNSET,
    Company,
    CompanyLocation,
    Contact,
    ExpenseItem,
    ExpenseReport,
    Model,
    Project,
    Resource,
    ServiceCall,
    Task,
    Ticket,
    TicketAttachment,
    TicketCharge,
    TicketNote,
    TimeEntry,
)
from autotask_fn.autotask.query import Filter
from autotask_fn.autotask.stats import RequestStats
from autotask_fn.autotask.zone import DEFAULT_ZONE_URL, ZoneInfo, clear_zone_cache, discover_zone

__all__ = [
    "DEFAULT_ENTITIES",
    "DEFAULT_ZONE_URL",
    "INTEGRATION_CODE_ENV",
    "UNSET",
    "AutotaskAttachmentLimitError",
    "AutotaskAuthError",
    "AutotaskClient",
    "AutotaskError",
    "AutotaskNotFoundError",
    "AutotaskPagingError",
    "AutotaskPermissionError",
    "AutotaskPicklistError",
    "AutotaskQueryError",
    "AutotaskRateLimitError",
    "AutotaskServerError",
    "AutotaskThreadLimitError",
    "AutotaskThresholdError",
    "AutotaskTransportError",
    "AutotaskUnsupportedOperation",
    "AutotaskValidationError",
    "AutotaskZoneError",
    "CheckResult",
    "Company",
    "CompanyLocation",
    "ConnectionReport",
    "Contact",
    "EntityInfo",
    "ExpenseItem",
    "ExpenseReport",
    "FieldInfo",
    "Filter",
    "Limiter",
    "LocalLimiter",
    "Model",
    "NoLimiter",
    "Picklist",
    "PicklistValue",
    "Project",
    "RequestStats",
    "Resource",
    "ServiceCall",
    "Task",
    "ThresholdInfo",
    "Ticket",
    "TicketAttachment",
    "TicketCharge",
    "TicketNote",
    "TimeEntry",
    "ZoneInfo",
    "clear_metadata_cache",
    "clear_zone_cache",
    "discover_zone",
    "get_udf",
    "set_udfs",
]
