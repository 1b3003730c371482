"""``posassist bench`` rows for importing the till's history: rows per second and peak RSS.

Each row generates its file (a plain transactions CSV, a Shopify orders export written
from its documented header), copies the bench store (with its ``-wal``) to a throwaway
folder, and runs ONE import in a fresh process (``python -m
posassist.devtools.bench.imports``), so the peak RSS the child reports is that import's
alone and the bench store itself is never written. The row's figure is the import's
wall time (the service's ``run``, parse to commit); its name carries rows/s and peak RSS.

Targets (issue 13): ≥ 50,000 rows/s for 1,000,000 transactions rows into the
100,000-customer store, the same for 200,000 Shopify order lines; peak RSS ≤ 300 MB for
5,000,000 rows (``posassist bench --imports-only --import-rows 5000000``).
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from posassist.devtools.bench.report import Row, row

TRANSACTION_ROWS = 1_000_000
SHOPIFY_LINES = 200_000
TARGET_ROWS_PER_S = 50_000
# The Shopify orders export's header (README, *Shopify exports*): every column, in order.
SHOPIFY_ORDERS_HEADER = (
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


def import_rows(store: Path, *, transaction_rows: int = TRANSACTION_ROWS) -> list[Row]:
    """The import rows: the transactions CSV and the Shopify orders file."""
    folder = Path(tempfile.mkdtemp(prefix="posassist-bench-import-"))
    try:
        csv = write_transactions(folder / "transactions.csv", transaction_rows)
        orders = write_shopify_orders(folder / "orders.csv", SHOPIFY_LINES)
        return [
            _measured(store, folder, "transactions", csv, transaction_rows),
            _measured(store, folder, "shopify-orders", orders, SHOPIFY_LINES),
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_transactions(path: Path, rows: int, customers: int = 100_000) -> Path:
    """customer_id,date,amount: ``rows`` purchases of ``customers`` people over ~3 years."""
    rng = random.Random(13)
    start = date(2023, 1, 1).toordinal()
    days = [date.fromordinal(start + d).isoformat() for d in range(1095)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("customer_id,date,amount\n")
        batch = []
        for i in range(rows):
            cents = rng.randrange(100, 20_000)
            cust = rng.randrange(customers)
            batch.append(f"M{cust},{days[rng.randrange(1095)]},{cents // 100}.{cents % 100:02d}\n")
            if i % 10_000 == 9_999:
                fh.write("".join(batch))
                batch = []
        fh.write("".join(batch))
    return path


def write_shopify_orders(path: Path, lines: int, customers: int = 20_000) -> Path:
    """An orders export: orders of 1–4 line items, the order's fields on its first row."""
    rng = random.Random(7)
    width = len(SHOPIFY_ORDERS_HEADER)
    at = {name: i for i, name in enumerate(SHOPIFY_ORDERS_HEADER)}
    first = date(2024, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(SHOPIFY_ORDERS_HEADER) + "\n")
        written, number = 0, 1000
        while written < lines:
            number += 1
            n = min(rng.randint(1, 4), lines - written)
            prices = [rng.randrange(100, 5000) for _ in range(n)]
            cust = rng.randrange(customers)
            day = first + timedelta(days=rng.randrange(700))
            for k, price in enumerate(prices):
                cells = [""] * width
                cells[at["Name"]] = f"#{number}"
                cells[at["Lineitem quantity"]] = "1"
                cells[at["Lineitem name"]] = f"Item {price % 300}"
                cells[at["Lineitem price"]] = f"{price / 100:.2f}"
                cells[at["Lineitem sku"]] = f"SKU{price % 300}"
                if k == 0:
                    cells[at["Email"]] = f"buyer{cust}@example.com"
                    cells[at["Financial Status"]] = "paid"
                    cells[at["Created at"]] = f"{day.isoformat()} 12:54:07 -0700"
                    cells[at["Total"]] = f"{sum(prices) / 100:.2f}"
                    cells[at["Billing Name"]] = f"Buyer {cust}"
                fh.write(",".join(cells) + "\n")
            written += n
    return path


def _copy_store(store: Path, into: Path) -> Path:
    """A throwaway copy of the bench store (and its WAL): the bench store is never written."""
    from posassist.storage.database import STORE_FILENAME

    into.mkdir()
    for part in store.glob(STORE_FILENAME + "*"):
        shutil.copy2(part, into / part.name)
    return into


def _measured(store: Path, folder: Path, kind: str, path: Path, rows: int) -> Row:
    copy = _copy_store(store, folder / f"store-{kind}")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "posassist.devtools.bench.imports", str(copy), kind, str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    label = f"import {kind}, {rows:,} rows into the bench store"
    target = f"median ≤ {rows / TARGET_ROWS_PER_S:g} s"
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return row(f"{label} (failed)", [], target)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0.0
    name = f"{label}: {rate:,.0f} rows/s, peak RSS {result['peak_mb']:,.0f} MB"
    if not result["imported"]:
        name += f" (NOT imported: {result['problems']} problems)"
    return row(name, [result["seconds"] * 1000], target)


def peak_rss_row(store: Path, rows: int) -> Row:
    """The flat-memory check: ``rows`` transactions rows, peak RSS ≤ 300 MB."""
    folder = Path(tempfile.mkdtemp(prefix="posassist-bench-import-"))
    try:
        csv = write_transactions(folder / "transactions.csv", rows)
        measured = _measured(store, folder, "transactions", csv, rows)
        measured.name = measured.name.replace("import transactions", "peak RSS ≤ 300 MB: import")
        return measured
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _child(store: Path, kind: str, path: Path) -> None:
    """In the fresh process: one import on the copy; prints one JSON line."""
    from posassist.app import open_backend
    from posassist.services.importing import ImportService

    backend = open_backend(store)
    try:
        t0 = time.perf_counter()
        report = ImportService(backend.ctx, backend.customers).run(kind, path)
        seconds = time.perf_counter() - t0
    finally:
        backend.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": report.rows,
                "imported": report.imported,
                "problems": report.problems,
                "interactions": report.interactions,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


if __name__ == "__main__":
    _child(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
