"""Small files shaped exactly like Square's real exports, for the importer tests.

Each writer puts the export's whole header (every column, in the order Square writes
them, also the ones posassist does not read) and one line per ``rows`` dict, filling the
columns a test does not name with "" — so a test says only what it is about, and the
file around it is the real thing. The headers are Square's as downloaded from the
Dashboard in 2025–2026 (Customer Directory, Item Detail with 35 columns, Transactions
with 55 columns). Cells are quoted as Square quotes them (csv.QUOTE_MINIMAL, CRLF):
a cell holding a comma, a quote or a newline is quoted.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "SQUARE_CUSTOMERS_HEADER",
    "SQUARE_ITEMS_HEADER",
    "SQUARE_TRANSACTIONS_HEADER",
    "write_export",
    "write_square_customers",
    "write_square_items",
    "write_square_transactions",
]

SQUARE_CUSTOMERS_HEADER: tuple[str, ...] = (
    "Reference ID",
    "First Name",
    "Last Name",
    "Email Address",
    "Phone Number",
    "Nickname",
    "Company Name",
    "Street Address 1",
    "Street Address 2",
    "City",
    "State",
    "Postal Code",
    "Birthday",
    "Memo",
    "Square Customer ID",
    "Creation Source",
    "First Visit",
    "Last Visit",
    "Transaction Count",
    "Lifetime Spend",
    "Email Subscription Status",
    "Instant Profile",
    "Blocked from online booking",
)

SQUARE_ITEMS_HEADER: tuple[str, ...] = tuple(
    "Date,Time,Time Zone,Category,Item,Qty,Price Point Name,SKU,Modifiers Applied,"
    "Gross Sales,Discounts,Net Sales,Tax,Transaction ID,Payment ID,Device Name,Notes,"
    "Details,Event Type,Location,Dining Option,Customer ID,Customer Name,"
    "Customer Reference ID,Unit,Count,GTIN,Itemization Type,Commission,Employee,"
    "Fulfillment Note,Channel,Token,Card Brand,PAN Suffix".split(",")
)

SQUARE_TRANSACTIONS_HEADER: tuple[str, ...] = tuple(
    "Date,Time,Time Zone,Gross Sales,Discounts,Service Charges,Net Sales,Gift Card Sales,"
    "Tax,Tip,Partial Refunds,Total Collected,Source,Card,Card Entry Methods,Cash,"
    "Square Gift Card,Other Tender,Other Tender Type,Tender Note,Fees,Net Total,"
    "Transaction ID,Payment ID,Card Brand,PAN Suffix,Device Name,Staff Name,Staff ID,"
    "Details,Description,Event Type,Location,Dining Option,Customer ID,Customer Name,"
    "Customer Reference ID,Device Nickname,Third Party Fees,Deposit ID,Deposit Date,"
    "Deposit Details,Fee Percentage Rate,Fee Fixed Rate,Refund Reason,Discount Name,"
    "Transaction Status,Cash App,Order Reference ID,Fulfillment Note,"
    "Free Processing Applied,Channel,Unattributed Tips,Table Info,International Fee".split(",")
)


def write_export(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Mapping[str, str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> Path:
    """``header`` then one line per row (missing cells ""); a key not in the header is
    a mistake in the test, refused at once."""
    for row in rows:
        unknown = set(row) - set(header)
        if unknown:
            raise KeyError(f"not a column of this export: {sorted(unknown)}")
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(name, "") for name in header])
    return path


def write_square_customers(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """A Customer Directory export (Customers → Directory → Export customers)."""
    return write_export(path, SQUARE_CUSTOMERS_HEADER, rows)


def write_square_items(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """An Item Detail export (Reports → Sales → Item Sales → Export: Item Detail CSV)."""
    return write_export(path, SQUARE_ITEMS_HEADER, rows)


def write_square_transactions(path: Path, rows: Sequence[Mapping[str, str]]) -> Path:
    """A Transactions export (Transactions → Export: Transactions CSV)."""
    return write_export(path, SQUARE_TRANSACTIONS_HEADER, rows)
