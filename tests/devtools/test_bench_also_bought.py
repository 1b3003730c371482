"""The "also bought" bench rows time a real build and real queries (on a small store)."""

from __future__ import annotations

from posassist.app import Backend
from posassist.devtools.bench.also_bought import also_bought_rows
from posassist.services.customers import NewCustomer
from posassist.services.interactions import LineItem
from posassist.storage.orm import Product


def test_rows_have_the_build_and_the_query_with_their_targets(backend: Backend) -> None:
    with backend.db.write() as s:
        s.add_all([Product(sku="A", name="Apples"), Product(sku="B", name="Bread")])
    cid = backend.customers.create(NewCustomer("Ann"))
    backend.interactions.log(
        cid, "purchase", items=[LineItem("a", sku="A"), LineItem("b", sku="B")]
    )
    build, query = also_bought_rows(backend, 20)
    assert build.n == 1
    assert build.target == "median ≤ 30 s"
    assert build.ok
    assert query.n == 20
    assert query.target == "p95 ≤ 5 ms"
    assert backend.also_bought.for_sku("A")[0].name == "Bread"  # the build really ran
