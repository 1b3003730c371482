"""What a referral slip says: this store's header, the place the customer is sent to, the logo.

:class:`~posassist.services.referrals.ReferralService` reads these in its own sessions and
builds the PDF from them.  The slip carries the store, the place and the code, never the
customer: :class:`~posassist.printing.slip_pdf.SlipData` has no field that could hold
customer data, and nothing here passes it any.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from sqlalchemy.orm import Session

from posassist.config import StoreSettings
from posassist.errors import ConfigError, InvalidInputError
from posassist.services.context import StoreContext
from posassist.storage.orm import Branch, Vendor

if TYPE_CHECKING:
    from posassist.printing.slip_pdf import SlipData, TargetKind

__all__ = [
    "SlipTarget",
    "build_pdf",
    "checked_layout",
    "find_target",
    "logo_of",
    "map_link",
    "slip_data",
    "store_header",
]


@dataclass(frozen=True, slots=True)
class SlipTarget:
    """Where a slip sends the customer, with this store's header, as read in one session.

    Compared as a whole when the referral is written: a place renamed or moved since the
    slip was built means the slip is built again.
    """

    header: tuple[str, str, str | None]
    kind: TargetKind
    name: str
    address: str
    phone: str
    hours: str
    qr: str


def store_header(store: StoreSettings, branch: Branch) -> tuple[str, str, str | None]:
    """Name, address and phone for the slip's header.

    The settings win; a store that has not set them prints its branch's own details (a
    chain's demo or a fresh register still prints a sensible header).
    """
    name = store.name if store.name != StoreSettings.name else branch.name or store.name
    address = store.address or branch.address
    phone = store.phone or branch.phone or None
    return name, address, phone


def map_link(address: str) -> str:
    """A map search for ``address``: directions beat a home page for someone on foot."""
    return f"https://www.openstreetmap.org/search?query={quote_plus(' '.join(address.split()))}"


def find_target(
    s: Session, ctx: StoreContext, vendor_id: uuid.UUID | None, branch_id: uuid.UUID | None
) -> SlipTarget:
    """Where the slip sends the customer, and this store's own header."""
    if (vendor_id is None) == (branch_id is None):
        raise InvalidInputError("target", "Choose one partner vendor or one branch.")
    here = s.get(Branch, ctx.branch_id)
    assert here is not None
    header = store_header(ctx.settings.store, here)
    if vendor_id is not None:
        vendor = s.get(Vendor, vendor_id)
        if vendor is None:
            raise InvalidInputError("vendor", "That vendor is not in the directory.")
        if not vendor.active:
            raise InvalidInputError(
                "vendor", f"{vendor.name} is marked inactive in the vendor directory."
            )
        qr = map_link(vendor.address) if vendor.address.strip() else vendor.website
        return SlipTarget(
            header, "vendor", vendor.name, vendor.address, vendor.phone, vendor.hours, qr
        )
    branch = s.get(Branch, branch_id)
    if branch is None:
        raise InvalidInputError("branch", "That branch is not known here.")
    if branch.id == ctx.branch_id:
        raise InvalidInputError("branch", "That is this branch.")
    qr = map_link(branch.address) if branch.address.strip() else ""
    return SlipTarget(header, "branch", branch.name, branch.address, branch.phone, branch.hours, qr)


def slip_data(ctx: StoreContext, target: SlipTarget, item: str, code: str) -> SlipData:
    """Everything printed on the slip for this ask, place and code."""
    from posassist.printing.slip_pdf import SlipData

    name, address, phone = target.header
    return SlipData(
        store_name=name,
        store_address=address,
        store_phone=phone,
        logo_png=_logo(ctx),
        item_asked=item,
        target_kind=target.kind,
        target_name=target.name,
        target_address=target.address or None,
        target_phone=target.phone or None,
        target_hours=target.hours or None,
        qr_url=target.qr or None,
        referral_code=code,
        issued_on=ctx.today(),
    )


def build_pdf(slip: SlipData, layout: str) -> bytes:
    """The slip's PDF on the named layout."""
    # reportlab loads in ~0.2 s: only when the first slip is made, not at start-up.
    from posassist.printing.slip_pdf import build_slip_pdf

    return build_slip_pdf(slip, layout)


def checked_layout(ctx: StoreContext, layout: str | None) -> str:
    """The layout's canonical name (``layout`` or the configured one); refuses unknown ones."""
    from posassist.printing.layouts import get_layout

    return get_layout(layout or ctx.settings.printing.layout).name


def _logo(ctx: StoreContext) -> bytes | None:
    return logo_of(ctx)


def logo_of(ctx: StoreContext) -> bytes | None:
    """The store's logo for any slip (cached), or None when none is set."""
    path = ctx.settings.store.logo.strip()
    return _read_logo(path) if path else None


@functools.lru_cache(maxsize=4)
def _read_logo(path: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"The store logo {path} cannot be read ({exc.strerror or exc}).",
            hint="Set [store] logo in the settings file (settings.toml) to the full path of a "
            "PNG or JPEG image, or remove the setting.",
        ) from exc
