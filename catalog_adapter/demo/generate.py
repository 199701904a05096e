"""Writes the bundled demo feeds for the fictional retailer Acme Home; deterministic (fixed seed).

The data (stores, categories and styles, featured products, seen-on references ...) lives in
source/acme_home.yaml; this module only turns it into feed files. Run
`python -m catalog_adapter.demo.generate` after changing either, and commit the output files, so
every checkout ships the same demo catalog without running anything.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from catalog_adapter.sqlite.schema import APPEARANCE_COLUMNS, STORE_COLUMNS

SEED = 20240611
OUT_DIR = Path(__file__).resolve().parent
SOURCE = OUT_DIR / "source" / "acme_home.yaml"

# The Google Merchant attributes the demo feeds carry, in their column order.
PRODUCT_COLUMNS = (
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "price",
    "sale_price",
    "availability",
    "brand",
    "gtin",
    "color",
    "size",
    "material",
    "pattern",
    "product_type",
    "gender",
    "item_group_id",
)
INVENTORY_COLUMNS = (
    "store_code",
    "id",
    "quantity",
    "price",
    "availability",
    "pickup_method",
    "pickup_sla",
)


@dataclass(frozen=True)
class Style:
    """One design that is sold in one or more colours (one product row per colour)."""

    name: str
    material: str
    low: int
    high: int
    features: tuple[str, ...]
    pattern: str = "Solid"


@dataclass(frozen=True)
class Category:
    product_type: str
    noun: str
    brands: tuple[str, ...]
    colors: tuple[str, ...]
    styles: tuple[Style, ...]
    sizes: str = ""
    genders: tuple[str, ...] = ("unisex",)
    openers: tuple[str, ...] = ()
    closers: tuple[str, ...] = ()
    furniture: bool = False
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """The demo's data as read from the YAML source file."""

    site: str
    stores: tuple[dict[str, str], ...]
    fit: dict[str, tuple[str, ...]]
    forced_colors: dict[str, str]
    categories: tuple[Category, ...]
    featured: tuple[dict[str, str], ...]
    added: tuple[dict[str, str], ...]
    appearances: tuple[dict[str, str], ...]

    @property
    def added_ids(self) -> frozenset[str]:
        return frozenset(str(a["id"]) for a in self.added)


def load_source(path: Path = SOURCE) -> Source:
    """Read the YAML source; categories name their size list and care notes, or give their own."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    sizes: dict[str, str] = raw["sizes"]
    care: dict[str, list[str]] = raw["care"]

    def category(spec: dict[str, Any]) -> Category:
        closers = spec.get("closers", ())
        return Category(
            product_type=spec["product_type"],
            noun=spec["noun"],
            brands=tuple(spec["brands"]),
            colors=tuple(spec["colors"]),
            styles=tuple(
                Style(
                    name=s["name"],
                    material=s["material"],
                    low=s["low"],
                    high=s["high"],
                    features=tuple(s["features"]),
                    pattern=s.get("pattern", "Solid"),
                )
                for s in spec["styles"]
            ),
            sizes=sizes[spec["sizes"]] if "sizes" in spec else "",
            genders=tuple(spec.get("genders", ("unisex",))),
            openers=tuple(spec.get("openers", ())),
            closers=tuple(care[closers] if isinstance(closers, str) else closers),
            furniture=bool(spec.get("furniture", False)),
            extra=dict(spec.get("extra", {})),
        )

    return Source(
        site=raw["site"],
        stores=tuple(raw["stores"]),
        fit={kind: tuple(notes) for kind, notes in raw["fit"].items()},
        forced_colors=dict(raw["forced_colors"]),
        categories=tuple(category(spec) for spec in raw["categories"]),
        featured=tuple(raw["featured"]),
        added=tuple(raw["added"]),
        appearances=tuple(raw["appearances"]),
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def gtin13(rng: random.Random) -> str:
    """A random GTIN-13 with a correct check digit."""
    body = "08" + "".join(str(rng.randrange(10)) for _ in range(10))
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def price_in(rng: random.Random, low: int, high: int) -> Decimal:
    """A retail-looking price: .00 for furniture-scale amounts, .00 or .50 otherwise."""
    base = rng.randint(low, high)
    if base >= 300:
        return Decimal(base - base % 10 + 9 if base % 10 else base - 1)
    return Decimal(base - base % 2) + (Decimal("0.50") if rng.random() < 0.3 else Decimal(0))


def money(amount: Decimal) -> str:
    return f"{amount:.2f} USD"


def describe(rng: random.Random, source: Source, cat: Category, style: Style, color: str) -> str:
    opener = rng.choice(cat.openers) if cat.openers else ""
    a, b, c = style.features
    noun = style.name.lower()
    body = (
        f"Our {noun} in {color.lower()} comes with {a}, {b} and {c}. "
        if rng.random() < 0.5
        else f"This {noun} pairs {a} with {b}, finished with {c}. "
    )
    material = f"Made from {style.material.lower()}."
    fit = rng.choice(source.fit["furniture" if cat.furniture else "apparel"])
    closer = rng.choice(cat.closers) if cat.closers else ""
    return " ".join(part for part in (opener, body + material, fit, closer) if part)


def build_products(
    source: Source, rng: random.Random, added_rng: random.Random
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    prefix_of = {
        cat.product_type: f"{cat.noun[:2].upper()}{i:02d}"
        for i, cat in enumerate(source.categories)
    }
    featured_titles = {f["title"] for f in source.featured}
    for cat in source.categories:
        prefix = prefix_of[cat.product_type]
        for s_index, style in enumerate(cat.styles):
            brand = cat.brands[s_index % len(cat.brands)]
            n_colors = rng.choice((3, 3, 4, 4, 5))
            colors = rng.sample(cat.colors, k=min(n_colors, len(cat.colors)))
            forced = source.forced_colors.get(style.name)
            if forced and forced not in colors:
                colors[0] = forced
            base_price = price_in(rng, style.low, style.high)
            group = f"AH-{prefix}-{s_index:02d}"
            gender = rng.choice(cat.genders) if not cat.furniture else ""
            for color in colors:
                pid = f"{group}-{slug(color)[:6].upper()}"
                title = f"{brand} {style.name} - {color}"
                if title in featured_titles:
                    continue
                roll = rng.random()
                availability = (
                    "in_stock"
                    if roll < 0.82
                    else "limited_availability"
                    if roll < 0.88
                    else "out_of_stock"
                    if roll < 0.96
                    else "backorder"
                    if roll < 0.98
                    else "preorder"
                )
                sale = ""
                if rng.random() < 0.18:
                    off = Decimal(rng.choice((10, 15, 20, 25, 30))) / 100
                    sale = money((base_price * (1 - off)).quantize(Decimal("1")))
                rows.append(
                    {
                        "id": pid,
                        "title": title,
                        "description": describe(rng, source, cat, style, color),
                        "link": f"{source.site}/products/{slug(title)}",
                        "image_link": f"{source.site}/images/{pid.lower()}.jpg",
                        "price": money(base_price),
                        "sale_price": sale,
                        "availability": availability,
                        "brand": brand,
                        "gtin": gtin13(rng),
                        "color": color,
                        "size": cat.sizes,
                        "material": style.material,
                        "pattern": style.pattern,
                        "product_type": cat.product_type,
                        "gender": gender,
                        "item_group_id": group,
                    }
                )
    for featured in source.featured:
        row = dict(featured)
        row["link"] = f"{source.site}/products/{slug(row['title'])}"
        row["image_link"] = f"{source.site}/images/{row['id'].lower()}.jpg"
        row["price"] = money(Decimal(row["price"]))
        row["sale_price"] = money(Decimal(row["sale_price"])) if row["sale_price"] else ""
        row["gtin"] = gtin13(rng)
        rows.append(row)
    for added in source.added:
        row = {column: "" for column in PRODUCT_COLUMNS}
        row.update(added)
        row["pattern"] = row["pattern"] or "Solid"
        row["item_group_id"] = row["item_group_id"] or f"{row['id']}G"
        row["link"] = f"{source.site}/products/{slug(row['title'])}"
        row["image_link"] = f"{source.site}/images/{row['id'].lower()}.jpg"
        row["price"] = money(Decimal(row["price"]))
        row["gtin"] = gtin13(added_rng)
        rows.append(row)
    rows.sort(key=lambda r: r["id"])
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise SystemExit("generated product ids collide; adjust the id scheme")
    return rows


def build_inventory(
    source: Source, rng: random.Random, products: list[dict[str, str]], added_rng: random.Random
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    featured_ids = {f["id"] for f in source.featured}
    added_ids = source.added_ids
    for store_code in (store["store_code"] for store in source.stores):
        for product in products:
            if product["id"] in added_ids:
                rows.append(_added_stock(added_rng, store_code, product))
                continue
            big = product["product_type"].startswith("Furniture > Sofas") or (
                "Dining Tables" in product["product_type"]
            )
            carried = product["id"] in featured_ids or rng.random() < (0.45 if big else 0.8)
            if not carried:
                continue
            if product["availability"] == "out_of_stock":
                quantity = 0
            elif product["id"] in featured_ids and store_code in ("SEA-DT", "SEA-CH"):
                quantity = rng.randint(3, 9)
            else:
                quantity = rng.choice((0, 0, 1, 2, 3, 4, 5, 6, 8, 12))
            pickup = "buy" if quantity else "not supported"
            sla = rng.choice(("same day", "same day", "next day")) if quantity else ""
            price = ""
            if quantity and rng.random() < 0.05:
                # An in-store only markdown, as local-inventory feeds allow.
                online = Decimal(product["price"].split()[0])
                price = money((online * Decimal("0.9")).quantize(Decimal("1")))
            rows.append(
                {
                    "store_code": store_code,
                    "id": product["id"],
                    "quantity": str(quantity),
                    "price": price,
                    "availability": "in_stock" if quantity else "out_of_stock",
                    "pickup_method": pickup,
                    "pickup_sla": sla,
                }
            )
    return rows


def _added_stock(rng: random.Random, store_code: str, product: dict[str, str]) -> dict[str, str]:
    """Every store carries the added products, with a few in stock at each."""
    quantity = rng.randint(1, 6)
    return {
        "store_code": store_code,
        "id": product["id"],
        "quantity": str(quantity),
        "price": "",
        "availability": "in_stock",
        "pickup_method": "buy",
        "pickup_sla": rng.choice(("same day", "next day")),
    }


def build_appearances(source: Source, products: list[dict[str, str]]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for look in source.appearances:
        person, media, episode, target, match, garment, item, link = (
            look[column] for column in APPEARANCE_COLUMNS
        )
        if target.startswith("@"):
            # Similar-only: link every in-stock colourway of the closest style we sell.
            style = target[1:]
            ids = [
                p["id"]
                for p in products
                if p["title"].split(" - ")[0].endswith(style)
                and p["availability"] != "out_of_stock"
            ]
            if not ids:
                raise SystemExit(f"no product of style {style!r} for {person} / {media}")
            # The colourways closest to what was seen come first.
            seen = set(re.findall(r"[a-z]+", item.lower()))
            colour_of = {p["id"]: p["color"] for p in products}
            ids.sort(
                key=lambda pid: -len(seen & set(re.findall(r"[a-z]+", colour_of[pid].lower())))
            )
        else:
            ids = [target]
        for pid in ids[:3]:
            rows.append(
                {
                    "person": person,
                    "media": media,
                    "episode": episode,
                    "product_id": pid,
                    "match": match,
                    "product_type": garment,
                    "item": item,
                    "source_link": link,
                }
            )
    return rows


def write_tsv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(
            f, fieldnames=columns, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    source = load_source()
    rng = random.Random(SEED)
    added_rng = random.Random(SEED + 1)
    products = build_products(source, rng, added_rng)
    write_tsv(OUT_DIR / "products.tsv", PRODUCT_COLUMNS, products)
    write_tsv(
        OUT_DIR / "inventory.tsv",
        INVENTORY_COLUMNS,
        build_inventory(source, rng, products, added_rng),
    )
    write_tsv(OUT_DIR / "appearances.tsv", APPEARANCE_COLUMNS, build_appearances(source, products))
    write_tsv(OUT_DIR / "stores.tsv", STORE_COLUMNS, list(source.stores))
    print(f"wrote {len(products)} products to {OUT_DIR}")


if __name__ == "__main__":
    main()
