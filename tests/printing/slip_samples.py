"""A realistic referral slip for the printing tests, and warm build timings of it.

Test code: the slip tests vary this one slip field by field, and :func:`bench_slip_pdf`
checks that timing a warm build works (``posassist bench`` reports the real timings).
"""

from __future__ import annotations

from datetime import date

from posassist.devtools.bench.referrals import slip_build_times
from posassist.printing.slip_pdf import SlipData


def sample_slip_data() -> SlipData:
    """A realistic slip: a Portsmouth hardware store sends a customer to an audio shop."""
    return SlipData(
        store_name="Bluebell Hardware & Home",
        store_address="14 Harbour Road\nPortsmouth PO1 2AB",
        store_phone="+44 23 9200 0000",
        item_asked="Bluetooth speaker",
        target_kind="vendor",
        target_name="Sound Hut Audio",
        target_address="22 Elm Street, Southsea PO5 3XY",
        target_phone="+44 23 9281 1234",
        target_hours="Mo-Fr 09:00-18:00; Sa 10:00-16:00; Su closed",
        qr_url="https://www.openstreetmap.org/?mlat=50.7857&mlon=-1.0872#map=18/50.7857/-1.0872",
        referral_code="K7Q2-M9XD",
        issued_on=date(2025, 6, 4),
    )


def bench_slip_pdf(layout: str = "80mm", runs: int = 50) -> list[float]:
    """Warm build times of the sample slip in milliseconds, timed as ``posassist bench``
    times the slip row; the budget is a 30 ms median."""
    return slip_build_times(sample_slip_data(), layout, runs)
