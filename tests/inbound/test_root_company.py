"""Company 0 is a real company (the tenant's own), never "no company"."""

from __future__ import annotations

import pytest
from inbound_world import InboundWorld


@pytest.mark.contract("AT-COMPANY-ZERO")
def test_a_ticket_of_the_root_company_imports_with_its_address(world: InboundWorld) -> None:
    ticket_id = world.ticket(companyID=0, companyLocationID=None, contactID=None)
    result = world.svc.import_ticket(ticket_id)
    wo = world.wo(result.work_order_id)
    assert wo.location.address1 == "100 Head Office Way"
