"""The readable half of a customer's data export: the JSON document as a PDF to hand over.

The customer asked what we hold on them; a JSON file answers a machine. This lays the
same document out on A4 or Letter pages, in sections (who they are, the card's summary,
every visit, referrals, holds, asks, merges), with the store's name and the date, in the
slip's fonts (so every script a name may be written in prints). Everything in the JSON is
here; an item not yet sent to the central database says so.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, Literal

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from posassist.domain.wording import plural
from posassist.printing.slip_fonts import markup, register_fonts

__all__ = ["PageSize", "build_customer_pdf"]

PageSize = Literal["A4", "Letter"]
_PAGES = {"A4": A4, "Letter": LETTER}
_NOT_SYNCED = " — not yet synced"
Doc = Mapping[str, Any]


class _Page:
    """The styles and the time format of one document."""

    def __init__(self, tz: tzinfo) -> None:
        regular, bold = register_fonts()
        self.tz = tz
        self.title = ParagraphStyle("title", fontName=bold, fontSize=16, leading=20)
        self.heading = ParagraphStyle(
            "heading", fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=3
        )
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5)
        self.item = ParagraphStyle(
            "item", parent=self.body, leftIndent=10, spaceBefore=2, bulletIndent=0
        )

    def when(self, text: str | None) -> str:
        if not text:
            return "—"
        at = datetime.fromisoformat(text)
        return at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if at.tzinfo else text

    def para(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(markup(text) or "&nbsp;", style or self.body)

    def bullet(self, text: str) -> Paragraph:
        return Paragraph(markup(text), self.item, bulletText="•")


def _mark(row: Doc) -> str:
    return "" if row.get("synced", True) else _NOT_SYNCED


def _records(p: _Page, doc: Doc) -> list[Flowable]:
    out: list[Flowable] = [p.para("Personal details", p.heading)]
    for rec in doc["records"]:
        label = "" if rec["primary"] else "Merged record: "
        out.append(p.para(f"{label}{rec['display_name']}{_mark(rec)}", p.body))
        for caption, value in (
            ("Phone", rec["phone_e164"]),
            ("E-mail", rec["email"]),
            ("Loyalty card", rec["card_code"]),
            ("May we contact you", "yes" if rec["consent_contact"] else "no"),
            ("Notes", rec["notes"]),
            ("Preferences", rec["preferences"]),
            ("Referred by (customer id)", rec["referred_by_id"]),
            ("Record created", p.when(rec["created_at"])),
            ("Record id", rec["id"]),
        ):
            out.append(p.bullet(f"{caption}: {value if value not in (None, '') else '—'}"))
    return out


def _summary(p: _Page, doc: Doc) -> list[Flowable]:
    card = doc.get("card")
    if not card:
        return []
    v, st, fav = card["visits"], card["standing"], card["favourites"]
    lines = [
        f"Customer since {card['customer_since']}; "
        f"{plural(int(v['total']), 'visit day')} in all, "
        f"{v['last_90_days']} in the last 90 days; last visit {v['last_visit'] or '—'}.",
        f"Standing: {st['tier']}. {st['reasons']}".strip(),
    ]
    if fav["most_often"]:
        lines.append("Buys most often: " + ", ".join(f["name"] for f in fav["most_often"]))
    if fav["asked_before"]:
        lines.append("Asked for before: " + ", ".join(a["item"] for a in fav["asked_before"]))
    return [p.para("What the card shows", p.heading), *(p.bullet(t) for t in lines)]


def _interaction(p: _Page, i: Doc) -> str:
    parts = [f"{p.when(i['occurred_at'])} — {i['kind'].replace('_', ' ')}"]
    if i["branch"]:
        parts.append(f"at {i['branch']}")
    if i["staff"]:
        parts.append(f"(served by {i['staff']})")
    text = " ".join(parts)
    if i["basket_minor"] is not None:
        text += f"; basket {i['basket_minor'] / 100:.2f}"
    items = [
        line["description"]
        if line["quantity"] == 1
        else f"{line['quantity']} × {line['description']}"
        for line in i["lines"]
    ]
    if items:
        text += "; items: " + ", ".join(items)
    if i["note"]:
        text += f"; note: {i['note']}"
    for v in i["voids"]:
        text += f"; voided {p.when(v['voided_at'])}: {v['reason']}{_mark(v)}"
    return text + _mark(i)


def _hold(p: _Page, h: Doc) -> str:
    text = (
        f"Hold {h['code']}: {h['product_name'] or h['sku']} at {h['holding_branch']}, "
        f"asked {p.when(h['created_at'])} at {h['requesting_branch']}, "
        f"{h['state'].replace('_', ' ')}, kept until {p.when(h['expires_at'])}{_mark(h)}"
    )
    for st in h["steps"]:
        text += (
            f"; {p.when(st['at'])} {st['from_state']} → {st['to_state']} at {st['branch']}"
            f" ({st['outcome']}){_mark(st)}"
        )
    return text


def _referral(p: _Page, r: Doc) -> str:
    where = r["vendor"] or r["branch"] or "—"
    what = f" for {r['item_asked']}" if r["item_asked"] else ""
    code = f", code {r['code']}" if r["code"] else ""
    return f"{p.when(r['created_at'])} — {r['direction']}: {where}{what}{code}{_mark(r)}"


def _section(
    p: _Page, title: str, rows: Sequence[Doc], line: Callable[[_Page, Doc], str]
) -> list[Flowable]:
    out: list[Flowable] = [p.para(f"{title} ({len(rows)})", p.heading)]
    if not rows:
        out.append(p.para("None."))
    out.extend(p.bullet(line(p, row)) for row in rows)
    return out


def build_customer_pdf(doc: Doc, *, store_name: str, tz: tzinfo, page: PageSize = "A4") -> bytes:
    """The export ``doc`` (``services/export_document.py``) as PDF bytes."""
    p = _Page(tz)
    story: list[Flowable] = [
        p.para(f"Customer data held by {store_name}", p.title),
        Spacer(1, 4),
        p.para(
            f"Exported {p.when(doc['exported_at'])} at {doc['branch']}. Everything we hold on "
            "this customer, including what this register has not sent to the central "
            "database yet (marked “not yet synced”). The same data is in the JSON file "
            "given with this one."
        ),
        *_records(p, doc),
        *_summary(p, doc),
        *_section(p, "Visits and other interactions", doc["interactions"], _interaction),
        *_section(p, "Referrals", doc["referrals"], _referral),
        *_section(p, "Holds between branches", doc["holds"], _hold),
        *_section(
            p,
            "Asked for, we did not have it",
            doc["unmet_demand"],
            lambda p, u: f"{p.when(u['created_at'])} — {u['item_asked']}{_mark(u)}",
        ),
        *_section(
            p,
            "Ids in the systems we imported from",
            doc["external_ids"],
            lambda p, x: f"{x['source']}: {x['external_id']}{_mark(x)}",
        ),
        *_section(
            p,
            "Records merged",
            doc["aliases"],
            lambda p, a: (
                f"{p.when(a['merged_at'])} — record {a['merged_id']} merged into "
                f"{a['survivor_id']}{_mark(a)}"
            ),
        ),
    ]
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=_PAGES[page],
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Customer data — {store_name}",
        author=store_name,
    )
    template.build(story)
    return out.getvalue()
