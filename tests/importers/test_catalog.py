"""Catalogue and stock files: good ones in, each bad one refused whole, naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from posassist.app import Backend
from posassist.errors import InvalidInputError
from posassist.services.context import branch_id_for
from posassist.storage.orm import Branch, BranchStock, Outbox, Product

CATALOG = "sku,name,category\nK1,Blue kettle,Kitchen\nM1,Red mug,Kitchen\n"


@pytest.fixture
def store(backend: Backend, tmp_path: Path) -> Backend:
    """The default branch MAIN plus RIV, and a two-product catalogue."""
    with backend.db.write() as s:
        s.add(Branch(id=branch_id_for("RIV"), code="RIV", name="Riverside"))
    path = tmp_path / "catalog.csv"
    path.write_text(CATALOG, encoding="utf-8")
    backend.catalog.import_products(path)
    return backend


def counts(backend: Backend) -> tuple[int, int, int]:
    with backend.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Product)) or 0,
            s.scalar(select(func.count()).select_from(BranchStock)) or 0,
            s.scalar(select(func.count()).select_from(Outbox)) or 0,
        )


def test_a_utf8_file_with_a_bom_and_semicolons_is_read(store: Backend, tmp_path: Path) -> None:
    path = tmp_path / "stock.csv"
    path.write_bytes("\ufeffBranch_Code;SKU;On_Hand\r\nRIV;K1;3\r\n\r\nMAIN;M1;0\r\n".encode())
    result = store.catalog.import_stock(path)
    assert (result.written, result.branches) == (2, ("RIV", "MAIN"))
    products = tmp_path / "more.csv"
    products.write_bytes("\ufeffsku,name,category,aisle\nC1,Crème brûlée set,Kitchen,A4\n".encode())
    assert store.catalog.import_products(products).added == 1


STOCK_HEADER = "branch_code,sku,on_hand,as_of\n"
BAD_STOCK = {
    "unknown branch": ("RIV,K1,3,\nXX,K1,3,\n", 3, "unknown branch code “XX”"),
    "sku not in catalog": ("RIV,K1,3,\nRIV,Z9,3,\n", 3, "SKU Z9 is not in the catalogue"),
    "negative": ("RIV,K1,-3,\n", 2, "on_hand cannot be negative"),
    "not a whole number": ("RIV,K1,2.5,\n", 2, "on_hand must be a whole number"),
    "not a number": ("RIV,K1,lots,\n", 2, "on_hand must be a whole number"),
    "empty on_hand": ("RIV,K1,,\n", 2, "the on_hand is empty"),
    "bad as_of": ("RIV,K1,3,yesterday\n", 2, "as_of “yesterday” is not a time"),
    "future as_of": ("RIV,K1,3,2030-01-01 10:00\n", 2, "is in the future"),
    "duplicate row": ("RIV,K1,3,\nMAIN,K1,1,\nRIV,K1,4,\n", 4, "RIV / K1 is already on line 2"),
    "too few cells": ("RIV,K1\n", 2, "expected 4 cells like the header, found 2"),
    "control character": ("RIV,K\x011,3,\n", 2, "control character"),
}


@pytest.mark.parametrize("case", BAD_STOCK, ids=list(BAD_STOCK))
def test_a_bad_stock_file_changes_nothing_and_names_file_and_line(
    store: Backend, tmp_path: Path, case: str
) -> None:
    body, line, message = BAD_STOCK[case]
    path = tmp_path / "stock.csv"
    path.write_text(STOCK_HEADER + body, encoding="utf-8")
    before = counts(store)
    with pytest.raises(InvalidInputError) as exc:
        store.catalog.import_stock(path)
    assert str(exc.value).startswith(f"{path}, line {line}: "), str(exc.value)
    assert message in str(exc.value)
    assert counts(store) == before


BAD_FILES = {
    "missing column": (b"branch_code,sku\nRIV,K1\n", 1, "the header has no “on_hand” column"),
    "unknown column": (b"branch_code,sku,on_hand,qty\n", 1, "unknown column “qty”"),
    "repeated column": (b"branch_code,sku,on_hand,sku\n", 1, "the column “sku” appears twice"),
    "empty file": (b"", 1, "the file is empty"),
    "not utf-8": (b"branch_code,sku,on_hand\nRIV,K1,3\nRIV,Cr\x81me,3\n", 3, "not UTF-8"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_stock_file_that_cannot_be_read_is_refused(
    store: Backend, tmp_path: Path, case: str
) -> None:
    raw, line, message = BAD_FILES[case]
    path = tmp_path / "stock.csv"
    path.write_bytes(raw)
    before = counts(store)
    with pytest.raises(InvalidInputError) as exc:
        store.catalog.import_stock(path)
    assert str(exc.value).startswith(f"{path}, line {line}: ")
    assert message in str(exc.value)
    assert counts(store) == before


BAD_PRODUCTS = {
    "duplicate sku": ("K2,Kettle,Kitchen\nK2,Kettle 2,Kitchen\n", 3, "K2 is already on line 2"),
    "empty name": ("K2,,Kitchen\n", 2, "the name is empty"),
    "empty sku": (",Kettle,Kitchen\n", 2, "the sku is empty"),
    "bad carried": ("K2,Kettle,Kitchen,perhaps\n", 2, "carried must be yes or no"),
    "name too long": (f"K2,{'x' * 301},Kitchen\n", 2, "the name is longer than 300"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_PRODUCTS, ids=list(BAD_PRODUCTS))
def test_a_bad_products_file_changes_nothing(store: Backend, tmp_path: Path, case: str) -> None:
    body, line, message = BAD_PRODUCTS[case]
    header = "sku,name,category,carried\n" if "carried" in case else "sku,name,category\n"
    path = tmp_path / "products.csv"
    path.write_text(header + body, encoding="utf-8")
    before = counts(store)
    with pytest.raises(InvalidInputError) as exc:
        store.catalog.import_products(path)
    assert str(exc.value).startswith(f"{path}, line {line}: ")
    assert message in str(exc.value)
    assert counts(store) == before


def test_a_products_file_needs_sku_name_and_category(store: Backend, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text("sku,name\nK2,Kettle\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="line 1: the header has no “category” column"):
        store.catalog.import_products(path)
