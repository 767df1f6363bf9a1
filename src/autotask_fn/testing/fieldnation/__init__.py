"""``FakeFieldNation``: a stateful in-memory Field Nation (REST v2, OAuth, webhooks v3).

See :class:`~autotask_fn.testing.fieldnation.app.FakeFieldNation` for the controls. Modules:
``app`` (WSGI, auth, webhooks API, downloads), ``routes`` (REST v2 endpoints), ``company`` /
``workorders`` / ``activity`` / ``files`` (state and domain rules), ``lifecycle`` (status
ids and transitions), ``render`` (JSON shapes), ``webhooks`` (deliveries), ``provider``
(test helpers), ``auth`` (tokens), ``clock``.

Where Field Nation's documentation is silent or contradicts itself the fake takes one side,
usually the stricter one, and says so where it is implemented:

* token endpoint takes form and JSON; expired token on REST v2 = 400 "Expired token.",
  missing/unknown = 401; refresh grant refused; client_credentials tokens only for webhooks;
* status ids 4/5/6/8 (Work Done/Approved/Paid/Deleted) are unconfirmed (``lifecycle``);
  Draft cannot be assigned directly; publish/route need types of work, schedule and pay;
* dates only as ``{"utc": "YYYY-MM-DD HH:mm:ss"}``; REST validation errors are 400;
* time logs read as ``in``/``out`` ``{"created": {"utc"}}`` (``start``/``end`` accepted);
  expense statuses new/approved/disapproved; messages keep their create ``type``;
* sub-resource GETs are paged like lists (25 per page, at most 100); ``f_`` filters and
  ``columns`` outside the known set are refused;
* uploads: at most 10 MB and only jpg, jpeg, png, gif, pdf, doc, docx, xls, xlsx, csv;
* webhooks: 4-key envelope, signed only when the webhook has a secret; only confirmed event
  names; secrets are never echoed by the API.
"""

from __future__ import annotations

from autotask_fn.testing.fieldnation.app import FakeFieldNation
from autotask_fn.testing.fieldnation.clock import Clock, FakeClock, SharedClock
from autotask_fn.testing.fieldnation.lifecycle import STATUSES
from autotask_fn.testing.fieldnation.problems import FakeApiError
from autotask_fn.testing.fieldnation.records import Seed
from autotask_fn.testing.fieldnation.webhooks import (
    KNOWN_EVENTS,
    Delivery,
    DeliveryAttempt,
    sign,
)

__all__ = [
    "KNOWN_EVENTS",
    "STATUSES",
    "Clock",
    "Delivery",
    "DeliveryAttempt",
    "FakeApiError",
    "FakeClock",
    "FakeFieldNation",
    "Seed",
    "SharedClock",
    "sign",
]
