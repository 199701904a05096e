"""Writes the bundled demo feeds for the fictional retailer Acme Home; deterministic (fixed seed).

Run `python -m catalog_adapter.demo.generate` after changing it and commit the output files, so
every checkout ships the same demo catalog without running anything.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

SEED = 20240611
OUT_DIR = Path(__file__).resolve().parent
SITE = "https://acmehome.example"

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
APPEARANCE_COLUMNS = (
    "person",
    "media",
    "episode",
    "product_id",
    "match",
    "product_type",
    "item",
    "source_link",
)
STORE_COLUMNS = (
    "store_code",
    "name",
    "address",
    "city",
    "neighborhood",
    "phone",
    "timezone",
    "hours",
)

SEATTLE = "America/Los_Angeles"
STORES = (
    (
        "SEA-DT",
        "Acme Home Downtown",
        "1420 Fifth Avenue",
        "Seattle",
        "Downtown",
        "+1 206-555-0142",
        SEATTLE,
        "Mo-Sa 10:00-20:00; Su 11:00-18:00",
    ),
    (
        "SEA-CH",
        "Acme Home Capitol Hill",
        "612 Broadway East",
        "Seattle",
        "Capitol Hill",
        "+1 206-555-0161",
        SEATTLE,
        "Mo-Th 11:00-19:00; Fr-Sa 11:00-21:00; Su 12:00-17:00",
    ),
    (
        "SEA-BL",
        "Acme Home Ballard",
        "5301 Ballard Avenue NW",
        "Seattle",
        "Ballard",
        "+1 206-555-0153",
        SEATTLE,
        "Mo-Fr 10:00-19:00; Sa 09:00-19:00; Su 10:00-17:00",
    ),
    (
        "BEL-SQ",
        "Acme Home Bellevue Square",
        "575 Bellevue Square",
        "Bellevue",
        "Bellevue Square",
        "+1 425-555-0175",
        SEATTLE,
        "Mo-Sa 09:30-21:30; Su 11:00-19:00",
    ),
)

APPAREL_SIZES = "XS, S, M, L, XL"
PANTS_SIZES = "28, 30, 32, 34, 36, 38"
SHOE_SIZES = "6, 7, 8, 9, 10, 11, 12"
ONE_SIZE = "One Size"


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


KNIT_CARE = (
    "Hand wash cold and dry flat to keep its shape.",
    "Machine wash cold on a gentle cycle; lay flat to dry.",
    "Dry clean or hand wash; store folded, never on a hanger.",
)
WOVEN_CARE = (
    "Machine wash cold with like colours; tumble dry low.",
    "Machine washable; warm iron if needed.",
    "Wash cold, hang to dry, and it only gets softer.",
)
FURNITURE_CARE = (
    "Arrives fully assembled, with white-glove delivery available in the Seattle area.",
    "Ships flat-packed with all hardware included; assembly takes about thirty minutes.",
    "Some assembly required: legs attach in minutes, no tools needed.",
    "Delivered to your room of choice; packaging removed on request.",
)

CATEGORIES: tuple[Category, ...] = (
    Category(
        product_type="Apparel & Accessories > Clothing > Sweaters",
        noun="sweater",
        brands=("Fable Knit", "Northfold", "Marlow Mills", "Loom & Lantern"),
        colors=(
            "Cream",
            "Oatmeal",
            "Charcoal Gray",
            "Navy",
            "Forest Green",
            "Rust",
            "Black",
            "Camel",
            "Burgundy",
        ),
        sizes=APPAREL_SIZES,
        genders=("unisex", "female", "male"),
        styles=(
            Style(
                "Merino Crewneck Sweater",
                "Merino wool",
                68,
                98,
                (
                    "a clean crew neckline",
                    "ribbed cuffs and hem",
                    "fine-gauge merino that layers under a coat without bulk",
                ),
            ),
            Style(
                "Chunky Cable-Knit Sweater",
                "Wool blend",
                88,
                128,
                (
                    "oversized cables down the front",
                    "a relaxed, slightly cropped body",
                    "a soft wool blend that keeps its loft",
                ),
                "Cable knit",
            ),
            Style(
                "Cashmere V-Neck Sweater",
                "Cashmere",
                148,
                198,
                (
                    "a flattering V-neck",
                    "Grade-A Mongolian cashmere",
                    "a featherweight knit that feels warm from the first wear",
                ),
            ),
            Style(
                "Shawl-Collar Cardigan",
                "Lambswool",
                98,
                138,
                ("a deep shawl collar", "horn-effect buttons", "two patch pockets for cold hands"),
            ),
            Style(
                "Fisherman Rollneck Sweater",
                "Wool",
                118,
                158,
                (
                    "a generous roll neck",
                    "traditional fisherman stitching",
                    "a dense knit built for windy coastal walks",
                ),
                "Textured",
            ),
            Style(
                "Striped Cotton Pullover",
                "Organic cotton",
                58,
                78,
                (
                    "breton-inspired stripes",
                    "a boxy, easy fit",
                    "breathable organic cotton for in-between weather",
                ),
                "Striped",
            ),
            Style(
                "Fair Isle Crewneck Sweater",
                "Wool",
                108,
                138,
                (
                    "a traditional Fair Isle yoke",
                    "a dozen yarn colours worked by hand-framed machines",
                    "a true-to-size fit",
                ),
                "Fair Isle",
            ),
            Style(
                "Mohair-Blend Cardigan",
                "Mohair blend",
                118,
                148,
                (
                    "a brushed, cloud-soft surface",
                    "oversized buttons",
                    "a cropped length that pairs with high-waisted trousers",
                ),
            ),
            Style(
                "Cotton Quarter-Zip Sweater",
                "Cotton",
                64,
                88,
                (
                    "a quarter-zip neck",
                    "a soft waffle texture",
                    "a tailored fit that works over a collared shirt",
                ),
            ),
        ),
        openers=(
            "Meet the sweater you'll reach for all season.",
            "A knit that earns its place in your rotation.",
            "Cosy, considered and made to last.",
            "Our take on a cold-weather classic.",
        ),
        closers=KNIT_CARE,
    ),
    Category(
        product_type="Apparel & Accessories > Clothing > Shirts & Tops > T-Shirts",
        noun="t-shirt",
        brands=("Harbor Standard", "Kestrel", "Juniper Row"),
        colors=("White", "Black", "Heather Gray", "Navy", "Olive", "Sand"),
        sizes=APPAREL_SIZES,
        genders=("unisex", "male", "female"),
        styles=(
            Style(
                "Heavyweight Crew T-Shirt",
                "Cotton",
                32,
                42,
                (
                    "a heavyweight 240 gsm jersey",
                    "a reinforced collar that keeps its shape",
                    "a boxy, slightly dropped shoulder",
                ),
            ),
            Style(
                "Everyday Pima Tee",
                "Pima cotton",
                24,
                32,
                (
                    "long-staple Pima cotton",
                    "a close but not tight fit",
                    "a smooth hand that resists pilling",
                ),
            ),
            Style(
                "Slub Pocket Tee",
                "Cotton",
                26,
                34,
                (
                    "a single chest pocket",
                    "textured slub jersey",
                    "garment dyeing for a lived-in colour",
                ),
            ),
            Style(
                "Striped Long-Sleeve Tee",
                "Cotton",
                34,
                44,
                ("classic mariner stripes", "long sleeves", "a mid-weight jersey"),
                "Striped",
            ),
        ),
        openers=(
            "The foundation of every good outfit.",
            "The tee you'll wear until it falls apart (it won't, for years).",
            "A wardrobe staple, done right.",
        ),
        closers=WOVEN_CARE,
    ),
    Category(
        product_type="Apparel & Accessories > Clothing > Shirts & Tops > Shirts",
        noun="shirt",
        brands=("Marlow Mills", "Harbor Standard", "Wren & Pike"),
        colors=("White", "Light Blue", "Chambray", "Sage", "Ecru"),
        sizes=APPAREL_SIZES,
        genders=("male", "female", "unisex"),
        styles=(
            Style(
                "Oxford Button-Down Shirt",
                "Cotton",
                58,
                78,
                (
                    "a soft-roll button-down collar",
                    "substantial oxford cloth",
                    "a back box pleat for easy movement",
                ),
            ),
            Style(
                "Washed Linen Shirt",
                "Linen",
                68,
                88,
                (
                    "European flax linen",
                    "a relaxed camp collar",
                    "stone washing for softness straight out of the bag",
                ),
            ),
            Style(
                "Flannel Overshirt",
                "Cotton flannel",
                78,
                98,
                (
                    "a brushed double-face flannel",
                    "two flap chest pockets",
                    "enough room to wear over a tee",
                ),
                "Plaid",
            ),
            Style(
                "Silk Button-Front Blouse",
                "Silk",
                118,
                148,
                ("washable sandwashed silk", "a hidden placket", "a fluid drape"),
            ),
        ),
        openers=(
            "Sharp enough for the office, easy enough for the weekend.",
            "A shirt with real staying power.",
            "Crisp, versatile and quietly excellent.",
        ),
        closers=WOVEN_CARE,
    ),
    Category(
        product_type="Apparel & Accessories > Clothing > Outerwear > Coats & Jackets",
        noun="jacket",
        brands=("Northfold", "Kestrel", "Wren & Pike"),
        colors=("Black", "Olive", "Camel", "Navy", "Tan", "Charcoal Gray"),
        sizes=APPAREL_SIZES,
        genders=("male", "female", "unisex"),
        styles=(
            Style(
                "Waxed Canvas Field Jacket",
                "Waxed cotton canvas",
                198,
                248,
                (
                    "a weatherproof waxed finish",
                    "four bellows pockets",
                    "a corduroy-trimmed collar",
                ),
            ),
            Style(
                "Wool Overcoat",
                "Wool",
                298,
                398,
                ("a single-breasted, knee-length cut", "Italian wool melton", "a fully lined body"),
            ),
            Style(
                "Quilted Puffer Jacket",
                "Recycled nylon",
                168,
                228,
                (
                    "responsibly sourced down fill",
                    "a water-repellent shell",
                    "a packable design that stuffs into its own pocket",
                ),
            ),
            Style(
                "Denim Trucker Jacket",
                "Denim",
                98,
                128,
                (
                    "rigid 13 oz selvedge denim",
                    "classic pleated chest pockets",
                    "a cropped trucker fit",
                ),
            ),
            Style(
                "Houndstooth Wool Coat",
                "Wool blend",
                258,
                328,
                ("a bold houndstooth weave", "notched lapels", "a relaxed, slightly oversized fit"),
                "Houndstooth",
            ),
            Style(
                "Suede Trucker Jacket",
                "Suede",
                298,
                368,
                ("buttery goat suede", "snap-front closure", "a short, boxy silhouette"),
            ),
            Style(
                "Unstructured Linen Blazer",
                "Linen",
                168,
                218,
                ("an unlined, unstructured build", "patch pockets", "soft natural shoulders"),
            ),
        ),
        openers=(
            "Built for real weather and real life.",
            "The layer that finishes every outfit.",
            "Outerwear that works as hard as you do.",
        ),
        closers=(
            "Spot clean only; re-wax the finish once a season.",
            "Dry clean only.",
            "Machine wash cold, tumble dry low with dryer balls.",
        ),
    ),
    Category(
        product_type="Apparel & Accessories > Clothing > Pants",
        noun="pants",
        brands=("Harbor Standard", "Marlow Mills", "Juniper Row"),
        colors=("Indigo", "Black", "Khaki", "Olive", "Navy", "Ecru"),
        sizes=PANTS_SIZES,
        genders=("male", "female", "unisex"),
        styles=(
            Style(
                "Slim Straight Jeans",
                "Denim",
                88,
                118,
                ("a slim straight leg", "a mid rise", "comfort-stretch denim"),
            ),
            Style(
                "Wide-Leg Trousers",
                "Wool blend",
                118,
                148,
                ("a high rise", "a fluid wide leg", "pressed front creases"),
            ),
            Style(
                "Stretch Chino Pants",
                "Cotton twill",
                68,
                88,
                ("a tapered leg", "four-way stretch twill", "a clean flat front"),
            ),
            Style(
                "Relaxed Corduroy Pants",
                "Corduroy",
                78,
                98,
                ("a relaxed leg", "soft 8-wale corduroy", "a button fly"),
            ),
            Style(
                "Linen Drawstring Pants",
                "Linen",
                64,
                84,
                (
                    "an elasticated drawstring waist",
                    "breezy garment-washed linen",
                    "side seam pockets",
                ),
            ),
        ),
        openers=(
            "Your new everyday pair.",
            "Trousers that go the distance.",
            "Comfort and tailoring, finally on speaking terms.",
        ),
        closers=WOVEN_CARE,
    ),
    Category(
        product_type="Apparel & Accessories > Clothing > Dresses",
        noun="dress",
        brands=("Wren & Pike", "Juniper Row", "Loom & Lantern"),
        colors=("Black", "Emerald", "Rust", "Ivory", "Cobalt Blue", "Blush Pink"),
        sizes=APPAREL_SIZES,
        genders=("female",),
        styles=(
            Style(
                "Wrap Midi Dress",
                "Viscose",
                98,
                128,
                ("a true wrap front", "flutter sleeves", "a midi hem that moves"),
            ),
            Style(
                "Floral Tiered Maxi Dress",
                "Cotton voile",
                118,
                148,
                (
                    "an airy tiered skirt",
                    "an all-over floral print",
                    "adjustable ties at the shoulder",
                ),
                "Floral",
            ),
            Style(
                "Knit Sweater Dress",
                "Merino wool",
                128,
                168,
                ("a ribbed turtleneck", "a body-skimming knit", "a below-the-knee length"),
            ),
            Style(
                "Linen Shirt Dress",
                "Linen",
                108,
                138,
                ("a button-through front", "a removable tie belt", "relaxed roll-up sleeves"),
            ),
            Style(
                "Black Pinafore Dress",
                "Cotton twill",
                88,
                118,
                ("a square neckline", "wide shoulder straps", "a pleated A-line skirt"),
            ),
        ),
        openers=(
            "Effortless from morning to evening.",
            "One piece, the whole outfit.",
            "Made for the moments worth dressing for.",
        ),
        closers=WOVEN_CARE,
    ),
    Category(
        product_type="Apparel & Accessories > Clothing > Activewear > Hoodies & Sweatshirts",
        noun="hoodie",
        brands=("Kestrel", "Harbor Standard"),
        colors=("Heather Gray", "Black", "Navy", "Forest Green", "Oatmeal"),
        sizes=APPAREL_SIZES,
        genders=("unisex",),
        styles=(
            Style(
                "Fleece Pullover Hoodie",
                "Cotton fleece",
                68,
                88,
                ("brushed-back fleece", "a lined hood with flat drawcords", "a kangaroo pocket"),
            ),
            Style(
                "Full-Zip Hoodie",
                "Cotton fleece",
                78,
                98,
                ("a two-way metal zip", "ribbed side panels", "a garment-dyed finish"),
            ),
            Style(
                "Crewneck Sweatshirt",
                "French terry",
                58,
                74,
                (
                    "loopback French terry",
                    "a classic V-stitch at the neck",
                    "a vintage-inspired fit",
                ),
            ),
        ),
        openers=(
            "Weekend uniform, sorted.",
            "Soft, warm and endlessly wearable.",
            "The sweatshirt you'll steal back from everyone.",
        ),
        closers=WOVEN_CARE,
    ),
    Category(
        product_type="Apparel & Accessories > Shoes",
        noun="shoes",
        brands=("Kestrel", "Northfold", "Wren & Pike"),
        colors=("White", "Black", "Tan", "Brown", "Gray"),
        sizes=SHOE_SIZES,
        genders=("unisex", "male", "female"),
        styles=(
            Style(
                "Leather Court Sneakers",
                "Leather",
                118,
                148,
                (
                    "full-grain leather uppers",
                    "a cushioned cork footbed",
                    "a stitched rubber cupsole",
                ),
            ),
            Style(
                "Chelsea Boots",
                "Suede",
                178,
                228,
                ("water-resistant suede", "elastic side gussets", "a stacked leather heel"),
            ),
            Style(
                "Penny Loafers",
                "Leather",
                148,
                188,
                (
                    "hand-sewn moccasin construction",
                    "a classic penny strap",
                    "a leather sole with a rubber heel",
                ),
            ),
            Style(
                "Knit Running Shoes",
                "Recycled polyester knit",
                98,
                128,
                (
                    "a breathable knit upper",
                    "a responsive foam midsole",
                    "a grippy outsole for wet pavements",
                ),
            ),
        ),
        openers=(
            "Step out in something you'll actually want to wear every day.",
            "Built to be broken in, not broken down.",
            "A pair for every plan on your calendar.",
        ),
        closers=(
            "Wipe clean with a damp cloth.",
            "Use a suede brush to refresh the nap.",
            "Resoleable by our repair partners.",
        ),
    ),
    Category(
        product_type="Apparel & Accessories > Clothing Accessories > Scarves & Hats",
        noun="accessory",
        brands=("Fable Knit", "Loom & Lantern", "Northfold"),
        colors=("Cream", "Camel", "Charcoal Gray", "Burgundy", "Navy"),
        sizes=ONE_SIZE,
        genders=("unisex",),
        styles=(
            Style(
                "Cashmere Scarf",
                "Cashmere",
                98,
                138,
                ("a generous 70-inch length", "fringed ends", "a brushed, cloud-like finish"),
            ),
            Style(
                "Ribbed Beanie",
                "Merino wool",
                32,
                44,
                ("a deep fold-over cuff", "a snug rib knit", "warmth without itch"),
            ),
            Style(
                "Plaid Blanket Scarf",
                "Wool blend",
                58,
                78,
                ("an oversized blanket size", "a heritage tartan", "soft fringe"),
                "Plaid",
            ),
            Style(
                "Wool Felt Fedora",
                "Wool felt",
                78,
                98,
                ("a structured crown", "a grosgrain band", "a packable brim"),
            ),
            Style(
                "Leather Tote Bag",
                "Leather",
                168,
                218,
                (
                    "vegetable-tanned leather",
                    "an interior zip pocket",
                    "shoulder straps that fit over a coat",
                ),
            ),
        ),
        openers=(
            "The finishing touch.",
            "Small piece, big difference.",
            "An accessory worth keeping for years.",
        ),
        closers=("Spot clean or hand wash cold.", "Store flat away from direct sunlight."),
    ),
    Category(
        product_type="Furniture > Sofas",
        noun="sofa",
        brands=("Hearth & Haven", "Modulo", "Linden Home", "Casa Sora"),
        colors=("Oatmeal", "Slate Gray", "Emerald", "Burnt Orange", "Ivory", "Navy", "Cognac"),
        furniture=True,
        styles=(
            Style(
                "Mid-Century Sofa",
                "Performance linen blend",
                1199,
                1599,
                ("tapered walnut legs", "tight back cushions", "a clean track arm"),
            ),
            Style(
                "Velvet Chesterfield Sofa",
                "Velvet",
                1499,
                1999,
                ("deep hand-tufted buttoning", "rolled arms", "rich cotton velvet"),
            ),
            Style(
                "Modular Sectional Sofa",
                "Performance fabric",
                1899,
                2599,
                (
                    "reconfigurable modules",
                    "stain-resistant performance fabric",
                    "feather and foam seat cushions",
                ),
            ),
            Style(
                "Slipcovered Sofa",
                "Cotton canvas",
                1299,
                1699,
                (
                    "a fully washable slipcover",
                    "a deep seat for lounging",
                    "a relaxed, lived-in look",
                ),
            ),
            Style(
                "Leather Loveseat",
                "Top-grain leather",
                1399,
                1799,
                ("top-grain aniline leather", "a compact two-seat footprint", "solid oak legs"),
            ),
            Style(
                "Boucle Curved Sofa",
                "Boucle",
                1699,
                2199,
                ("a sculptural curved back", "nubby boucle upholstery", "a low-slung profile"),
            ),
            Style(
                "Sleeper Sofa",
                "Linen blend",
                1599,
                1999,
                (
                    "a pull-out queen mattress",
                    "a hidden steel mechanism",
                    "a sofa you'd never guess sleeps two",
                ),
            ),
        ),
        openers=(
            "The heart of the living room.",
            "Sink in and stay a while.",
            "Designed for movie nights, naps and everything in between.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Furniture > Chairs > Accent Chairs",
        noun="armchair",
        brands=("Hearth & Haven", "Oakline Studio", "Modulo", "Casa Sora"),
        colors=("Cream", "Cognac", "Mustard", "Sage", "Charcoal Gray", "Blush Pink"),
        furniture=True,
        styles=(
            Style(
                "Boucle Accent Chair",
                "Boucle",
                499,
                699,
                ("a rounded barrel back", "cream boucle upholstery", "a swivel base"),
            ),
            Style(
                "Leather Lounge Chair",
                "Top-grain leather",
                899,
                1199,
                ("saddle leather slings", "a solid oak frame", "a relaxed recline"),
            ),
            Style(
                "Velvet Wingback Armchair",
                "Velvet",
                649,
                849,
                ("a classic wingback silhouette", "plush velvet", "turned wooden legs"),
            ),
            Style(
                "Rattan Lounge Chair",
                "Rattan",
                399,
                549,
                ("hand-woven natural rattan", "a loose seat cushion", "a breezy, coastal feel"),
            ),
            Style(
                "Mid-Century Lounge Chair",
                "Walnut and fabric",
                749,
                949,
                ("a bent plywood shell", "walnut veneer", "an angled, reclined seat"),
            ),
            Style(
                "Slipper Chair",
                "Linen blend",
                349,
                449,
                ("an armless, space-saving shape", "a tight seat", "brass-capped legs"),
            ),
        ),
        openers=(
            "A statement seat for any corner.",
            "Your new favourite reading spot.",
            "Small footprint, big personality.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Furniture > Chairs > Dining Chairs",
        noun="dining chair",
        brands=("Oakline Studio", "Birchwood Works", "Aldergrove"),
        colors=("Natural Oak", "Walnut", "Black", "White"),
        furniture=True,
        styles=(
            Style(
                "Windsor Dining Chair",
                "Solid oak",
                189,
                249,
                ("a spindle back", "a hand-shaped saddle seat", "steam-bent solid oak"),
            ),
            Style(
                "Cane Back Dining Chair",
                "Beech and cane",
                229,
                289,
                ("a woven cane back panel", "a cushioned seat", "a curved beechwood frame"),
            ),
            Style(
                "Upholstered Dining Chair",
                "Performance fabric",
                199,
                259,
                ("a padded, wipe-clean seat", "a gently curved back", "solid wood legs"),
            ),
            Style(
                "Molded Bistro Chair",
                "Powder-coated steel",
                129,
                169,
                (
                    "a stackable steel frame",
                    "an indoor-outdoor finish",
                    "a classic Parisian silhouette",
                ),
            ),
        ),
        openers=(
            "Pull up a chair.",
            "Dinner parties, homework and everything between.",
            "A dining chair built for long conversations.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Furniture > Chairs > Office Chairs",
        noun="office chair",
        brands=("Modulo", "Aldergrove"),
        colors=("Black", "Gray", "White"),
        furniture=True,
        styles=(
            Style(
                "Ergonomic Mesh Office Chair",
                "Mesh",
                399,
                549,
                ("adjustable lumbar support", "a breathable mesh back", "4D armrests"),
            ),
            Style(
                "Leather Executive Desk Chair",
                "Leather",
                549,
                749,
                ("a high padded back", "a synchro-tilt mechanism", "polished aluminium base"),
            ),
            Style(
                "Task Chair",
                "Fabric",
                199,
                279,
                ("a compact footprint", "height and tilt adjustment", "quiet-rolling casters"),
            ),
        ),
        openers=(
            "Work comfortably, all day.",
            "Your back will thank you.",
            "Serious support for home offices.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Furniture > Tables > Coffee Tables",
        noun="coffee table",
        brands=("Oakline Studio", "Birchwood Works", "Linden Home", "Casa Sora"),
        colors=("Natural Oak", "Walnut", "White Marble", "Black", "Travertine"),
        furniture=True,
        styles=(
            Style(
                "Round Marble Coffee Table",
                "Marble",
                599,
                899,
                ("a honed marble top", "a sculptural pedestal base", "a 36-inch diameter"),
            ),
            Style(
                "Solid Oak Coffee Table",
                "Solid oak",
                449,
                649,
                ("a chunky solid oak slab", "a lower shelf for books", "an oiled finish"),
            ),
            Style(
                "Lift-Top Coffee Table",
                "Oak veneer",
                379,
                499,
                ("a lift-top that rises to desk height", "hidden storage", "soft-close hinges"),
            ),
            Style(
                "Travertine Coffee Table",
                "Travertine",
                899,
                1199,
                (
                    "a solid travertine block",
                    "a naturally pitted surface",
                    "a low, monolithic profile",
                ),
            ),
            Style(
                "Glass and Brass Coffee Table",
                "Glass and brass",
                499,
                699,
                ("a tempered glass top", "a brushed brass frame", "an airy, open look"),
            ),
        ),
        openers=(
            "Anchor the room.",
            "The gathering point of your living space.",
            "Style and storage meet in the middle.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Furniture > Tables > Dining Tables",
        noun="dining table",
        brands=("Birchwood Works", "Aldergrove", "Oakline Studio"),
        colors=("Natural Oak", "Walnut", "Black", "White"),
        furniture=True,
        styles=(
            Style(
                "Extendable Dining Table",
                "Solid oak",
                1199,
                1599,
                (
                    "a butterfly leaf that seats eight",
                    "solid oak throughout",
                    "a hard-wax oil finish",
                ),
            ),
            Style(
                "Round Pedestal Dining Table",
                "Walnut veneer",
                899,
                1199,
                ("a 48-inch round top", "a tulip pedestal", "room for four without knocking knees"),
            ),
            Style(
                "Farmhouse Trestle Table",
                "Reclaimed pine",
                999,
                1399,
                ("reclaimed pine planks", "a sturdy trestle base", "a character-rich, knotted top"),
            ),
        ),
        openers=(
            "Where the good stuff happens.",
            "Built for decades of dinners.",
            "Room for everyone.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Furniture > Tables > Side Tables",
        noun="side table",
        brands=("Linden Home", "Casa Sora", "Modulo"),
        colors=("Natural Oak", "Black", "Brass", "White", "Terracotta"),
        furniture=True,
        styles=(
            Style(
                "Drum Side Table",
                "Ceramic",
                199,
                279,
                ("a glazed ceramic drum", "a hand-finished surface", "indoor-outdoor durability"),
            ),
            Style(
                "C-Shaped Side Table",
                "Powder-coated steel",
                129,
                169,
                ("a slide-under C shape", "a slim steel frame", "the perfect laptop perch"),
            ),
            Style(
                "Oak Nightstand",
                "Solid oak",
                249,
                329,
                ("a soft-close drawer", "an open lower shelf", "a rounded, finger-friendly edge"),
            ),
        ),
        openers=(
            "Just the right height.",
            "A little table that does a lot.",
            "Space for your coffee, book and phone.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Furniture > Storage > Bookcases & Shelving",
        noun="bookcase",
        brands=("Birchwood Works", "Modulo", "Aldergrove"),
        colors=("Natural Oak", "Walnut", "White", "Black"),
        furniture=True,
        styles=(
            Style(
                "Ladder Bookshelf",
                "Solid oak",
                249,
                329,
                (
                    "a leaning ladder design",
                    "five graduated shelves",
                    "a footprint under two feet deep",
                ),
            ),
            Style(
                "Modular Wall Shelving",
                "Powder-coated steel",
                399,
                599,
                ("adjustable shelf heights", "wall-mounted rails", "add-on modules"),
            ),
            Style(
                "Tall Bookcase",
                "Oak veneer",
                449,
                599,
                ("six adjustable shelves", "anti-tip hardware", "a crisp, minimal frame"),
            ),
            Style(
                "Sideboard Credenza",
                "Walnut veneer",
                899,
                1199,
                ("fluted sliding doors", "adjustable interior shelves", "cable cut-outs for media"),
            ),
            Style(
                "Six-Drawer Dresser",
                "Solid oak",
                1099,
                1399,
                ("six dovetailed drawers", "full-extension runners", "recessed pulls"),
            ),
        ),
        openers=(
            "A place for everything.",
            "Storage that looks as good as what's on it.",
            "Organised never looked so good.",
        ),
        closers=FURNITURE_CARE,
    ),
    Category(
        product_type="Home & Garden > Lighting > Lamps",
        noun="lamp",
        brands=("Linden Home", "Casa Sora", "Hearth & Haven"),
        colors=("Brass", "Black", "White", "Terracotta", "Natural"),
        furniture=True,
        styles=(
            Style(
                "Arc Floor Lamp",
                "Steel",
                279,
                379,
                (
                    "a sweeping arc that reaches over a sofa",
                    "a marble base",
                    "a dimmable foot switch",
                ),
            ),
            Style(
                "Ceramic Table Lamp",
                "Ceramic",
                129,
                179,
                ("a hand-thrown ceramic base", "a linen drum shade", "a warm 2700K glow"),
            ),
            Style(
                "Paper Lantern Pendant",
                "Rice paper",
                89,
                129,
                ("a hand-pleated paper shade", "a cloth cord", "soft, diffuse light"),
            ),
            Style(
                "Mushroom Table Lamp",
                "Opal glass",
                149,
                199,
                ("a glowing opal glass dome", "a touch dimmer", "a retro silhouette"),
            ),
        ),
        openers=(
            "Set the mood.",
            "Light that makes a room feel like home.",
            "Sculpture by day, glow by night.",
        ),
        closers=("Bulb included.", "Compatible with smart bulbs; bulb not included."),
    ),
    Category(
        product_type="Home & Garden > Decor > Rugs",
        noun="rug",
        brands=("Loom & Lantern", "Hearth & Haven", "Casa Sora"),
        colors=("Ivory", "Rust", "Navy", "Sage", "Charcoal Gray"),
        furniture=True,
        styles=(
            Style(
                "Hand-Knotted Wool Rug",
                "Wool",
                699,
                999,
                (
                    "hand-knotted New Zealand wool",
                    "an abstract, tonal design",
                    "a dense, plush pile",
                ),
                "Abstract",
            ),
            Style(
                "Flatweave Kilim Rug",
                "Wool and cotton",
                399,
                549,
                (
                    "a reversible flatweave",
                    "a geometric kilim motif",
                    "a low profile that clears doors",
                ),
                "Geometric",
            ),
            Style(
                "Washable Runner Rug",
                "Polyester",
                129,
                179,
                (
                    "a machine-washable rug cover",
                    "a non-slip pad",
                    "a hallway-friendly 2.5 by 8 foot size",
                ),
                "Striped",
            ),
            Style(
                "Jute Area Rug",
                "Jute",
                249,
                349,
                ("natural hand-braided jute", "a chunky texture", "earthy, neutral tones"),
                "Solid",
            ),
        ),
        openers=(
            "Ground your space.",
            "Soft underfoot, beautiful underfoot.",
            "The rug that ties the room together.",
        ),
        closers=(
            "Vacuum regularly without the beater bar; spot clean spills.",
            "Professional cleaning recommended.",
        ),
    ),
)

# The pieces behind the bundled "seen on" references, written as explicit products so the
# examples read right (a fixed id, exact title, and in stock where the story needs it).
FEATURED = (
    {
        "id": "AH-SW-1001",
        "title": "Fable Knit Patchwork Cardigan Sweater - Cream Multicolor",
        "description": (
            "The one everyone asks about. A chunky, oversized cardigan pieced together from "
            "hand-knitted patchwork squares in cream, sage, mustard, lilac and sky blue. Made "
            "from a soft wool and mohair blend with a relaxed V-neck, dropped shoulders and "
            "oversized tortoiseshell buttons. Wear it open over a tee or buttoned up on its own. "
            "Hand wash cold and dry flat."
        ),
        "price": "148.00",
        "sale_price": "",
        "availability": "in_stock",
        "brand": "Fable Knit",
        "color": "Cream/Multicolor",
        "size": APPAREL_SIZES,
        "material": "Wool and mohair blend",
        "pattern": "Patchwork",
        "product_type": "Apparel & Accessories > Clothing > Sweaters",
        "gender": "unisex",
        "item_group_id": "AH-SW-1001G",
    },
    {
        "id": "AH-TS-1002",
        "title": "Harbor Standard Heavyweight Crew T-Shirt - White",
        "description": (
            "A perfectly plain white tee with real substance. Cut from a heavyweight 250 gsm "
            "cotton jersey with a thick ribbed collar that never goes wavy, and a slightly boxy "
            "fit through the body. Pre-shrunk, so the fit you buy is the fit you keep. Machine "
            "wash cold, tumble dry low."
        ),
        "price": "38.00",
        "sale_price": "",
        "availability": "in_stock",
        "brand": "Harbor Standard",
        "color": "White",
        "size": APPAREL_SIZES,
        "material": "Cotton",
        "pattern": "Solid",
        "product_type": "Apparel & Accessories > Clothing > Shirts & Tops > T-Shirts",
        "gender": "male",
        "item_group_id": "AH-TS-1002G",
    },
    {
        "id": "AH-CH-1003",
        "title": "Hearth & Haven Harlow Boucle Accent Chair - Cream",
        "description": (
            "A sculptural barrel-back accent chair wrapped in nubby cream boucle. The rounded "
            "shape hugs you as you sit, the 360-degree swivel base makes it easy to turn from "
            "the fire to the conversation, and the solid hardwood frame is built for decades. "
            "Arrives fully assembled."
        ),
        "price": "649.00",
        "sale_price": "579.00",
        "availability": "in_stock",
        "brand": "Hearth & Haven",
        "color": "Cream",
        "size": "",
        "material": "Boucle",
        "pattern": "Solid",
        "product_type": "Furniture > Chairs > Accent Chairs",
        "gender": "",
        "item_group_id": "AH-CH-1003G",
    },
    {
        "id": "AH-SW-1004",
        "title": "Northfold Shawl-Collar Cardigan - Charcoal Gray",
        "description": (
            "A proper grown-up cardigan: a deep shawl collar, a chunky rib, leather-effect "
            "buttons and two patch pockets. Knitted from a warm lambswool blend with a touch of "
            "cashmere. Relaxed fit; size down for a closer look. Hand wash cold."
        ),
        "price": "128.00",
        "sale_price": "",
        "availability": "in_stock",
        "brand": "Northfold",
        "color": "Charcoal Gray",
        "size": APPAREL_SIZES,
        "material": "Lambswool",
        "pattern": "Solid",
        "product_type": "Apparel & Accessories > Clothing > Sweaters",
        "gender": "male",
        "item_group_id": "AH-SW-1004G",
    },
)

# Products added after the seeded catalog was first published: affordable sofas (the help text's
# "blue velvet sofa under eight hundred dollars" has answers) and leather ankle boots. They draw
# from their own random stream, so every earlier row, and the ids judged queries refer to, stay
# exactly as they were.
ADDED = (
    {
        "id": "AH-SO-2001",
        "title": "Linden Home Juniper Velvet Loveseat - Navy",
        "description": (
            "A two-seater with big-sofa comfort for smaller rooms. Deep navy cotton velvet, a "
            "gently curved track arm, a single bench cushion that never gaps and slim tapered "
            "oak legs. Ships in one box; the legs screw on in minutes."
        ),
        "price": "749.00",
        "availability": "in_stock",
        "brand": "Linden Home",
        "color": "Navy",
        "material": "Velvet",
        "product_type": "Furniture > Sofas",
    },
    {
        "id": "AH-SO-2002",
        "title": "Hearth & Haven Ellis Velvet Apartment Sofa - Blue",
        "description": (
            "An apartment-sized three-seater in a rich mid-blue velvet, with channel-tufted back "
            "cushions, rounded arms and brushed brass feet. Sturdy enough for everyday lounging "
            "and narrow enough for a city staircase."
        ),
        "price": "799.00",
        "availability": "in_stock",
        "brand": "Hearth & Haven",
        "color": "Blue",
        "material": "Velvet",
        "product_type": "Furniture > Sofas",
    },
    {
        "id": "AH-SO-2003",
        "title": "Modulo Nova Linen-Blend Sofa - Oatmeal",
        "description": (
            "Our everyday sofa at an everyday price: a clean-lined three-seater in a soft "
            "oatmeal linen blend, with reversible seat cushions and a kiln-dried pine frame. "
            "Arrives in two boxes; no tools needed."
        ),
        "price": "649.00",
        "availability": "in_stock",
        "brand": "Modulo",
        "color": "Oatmeal",
        "material": "Linen blend",
        "product_type": "Furniture > Sofas",
    },
    {
        "id": "AH-SO-2004",
        "title": "Casa Sora Pia Performance Loveseat - Slate Gray",
        "description": (
            "A compact loveseat covered in a stain-resistant performance fabric that shrugs off "
            "spills, pets and muddy jeans. Zip-off cushion covers, a feather-wrapped seat and "
            "black metal legs."
        ),
        "price": "579.00",
        "availability": "in_stock",
        "brand": "Casa Sora",
        "color": "Slate Gray",
        "material": "Performance fabric",
        "product_type": "Furniture > Sofas",
    },
    {
        "id": "AH-SH-2005",
        "title": "Wren & Pike Leather Ankle Boots - Black",
        "description": (
            "A low-heeled ankle boot in smooth full-grain leather, with a side zip, a cushioned "
            "leather footbed and a stitched rubber sole that grips on wet pavements. Polish with "
            "a neutral cream."
        ),
        "price": "198.00",
        "availability": "in_stock",
        "brand": "Wren & Pike",
        "color": "Black",
        "size": SHOE_SIZES,
        "material": "Leather",
        "product_type": "Apparel & Accessories > Shoes",
        "gender": "female",
        "item_group_id": "AH-SH-2005G",
    },
    {
        "id": "AH-SH-2006",
        "title": "Wren & Pike Leather Ankle Boots - Cognac",
        "description": (
            "A low-heeled ankle boot in smooth full-grain leather, with a side zip, a cushioned "
            "leather footbed and a stitched rubber sole that grips on wet pavements. Polish with "
            "a neutral cream."
        ),
        "price": "198.00",
        "availability": "in_stock",
        "brand": "Wren & Pike",
        "color": "Cognac",
        "size": SHOE_SIZES,
        "material": "Leather",
        "product_type": "Apparel & Accessories > Shoes",
        "gender": "female",
        "item_group_id": "AH-SH-2005G",
    },
)
ADDED_IDS = frozenset(str(a["id"]) for a in ADDED)

# person, media, episode, product id, match, garment, what was seen, source
APPEARANCES = (
    (
        "Harry Styles",
        "NPR Tiny Desk",
        "Tiny Desk Concert",
        "AH-SW-1001",
        "exact",
        "sweater",
        "cream multicolour patchwork cardigan",
        "https://www.npr.org/series/tiny-desk-concerts/",
    ),
    (
        "Jeremy Allen White",
        "The Bear",
        "Season 1",
        "AH-TS-1002",
        "exact",
        "t-shirt",
        "plain white heavyweight crew-neck t-shirt",
        "https://www.fxnetworks.com/shows/the-bear",
    ),
    (
        "Bobby Berk",
        "Queer Eye",
        "Season 7",
        "AH-CH-1003",
        "exact",
        "armchair",
        "cream boucle barrel accent chair",
        "https://www.netflix.com/title/80160037",
    ),
    (
        "Brett Goldstein",
        "Ted Lasso",
        "Season 2",
        "AH-SW-1004",
        "exact",
        "cardigan",
        "charcoal shawl-collar cardigan",
        "https://tv.apple.com/show/ted-lasso",
    ),
    (
        "Lily Collins",
        "Emily in Paris",
        "Season 1",
        "@Houndstooth Wool Coat",
        "similar",
        "coat",
        "black-and-white houndstooth coat",
        "https://www.netflix.com/title/81037371",
    ),
    (
        "Lily Collins",
        "Emily in Paris",
        "Season 2",
        "@Wool Felt Fedora",
        "similar",
        "hat",
        "burgundy red wool felt hat",
        "https://www.netflix.com/title/81037371",
    ),
    (
        "Jenna Ortega",
        "Wednesday",
        "Season 1",
        "@Black Pinafore Dress",
        "similar",
        "dress",
        "black pinafore dress over a white collared shirt",
        "https://www.netflix.com/title/81231974",
    ),
    (
        "",
        "Friends",
        "Central Perk",
        "@Velvet Chesterfield Sofa",
        "similar",
        "sofa",
        "burnt orange velvet sofa in the coffee shop",
        "https://www.warnerbros.com/tv/friends",
    ),
    (
        "Olivia Colman",
        "The Crown",
        "Season 3",
        "@Velvet Wingback Armchair",
        "similar",
        "armchair",
        "velvet wingback armchair",
        "https://www.netflix.com/title/80025678",
    ),
    (
        "Winona Ryder",
        "Stranger Things",
        "Season 1",
        "@Chunky Cable-Knit Sweater",
        "similar",
        "sweater",
        "oversized chunky knit sweater",
        "https://www.netflix.com/title/80057281",
    ),
    (
        "Pedro Pascal",
        "The Last of Us",
        "Episode 1",
        "@Waxed Canvas Field Jacket",
        "similar",
        "jacket",
        "worn-in canvas field jacket",
        "https://www.hbo.com/the-last-of-us",
    ),
    (
        "Harry Styles",
        "The Late Late Show",
        "2022",
        "@Wide-Leg Trousers",
        "similar",
        "pants",
        "high-waisted wide-leg trousers",
        "https://www.cbs.com/shows/late-late-show/",
    ),
    (
        "Taylor Swift",
        "Eras Tour",
        "2023",
        "@Cashmere Scarf",
        "similar",
        "scarf",
        "cream knitted scarf",
        "https://www.taylorswift.com/",
    ),
    (
        "Jeremy Allen White",
        "The Bear",
        "Season 2",
        "@Denim Trucker Jacket",
        "similar",
        "jacket",
        "faded denim jacket",
        "https://www.fxnetworks.com/shows/the-bear",
    ),
    (
        "Zendaya",
        "Challengers press tour",
        "2024",
        "@Linen Shirt Dress",
        "similar",
        "dress",
        "crisp ivory white shirt dress",
        "https://www.challengersmovie.com/",
    ),
    (
        "Timothée Chalamet",
        "Saturday Night Live",
        "Season 49",
        "@Leather Court Sneakers",
        "similar",
        "sneakers",
        "white leather sneakers",
        "https://www.nbc.com/saturday-night-live",
    ),
    (
        "",
        "Emily in Paris",
        "Season 3",
        "@Molded Bistro Chair",
        "similar",
        "chair",
        "Parisian bistro chair on the café terrace",
        "https://www.netflix.com/title/81037371",
    ),
)


# Colourways that must exist so the look-alikes for a "seen on" reference really look alike.
FORCED_COLORS = {
    "Velvet Chesterfield Sofa": "Burnt Orange",
    "Black Pinafore Dress": "Black",
    "Houndstooth Wool Coat": "Black",
    "Wool Felt Fedora": "Burgundy",
    "Cashmere Scarf": "Cream",
    "Leather Court Sneakers": "White",
    "Linen Shirt Dress": "Ivory",
    "Chunky Cable-Knit Sweater": "Cream",
}


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


def describe(rng: random.Random, cat: Category, style: Style, color: str) -> str:
    opener = rng.choice(cat.openers) if cat.openers else ""
    a, b, c = style.features
    noun = style.name.lower()
    body = (
        f"Our {noun} in {color.lower()} comes with {a}, {b} and {c}. "
        if rng.random() < 0.5
        else f"This {noun} pairs {a} with {b}, finished with {c}. "
    )
    material = f"Made from {style.material.lower()}."
    if not cat.furniture:
        fit = rng.choice(
            (
                "True to size; take your usual.",
                "Relaxed fit: size down for a closer cut.",
                "Cut for an easy, comfortable fit.",
                "Fits true to size with room to layer.",
            )
        )
    else:
        fit = rng.choice(
            (
                "Built to last with kiln-dried hardwood joinery.",
                "Designed in Seattle and made in small batches.",
                "Backed by a ten-year frame warranty.",
                "Sustainably sourced materials throughout.",
            )
        )
    closer = rng.choice(cat.closers) if cat.closers else ""
    return " ".join(part for part in (opener, body + material, fit, closer) if part)


def build_products(rng: random.Random, added_rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    prefix_of = {
        cat.product_type: f"{cat.noun[:2].upper()}{i:02d}" for i, cat in enumerate(CATEGORIES)
    }
    featured_titles = {f["title"] for f in FEATURED}
    for cat in CATEGORIES:
        prefix = prefix_of[cat.product_type]
        for s_index, style in enumerate(cat.styles):
            brand = cat.brands[s_index % len(cat.brands)]
            n_colors = rng.choice((3, 3, 4, 4, 5))
            colors = rng.sample(cat.colors, k=min(n_colors, len(cat.colors)))
            forced = FORCED_COLORS.get(style.name)
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
                        "description": describe(rng, cat, style, color),
                        "link": f"{SITE}/products/{slug(title)}",
                        "image_link": f"{SITE}/images/{pid.lower()}.jpg",
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
    for featured in FEATURED:
        row = dict(featured)
        row["link"] = f"{SITE}/products/{slug(row['title'])}"
        row["image_link"] = f"{SITE}/images/{row['id'].lower()}.jpg"
        row["price"] = money(Decimal(row["price"]))
        row["sale_price"] = money(Decimal(row["sale_price"])) if row["sale_price"] else ""
        row["gtin"] = gtin13(rng)
        rows.append(row)
    for added in ADDED:
        row = {column: "" for column in PRODUCT_COLUMNS}
        row.update(added)
        row["pattern"] = row["pattern"] or "Solid"
        row["item_group_id"] = row["item_group_id"] or f"{row['id']}G"
        row["link"] = f"{SITE}/products/{slug(row['title'])}"
        row["image_link"] = f"{SITE}/images/{row['id'].lower()}.jpg"
        row["price"] = money(Decimal(row["price"]))
        row["gtin"] = gtin13(added_rng)
        rows.append(row)
    rows.sort(key=lambda r: r["id"])
    ids = [r["id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise SystemExit("generated product ids collide; adjust the id scheme")
    return rows


def build_inventory(
    rng: random.Random, products: list[dict[str, str]], added_rng: random.Random
) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    featured_ids = {f["id"] for f in FEATURED}
    for store_code, *_ in STORES:
        for product in products:
            if product["id"] in ADDED_IDS:
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


def build_appearances(products: list[dict[str, str]]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for person, media, episode, target, match, garment, item, source in APPEARANCES:
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
                    "source_link": source,
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
    rng = random.Random(SEED)
    added_rng = random.Random(SEED + 1)
    products = build_products(rng, added_rng)
    write_tsv(OUT_DIR / "products.tsv", PRODUCT_COLUMNS, products)
    write_tsv(
        OUT_DIR / "inventory.tsv", INVENTORY_COLUMNS, build_inventory(rng, products, added_rng)
    )
    write_tsv(OUT_DIR / "appearances.tsv", APPEARANCE_COLUMNS, build_appearances(products))
    write_tsv(
        OUT_DIR / "stores.tsv",
        STORE_COLUMNS,
        [dict(zip(STORE_COLUMNS, store, strict=True)) for store in STORES],
    )
    print(f"wrote {len(products)} products to {OUT_DIR}")


if __name__ == "__main__":
    main()
