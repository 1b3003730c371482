"""``posassist customer add|show|export``: adding, reading and exporting a customer, for store IT.

Consent works as in the app's new-customer dialog, where the phone and email are kept
only when the consent box is ticked: here ``--consent`` says the customer agreed, and is
required when ``--phone`` or ``--email`` is given (refused otherwise, nothing stored).

``show`` prints what the card shows (visits, standing with its reasons, favourites, and
the customer's holds between branches) to stdout only, because it was asked for; nothing
personal goes to stderr or a log. Errors (not found, several customers on one phone, a
bad phone, a card in use) are one line on stderr and exit code 2, like every command.

``export CARD_OR_PHONE -o FILE`` writes everything held on the customer (the customer's
request for their data): ``FILE`` as JSON and ``FILE`` with the suffix ``.pdf`` beside it,
readable (``services/customer_export.py``). A manager's action, audited. It prints the
two paths (``--json``: as one JSON document), never the data.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from posassist.cli.common import add_command, opened_backend
from posassist.domain.wording import plural
from posassist.errors import InvalidInputError

NAME = "customer"
HELP = "add a customer, show one's card, or export their data (by card code or phone)"
DESCRIPTION = (
    "posassist customer add --name NAME [--phone P] [--email E] [--card C] [--consent]"
    " | customer show CARD_OR_PHONE [--json]"
    " | customer export CARD_OR_PHONE -o FILE [--json]"
)
_CONSENT = (
    "A phone or email is kept only with the customer's consent: ask them, then add "
    "--consent (or leave --phone and --email out)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_subparsers(dest="action", required=True)
    add = add_command(what, "add", help="add a customer; prints its id")
    add.add_argument("--name", required=True, help="the customer's name")
    add.add_argument("--phone", default="", help="phone number (needs --consent)")
    add.add_argument("--email", default="", help="email address (needs --consent)")
    add.add_argument("--card", default="", help="loyalty card code")
    add.add_argument(
        "--consent", action="store_true", help="the customer agreed that we keep phone/email"
    )
    add.add_argument("--json", action="store_true", help="print the new id as JSON")
    show = add_command(what, "show", help="what the card shows, by card code or phone number")
    show.add_argument("who", metavar="CARD_OR_PHONE")
    show.add_argument("--json", action="store_true", help="print one JSON document")
    export = add_command(
        what, "export", help="everything held on a customer: FILE (JSON) and FILE.pdf"
    )
    export.add_argument("who", metavar="CARD_OR_PHONE")
    export.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE",
        help="the JSON file to write; the readable PDF goes beside it, with the suffix .pdf",
    )  # fmt: skip
    export.add_argument("--json", action="store_true", help="print the two paths as JSON")


def run(args: argparse.Namespace) -> int:
    if args.action == "add":
        return _add(args)
    if args.action == "export":
        return _export(args)
    with opened_backend(args) as backend:
        customers = backend.customers
        card = customers.card(customers.find_by_card_or_phone(args.who))
        holds = backend.holds.for_customer(card.id)
        tz = backend.ctx.tz
    from posassist.services.card_document import card_document

    document = card_document(card, holds, tz)
    if args.json:
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        print(_as_text(document))
    return 0


def _add(args: argparse.Namespace) -> int:
    from posassist.services.customers import NewCustomer

    if (args.phone.strip() or args.email.strip()) and not args.consent:
        raise InvalidInputError("consent", _CONSENT)
    new = NewCustomer(args.name, args.phone, args.email, args.card, consent_contact=args.consent)
    with opened_backend(args, writes=True) as backend:
        customer_id = backend.customers.create(new)
        card_code = backend.customers.contact_details(customer_id).card_code or None
    if args.json:
        print(json.dumps({"id": str(customer_id), "card_code": card_code}))
    else:
        print(f"Added customer {customer_id}" + (f" (card {card_code})." if card_code else "."))
    return 0


def _export(args: argparse.Namespace) -> int:
    with opened_backend(args, writes=True) as backend:  # the audit entry is a write
        json_path, pdf_path = backend.exports.export(args.who, args.output)
    if args.json:
        print(json.dumps({"json": str(json_path), "pdf": str(pdf_path)}))
    else:
        print(f"Exported the customer's data to {json_path} and {pdf_path}.")
    return 0


def _as_text(doc: dict[str, Any]) -> str:
    v, st, fav = doc["visits"], doc["standing"], doc["favourites"]
    contact = " · ".join(p for p in (doc["phone"], doc["email"], doc["card_code"]) if p)
    lines = [
        f"{doc['name']}  ({contact or 'no contact details'})",
        f"{doc['greeting']}".strip(),
        f"Standing: {st['tier']} — {st['reasons']}".rstrip(" —"),
        f"Visits: {v['total']} in all, {v['last_90_days']} in the last 90 days, "
        f"last {v['last_visit'] or '—'}; customer since {doc['customer_since']}",
    ]
    if fav["most_often"]:
        often = ", ".join(f"{f['name']} ({f['times']}×)" for f in fav["most_often"])
        lines.append(f"Buys most often: {often}")
    if fav["last_time"]["items"]:
        items = ", ".join(fav["last_time"]["items"])
        lines.append(f"Last time ({fav['last_time']['on']}): {items}")
    if fav["asked_before"]:
        asked = ", ".join(f"{a['item']} ({a['asked_on']})" for a in fav["asked_before"])
        lines.append(f"Asked for before, we didn't have: {asked}")
    also = fav["also_bought"]
    if also["items"]:
        names = ", ".join(
            f"{a['name']} — {plural(a['customers'], 'customer')}" for a in also["items"]
        )
        lines.append(f"Customers who bought {also['for']} also bought: {names}")
    for h in doc["holds"]:
        how = "brought here" if h["relay"] else "to collect there"
        lines.append(
            f"Hold {h['code']}: {h['product']} at {h['holding_branch']}, {h['state']} "
            f"({how}), until {h['until']}"
        )
    return "\n".join(line for line in lines if line)
