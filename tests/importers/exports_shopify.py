"""Writers of small files shaped exactly like Shopify's exports, from their real headers.

Every column of the real export is written, in the real order, the ones posassist does not
read too, with "" for a cell the test does not set; so a test file is what a manager's
download looks like, only shorter. The headers are those of Shopify admin's CSV exports
(Customers → Export, Orders → Export): the current customers layout (since 2022: a
``Customer ID`` and ``Default Address …`` columns) and the legacy one (``Accepts
Marketing``, ``Company``, ``Address1`` …, no id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from posassist.importers.kinds import Format
from posassist.importers.reader import open_table
from posassist.importers.records import ParseContext, Person, Problems, Sale, Skip
from tests.importers.exports import write_export

CUSTOMERS_HEADER = (
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,"
    "Default Address Province Code,Default Address Country Code,Default Address Zip,"
    "Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,"
    "Tax Exempt,Tags"
).split(",")

LEGACY_CUSTOMERS_HEADER = (
    "First Name,Last Name,Email,Company,Address1,Address2,City,Province,Province Code,"
    "Country,Country Code,Zip,Phone,Accepts Marketing,Total Spent,Total Orders,Tags,Note,"
    "Tax Exempt"
).split(",")

ORDERS_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,"
    "Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,"
    "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,"
    "Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,"
    "Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,"
    "Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,"
    "Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,"
    "Next Payment Due At,Payment References"
).split(",")

# The columns Shopify fills on every row of an order (the line item's own); the rest are
# the order's and stand on its first row only.
LINE_COLUMNS = frozenset(
    {
        "Name",
        "Lineitem quantity",
        "Lineitem name",
        "Lineitem price",
        "Lineitem compare at price",
        "Lineitem sku",
        "Lineitem requires shipping",
        "Lineitem taxable",
        "Lineitem fulfillment status",
        "Vendor",
        "Lineitem discount",
    }
)

Row = Mapping[str, str]


def write_customers(path: Path, rows: Sequence[Row], *, legacy: bool = False, **kw: str) -> Path:
    """A customers export (``legacy``: the layout before ``Customer ID``)."""
    return write_export(path, LEGACY_CUSTOMERS_HEADER if legacy else CUSTOMERS_HEADER, rows, **kw)


def order(fields: Row, *lines: Row) -> list[dict[str, str]]:
    """One order's rows as Shopify writes them: the order's ``fields`` with the first line
    item, then each further line item with only the order's ``Name`` and its own cells."""
    rows = []
    for i, line in enumerate(lines):
        assert set(line) <= LINE_COLUMNS, set(line) - LINE_COLUMNS
        head = dict(fields) if i == 0 else {"Name": fields["Name"]}
        rows.append(head | dict(line))
    return rows


def line(name: str, price: str, quantity: str = "1", sku: str = "") -> dict[str, str]:
    return {
        "Lineitem quantity": quantity,
        "Lineitem name": name,
        "Lineitem price": price,
        "Lineitem sku": sku,
        "Lineitem requires shipping": "true",
        "Lineitem taxable": "true",
        "Lineitem fulfillment status": "fulfilled",
        "Vendor": "Acme",
        "Lineitem discount": "0.00",
    }


def write_orders(path: Path, *orders: list[dict[str, str]], **kw: str) -> Path:
    """An orders export of the ``orders`` (each from :func:`order`)."""
    return write_export(path, ORDERS_HEADER, [r for o in orders for r in o], **kw)


def parse_file(
    fmt: Format, path: Path, ctx: ParseContext
) -> tuple[list[Person | Sale | Skip], Problems]:
    """The records a format yields for ``path`` (through the real streaming reader), and
    the problems it reported: what the loader would be given."""
    problems = Problems(path)
    with open_table(path, fmt.columns, problems) as table:
        records = list(fmt.parse(table, ctx))
    return records, problems
