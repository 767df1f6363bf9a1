"""Rows no read-only check can measure, each with the reason.

A row of the registry is either checked by a function registered for its id
(:mod:`autotask_fn.probe.checks_autotask`, :mod:`~autotask_fn.probe.checks_fieldnation`) or
listed here; a test of the project fails for a row with neither.
"""

from __future__ import annotations

__all__ = ["NOT_CHECKABLE"]

_CALLOUT = ("an Autotask callout goes to the receiver the webhook names; the probe runs no "
            "endpoint the tenant can reach")
_FN_HOOK = ("a Field Nation delivery goes to the receiver the webhook names; the probe runs "
            "no endpoint Field Nation can reach")

#: Row id -> why no probe can check it.
NOT_CHECKABLE: dict[str, str] = {
    "AT-ATTACH-FILE-SIZE": "needs an upload above 6 MB to see where it is refused; `--write` "
                           "uploads at the configured embed_limit, below it",
    "AT-ATTACH-WINDOW": "provoking it stops every attachment upload of the tenant for five "
                        "minutes",
    "AT-ATTACHMENT-BUDGET": "provoking it stops every attachment upload of the tenant for five "
                            "minutes",
    "AT-PERMISSION-403": "needs an action the API user's security level denies; which one is "
                         "tenant configuration the probe cannot know",
    "AT-PUT-PATCH": "needs a PUT that may null fields of a record; `--write` only PATCHes "
                    "its own records",
    "AT-THREAD-LIMIT": "provoking it needs more than three concurrent requests on one endpoint, "
                       "refused transiently and counted against the tenant's shared budget",
    "AT-ROUTES-SWAGGER": "would need one request on every route of every entity",
    "AT-HOURLY-THRESHOLD-ANSWER": "provoking it stops every integration of the tenant for up "
                                  "to an hour",
    "AT-LOCKED-TEXT": "needs an approved, billed or submitted record; approving is a person's "
                      "act in the Autotask UI",
    "AT-SERVER-ERROR-TEXT": "a server fault cannot be provoked on purpose",
    "AT-CALLOUT-SIGNATURE": _CALLOUT,
    "AT-CALLOUT-SIGNED-TEXT": _CALLOUT,
    "AT-CALLOUT-PAYLOAD": _CALLOUT,
    "AT-CALLOUT-EXCLUDED-RESOURCE": _CALLOUT,
    "AT-CALLOUT-RETRIES": _CALLOUT + "; retries follow failed deliveries over minutes",
    "AT-CALLOUT-HTTPS-URL": "needs creating a webhook with a plain-http URL, which registers a "
                            "webhook on the tenant if it is accepted",
    "FN-WEBHOOK-SIGNATURE": _FN_HOOK,
    "FN-WEBHOOK-LEGACY-HASH": _FN_HOOK,
    "FN-WEBHOOK-MANUAL-RETRY": _FN_HOOK + "; a retry by hand is a person's act",
    "FN-WEBHOOK-DELIVERY-ID": _FN_HOOK,
    "FN-WEBHOOK-RETRIES": _FN_HOOK + "; it takes about 21 minutes of failed deliveries",
    "FN-WEBHOOK-HTTPS-URL": "needs registering a webhook with a plain-http URL, which registers "
                            "one on the company if it is accepted",
    "FN-MESSAGE-HIDDEN": "needs a provider's view of the work order (provider credentials "
                         "the configuration does not hold)",
    "FN-MESSAGE-TYPES": "a refused type can only be tried by a create that posts a message "
                        "when the type is accepted",
    "FN-EXPENSE-RECEIPT-READ": "needs an expense with a receipt, which a provider adds",
    "FN-SHAPE-PUBLISHED": "compares against the published shape tree, test data not shipped "
                          "with the package; the other FN-SHAPE rows check its exceptions",
    "FN-WO-UPDATED-MOVES": "needs an expense added or changed on a work order, which a "
                           "provider does",
}
