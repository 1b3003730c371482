"""``posassist holds``: holds between branches from a terminal, for store IT.

``holds`` lists this branch's queue (held here for others, asked of others);
``holds request`` asks another branch to hold an item for a customer; ``holds mark``
moves a hold (by its code or id) to its next state. The same rules as at the register:
an unknown branch, an unknown customer or an illegal move is one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from posassist.cli.common import opened_backend
from posassist.domain.holds import age_text
from posassist.errors import InvalidInputError

if TYPE_CHECKING:
    from posassist.services.holds import HoldView

NAME = "holds"
HELP = "list holds for and from this branch; ask another branch to hold an item; mark a hold"
DESCRIPTION = (
    "posassist holds [--json] | holds request --at BRANCH_CODE --sku SKU "
    "--customer CARD_OR_PHONE [--relay] | holds mark HOLD_ID STATE"
)
STATES_HELP = "accepted, ready, on_its_way, collected, cancelled or expired"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", default="list", choices=("list", "request", "mark"),
        help="list (default), request, or mark HOLD_ID STATE",
    )  # fmt: skip
    parser.add_argument("args", nargs="*", metavar="HOLD_ID STATE", help=f"for mark: {STATES_HELP}")
    parser.add_argument("--at", metavar="BRANCH_CODE", help="request: the branch to hold it")
    parser.add_argument("--sku", help="request: the product's SKU")
    parser.add_argument("--customer", metavar="CARD_OR_PHONE", help="request: who it is for")
    parser.add_argument(
        "--relay", action="store_true", help="request: bring it here (else: collect there)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(args: argparse.Namespace) -> int:
    if args.action == "request":
        missing = [f"--{n}" for n in ("at", "sku", "customer") if not getattr(args, n)]
        if missing or args.args:
            raise InvalidInputError(
                "holds",
                "posassist holds request needs --at BRANCH_CODE --sku SKU --customer CARD_OR_PHONE"
                + (f" (missing {', '.join(missing)})." if missing else "."),
            )
    elif args.action == "mark" and len(args.args) != 2:
        raise InvalidInputError(
            "holds", f"posassist holds mark needs HOLD_ID STATE ({STATES_HELP})."
        )
    elif args.action == "list" and args.args:
        raise InvalidInputError("holds", f"Unexpected {' '.join(args.args)!r}.")
    with opened_backend(args, writes=args.action != "list") as backend:
        holds = backend.holds
        if args.action == "request":
            view = holds.request_at(args.at, args.sku, args.customer, relay=args.relay)
            if view.warning:  # allowed (a count may be stale), but not in silence
                print(f"Warning: {view.warning}", file=sys.stderr)
            _say(view, args.json, f"Asked {view.holding_branch} to hold {view.product_name}")
        elif args.action == "mark":
            view = holds.mark(args.args[0], args.args[1])
            _say(view, args.json, f"Hold {view.code} is {view.label} now")
        else:
            queue = holds.queue()
            if args.json:
                doc = {
                    "waiting_here": queue.waiting,
                    "incoming": [hold_json(h) for h in queue.incoming],
                    "outgoing": [hold_json(h) for h in queue.outgoing],
                }
                print(json.dumps(doc, indent=2, ensure_ascii=False))
            else:
                _table(queue.incoming, "Held here for other branches", queue.as_of)
                _table(queue.outgoing, "Asked of other branches", queue.as_of)
    return 0


def hold_json(h: HoldView) -> dict[str, Any]:
    return {
        "id": str(h.id),
        "code": h.code,
        "state": h.state,
        "direction": h.direction,
        "relay": h.relay,
        "sku": h.sku,
        "product": h.product_name,
        "requesting_branch": h.requesting_branch,
        "holding_branch": h.holding_branch,
        "customer": h.customer_name,
        "created_at": h.created_at.isoformat(),
        "expires_at": h.expires_at.isoformat(),
        "waiting_here": h.waiting_here,
        "told": h.told,
        "warning": h.warning,
        "steps": [
            {"state": st.to_state, "at": st.at.isoformat(), "by": st.by, "outcome": st.outcome}
            for st in h.steps
        ],
    }


def _say(view: HoldView, as_json: bool, line: str) -> None:
    if as_json:
        print(json.dumps(hold_json(view), indent=2, ensure_ascii=False))
    else:
        how = f"bring it to {view.requesting_branch}" if view.relay else "collect there"
        print(f"{line}: code {view.code}, {view.label} ({how}).")


TABLE_HEADINGS = ("CODE", "STATE", "KIND", "AGE", "BRANCH", "ITEM", "CUSTOMER")
GAP = "  "  # two spaces between columns, however long a state is ("ready to collect")


def _table(holds: tuple[HoldView, ...], title: str, now: datetime) -> None:
    print(f"{title}:")
    if not holds:
        print("  none")
        return
    for line in table_lines(holds, now):
        print(line)


def table_lines(holds: Sequence[HoldView], now: datetime) -> list[str]:
    """The queue as aligned columns: each as wide as its longest cell, so no two run
    together; ``*`` marks a hold waiting for this branch, what it was told goes below."""
    rows = [
        (
            h.code,
            h.label,
            "relay" if h.relay else "collect",
            age_text(h.created_at, now),
            h.other_branch,
            h.product_name,
            h.customer_name or "no name",
        )
        for h in holds
    ]
    widths = [max(len(cell) for cell in col) for col in zip(TABLE_HEADINGS, *rows, strict=True)]

    def line(mark: str, cells: Sequence[str]) -> str:
        padded = GAP.join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        return f" {mark} {padded}".rstrip()

    out = [line(" ", TABLE_HEADINGS)]
    for h, cells in zip(holds, rows, strict=True):
        out.append(line("*" if h.waiting_here else " ", cells))
        if h.told:
            out.append(f"   {h.told}")
    return out
