"""What the finder, the arrival dialog and the register window share: the services behind
F4 and F12, the customer on the card, and how a referral in is announced."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from posassist.services.also_bought import AlsoBoughtService
from posassist.services.finder import FinderService
from posassist.services.holds import HoldService
from posassist.services.picks import PicksService
from posassist.services.printers import PrintService
from posassist.services.referrals import ArrivedReferral, ReferralService
from posassist.services.vendors import VendorService


@dataclass
class ReferralDesk:
    """The services behind the finder, the vendor directory and the reports."""

    finder: FinderService
    referrals: ReferralService
    vendors: VendorService
    printing: PrintService
    picks: PicksService | None = None  # staff picks beside the finder's answer
    holds: HoldService | None = None  # F6 / F7 in the finder: ask a branch to hold it
    also_bought: AlsoBoughtService | None = None  # under a product we have here


@dataclass(frozen=True)
class CustomerRef:
    """The customer whose card is open: asks and referrals are logged against them.

    Shown on screen only; nothing of it ever reaches a slip.
    """

    id: uuid.UUID
    name: str


def arrival_message(arrived: ArrivedReferral, customer: CustomerRef | None) -> str:
    who = f" for {customer.name}" if customer else ""
    return f"Referral from {arrived.source_name} logged{who}. Thank them next time!"
