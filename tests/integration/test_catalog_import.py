"""Feed import into real SQLite files: formats, bad rows, re-import, retirement, atomic swap."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from catalog_adapter.errors import FeedError
from catalog_adapter.feeds import ImportReport, import_feeds
from catalog_adapter.models import ProductQuery
from catalog_adapter.sqlite import SqliteCatalog

HEADER = "id\ttitle\tdescription\tprice\tsale_price\tavailability\tbrand\tcolor\tproduct_type\n"


def tsv(*rows: str, header: str = HEADER) -> str:
    return header + "".join(r + "\n" for r in rows)


def product(pid: str, title: str, price: str = "10.00 USD", **kw: str) -> str:
    values = {
        "description": kw.get("description", f"A fine {title.lower()}."),
        "sale_price": kw.get("sale_price", ""),
        "availability": kw.get("availability", "in_stock"),
        "brand": kw.get("brand", "Acme"),
        "color": kw.get("color", "Blue"),
        "product_type": kw.get("product_type", "Furniture > Chairs"),
    }
    return "\t".join(
        [
            pid,
            title,
            values["description"],
            price,
            values["sale_price"],
            values["availability"],
            values["brand"],
            values["color"],
            values["product_type"],
        ]
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def reasons(report: ImportReport, severity: str = "error") -> list[str]:
    return [e.reason for e in report.errors if e.severity == severity]


def test_good_and_bad_rows(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "products.tsv",
        tsv(
            product("A1", "Oak Chair"),
            product("A2", "Euro Chair", "12,99 EUR"),
            product("A3", "Free Chair", "free"),
            product("A1", "Duplicate Chair"),
            product("A4", "Other Currency Chair", "12.99 EUR"),
            product("A5", "Odd Stock Chair", availability="maybe"),
            product("", "No Id Chair"),
            "A6,Comma Chair,wrong delimiter,10.00 USD",
            product("A7", "Sale Chair", "100.00 USD", sale_price="80.00 USD"),
            product("A8", "Thousands Sofa", "1,299.00 USD"),
        ),
    )
    report = import_feeds(tmp_path / "c.db", products=feed)
    assert report.products == 3 and report.imported == 3
    assert report.rejected == 7
    lines = {e.line: e.reason for e in report.errors}
    assert "decimal comma" in lines[3]
    assert "not a price" in lines[4]
    assert "duplicate id 'A1'" in lines[5]
    assert "in EUR" in lines[6]
    assert "availability 'maybe'" in lines[7]
    assert "id is empty" in lines[8]
    assert "wrong delimiter" in lines[9]
    assert all(e.file == str(feed) for e in report.errors)
    catalog = SqliteCatalog(tmp_path / "c.db")
    sale = catalog.get("A7")
    assert sale is not None and sale.current_price.amount == Decimal("80.00")
    sofa = catalog.get("A8")
    assert sofa is not None and sofa.price.amount == Decimal("1299.00")
    catalog.close()


def test_missing_required_column_fails_whole_file(tmp_path: Path) -> None:
    feed = write(tmp_path / "p.tsv", "id\ttitle\nA1\tChair\n")
    with pytest.raises(FeedError, match="missing required column.*price"):
        import_feeds(tmp_path / "c.db", products=feed)
    assert not (tmp_path / "c.db").exists()
    assert list(tmp_path.glob(".c.db.importing*")) == []


def test_one_column_header_hints_at_the_delimiter(tmp_path: Path) -> None:
    feed = write(tmp_path / "p.csv", "id:title:price\nA1:Chair:10.00 USD\n")
    with pytest.raises(FeedError, match="one column only"):
        import_feeds(tmp_path / "c.db", products=feed)


def test_csv_with_bom_and_quoted_fields(tmp_path: Path) -> None:
    feed = tmp_path / "p.csv"
    feed.write_bytes(
        "\ufeffid,title,description,price,availability\n"
        'B1,"Sofa, three seats","Deep seats, ""cloud"" soft",999.00 USD,in stock\n'.encode()
    )
    report = import_feeds(tmp_path / "c.db", products=feed)
    assert report.products == 1 and report.rejected == 0
    catalog = SqliteCatalog(tmp_path / "c.db")
    got = catalog.get("B1")
    assert got is not None and got.title == "Sofa, three seats"
    assert got.description == 'Deep seats, "cloud" soft'
    catalog.close()


def test_invalid_utf8_row_is_rejected_others_kept(tmp_path: Path) -> None:
    feed = tmp_path / "p.tsv"
    feed.write_bytes(
        (tsv(product("A1", "Good Chair"))).encode()
        + product("A2", "Bad \xff Chair").encode("latin-1")
        + b"\n"
        + (product("A3", "Caf\u00e9 Chair") + "\n").encode()
    )
    report = import_feeds(tmp_path / "c.db", products=feed)
    assert report.products == 2
    assert any("not valid UTF-8" in r for r in reasons(report))


def test_huge_description_is_cut_with_a_warning(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "p.tsv",
        tsv(product("A1", "Long Chair", description="x" * 5_000_000), product("A2", "Chair")),
    )
    report = import_feeds(tmp_path / "c.db", products=feed)
    assert report.products == 2 and report.rejected == 0
    assert any("5,000,000 characters" in r for r in reasons(report, "warning"))
    catalog = SqliteCatalog(tmp_path / "c.db")
    got = catalog.get("A1")
    assert got is not None and len(got.description) == 5000
    catalog.close()


def test_nothing_usable_raises_and_keeps_the_live_catalog(tmp_path: Path) -> None:
    target = tmp_path / "c.db"
    import_feeds(target, products=write(tmp_path / "good.tsv", tsv(product("A1", "Chair"))))
    before = target.read_bytes()
    bad = write(tmp_path / "bad.tsv", tsv(product("A1", "Chair", "free")))
    with pytest.raises(FeedError, match="no usable product rows"):
        import_feeds(target, products=bad)
    assert target.read_bytes() == before


def test_refuses_to_overwrite_a_foreign_file(tmp_path: Path) -> None:
    foreign = tmp_path / "state.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    feed = write(tmp_path / "p.tsv", tsv(product("A1", "Chair")))
    with pytest.raises(FeedError, match="not an Ambient Shop catalog|format"):
        import_feeds(foreign, products=feed)


def test_reimport_is_idempotent_and_retires_removed_ids(tmp_path: Path) -> None:
    target = tmp_path / "c.db"
    first = write(tmp_path / "p1.tsv", tsv(product("A1", "Chair"), product("A2", "Table")))
    report = import_feeds(target, products=first)
    assert (report.imported, report.updated, report.retired) == (2, 0, 0)
    again = import_feeds(target, products=first)
    assert (again.imported, again.updated, again.unchanged, again.retired) == (0, 0, 2, 0)
    second = write(
        tmp_path / "p2.tsv", tsv(product("A1", "Chair", "12.00 USD"), product("A3", "Lamp"))
    )
    changed = import_feeds(target, products=second)
    assert (changed.imported, changed.updated, changed.unchanged, changed.retired) == (1, 1, 0, 1)
    catalog = SqliteCatalog(target)
    retired = catalog.get("A2")
    assert retired is not None and retired.availability == "out_of_stock"
    assert catalog.search(ProductQuery(text="table")) == []
    catalog.close()
    # Back in the feed: active again, counted as new.
    back = import_feeds(target, products=write(tmp_path / "p3.tsv", tsv(product("A2", "Table"))))
    assert back.imported == 1


def test_open_reader_keeps_its_catalog_until_the_swap(tmp_path: Path) -> None:
    target = tmp_path / "c.db"
    import_feeds(target, products=write(tmp_path / "p1.tsv", tsv(product("A1", "Oak Chair"))))
    catalog = SqliteCatalog(target)
    assert [p.id for p in catalog.search(ProductQuery(text="chair"))] == ["A1"]
    import_feeds(target, products=write(tmp_path / "p2.tsv", tsv(product("B1", "Walnut Chair"))))
    # The next call sees the whole new catalog, never a mixture.
    assert [p.id for p in catalog.search(ProductQuery(text="chair"))] == ["B1"]
    catalog.close()


def test_inventory_and_appearances(tmp_path: Path) -> None:
    products = write(tmp_path / "p.tsv", tsv(product("A1", "Chair"), product("A2", "Sofa")))
    stores = write(
        tmp_path / "stores.tsv",
        "store_code\tname\tcity\tneighborhood\nS1\tShop Downtown\tSeattle\tDowntown\n"
        "S2\tShop Uptown\tSeattle\tUptown\n",
    )
    inventory = write(
        tmp_path / "inv.tsv",
        "store_code\tid\tquantity\tprice\tavailability\tpickup_method\tpickup_sla\n"
        "S1\tA1\t4\t\t\tbuy\tsame day\n"
        "S2\tA1\t0\t\tout_of_stock\t\t\n"
        "S9\tA1\t3\t\t\t\t\n"
        "S1\tZZ\t3\t\t\t\t\n"
        "S1\tA2\tmany\t\t\t\t\n"
        "S1\tA1\t5\t\t\t\t\n",
    )
    appearances = write(
        tmp_path / "app.tsv",
        "person\tmedia\tepisode\tproduct_id\tmatch\tproduct_type\tsource_link\n"
        "Some Star\tSome Show\tS1\tA1\texact\tchair\thttps://example.com\n"
        "Some Star\tSome Show\tS1\tA2\tmaybe\tsofa\t\n"
        "\t\t\tA2\tsimilar\tsofa\t\n",
    )
    report = import_feeds(
        tmp_path / "c.db",
        products=products,
        inventory=inventory,
        appearances=appearances,
        stores=stores,
    )
    assert report.inventory_rows == 2 and report.appearance_rows == 1
    errors = " | ".join(reasons(report))
    assert "unknown store_code 'S9'" in errors
    assert "product 'ZZ' is not in the product feed" in errors
    assert "quantity 'many'" in errors
    assert "duplicate row for store 'S1'" in errors
    assert "match 'maybe'" in errors
    assert "needs a person or a media" in errors
    catalog = SqliteCatalog(tmp_path / "c.db")
    stock = catalog.availability("A1")
    assert [(s.store_code, s.quantity) for s in stock] == [("S1", 4), ("S2", 0)]
    assert catalog.seen_on(person="some star").exact is not None
    catalog.close()
    # A product-only re-import keeps the stores, stock and appearances.
    again = import_feeds(tmp_path / "c.db", products=products)
    assert again.inventory_rows == 2 and again.appearance_rows == 1 and again.stores == 2


def test_rss_feed(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "feed.xml",
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
<channel><title>Shop</title>
<item>
  <g:id>R1</g:id><title>Linen Shirt</title><description>Breezy &amp; soft.</description>
  <link>https://shop.example/r1</link><g:price>45.00 USD</g:price>
  <g:availability>in stock</g:availability><g:color>White</g:color>
  <g:shipping><g:country>US</g:country><g:price>4.99 USD</g:price></g:shipping>
</item>
<item><g:id>R2</g:id><title>Bad Price</title><g:price>gratis</g:price></item>
</channel></rss>""",
    )
    report = import_feeds(tmp_path / "c.db", products=feed)
    assert report.products == 1 and report.rejected == 1
    assert [e.line for e in report.errors if e.severity == "error"] == [10]
    catalog = SqliteCatalog(tmp_path / "c.db")
    got = catalog.get("R1")
    assert got is not None and got.description == "Breezy & soft." and got.color == "White"
    catalog.close()


def test_atom_feed_and_broken_xml(tmp_path: Path) -> None:
    atom = write(
        tmp_path / "feed.atom",
        """<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<entry><g:id>T1</g:id><title>Oak Table</title><link href="https://shop.example/t1"/>
<summary>Solid oak.</summary><g:price>300.00 USD</g:price></entry>
<entry><g:id>T2</g:id><title>Pine Table</title><g:price>200.00 USD</g:price>
</feed>""",
    )
    report = import_feeds(tmp_path / "c.db", products=atom)
    assert report.products == 1
    assert any("broken XML" in r for r in reasons(report))
    catalog = SqliteCatalog(tmp_path / "c.db")
    got = catalog.get("T1")
    assert got is not None and got.link == "https://shop.example/t1"
    catalog.close()
    with pytest.raises(FeedError, match="broken XML"):
        import_feeds(tmp_path / "d.db", products=write(tmp_path / "x.xml", "<rss><item>"))


def test_progress_is_reported(tmp_path: Path) -> None:
    rows = [product(f"P{i}", f"Chair {i}") for i in range(12_000)]
    seen: list[tuple[int, int | None]] = []
    import_feeds(
        tmp_path / "c.db",
        products=write(tmp_path / "p.tsv", tsv(*rows)),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (12_000, 12_000)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert len(seen) >= 3


def test_sale_window_and_extra_synonyms(tmp_path: Path) -> None:
    header = "id\ttitle\tprice\tsale_price\tsale_price_effective_date\n"
    feed = write(
        tmp_path / "p.tsv",
        header
        + "S1\tPast Sale Settle\t100.00 USD\t50.00 USD\t"
        + "2001-01-01T00:00-0800/2001-02-01T00:00-0800\n"
        + "S2\tOpen Sale Stool\t100.00 USD\t60.00 USD\t2001-01-01T00:00Z/\n"
        + "S3\tBad Dates Stool\t100.00 USD\t60.00 USD\tsoon\n",
    )
    synonyms = write(tmp_path / "syn.txt", "[product_type]\nstool, perch\n")
    report = import_feeds(tmp_path / "c.db", products=feed, synonyms=synonyms)
    assert report.products == 2 and "sale_price_effective_date 'soon'" in reasons(report)[0]
    catalog = SqliteCatalog(tmp_path / "c.db")
    past = catalog.get("S1")
    assert past is not None and past.sale_price is None
    current = catalog.get("S2")
    assert current is not None and current.current_price.amount == Decimal("60.00")
    assert [p.id for p in catalog.search(ProductQuery(text="perch"))] == ["S2"]
    assert "perch" in catalog.vocabulary()["product_types"]
    catalog.close()
