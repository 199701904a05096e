"""Built-in gazetteer entries, so the parser understands common retail words with no catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# canonical singular type -> extra spoken synonyms (plurals are derived automatically)
PRODUCT_TYPES: dict[str, tuple[str, ...]] = {
    # apparel
    "sweater": ("jumper", "pullover", "sweatshirt", "crewneck", "turtleneck"),
    "cardigan": (),
    "hoodie": ("hooded sweatshirt", "hoody"),
    "t-shirt": ("t shirt", "tshirt", "tee", "tee shirt"),
    "shirt": ("button down", "button up", "button-down", "dress shirt", "flannel shirt"),
    "blouse": (),
    "top": ("tank top", "crop top", "camisole", "cami"),
    "polo": ("polo shirt",),
    "jacket": ("bomber", "bomber jacket", "puffer", "puffer jacket", "parka", "windbreaker"),
    "coat": ("overcoat", "trench coat", "trench", "peacoat", "raincoat"),
    "blazer": ("sport coat", "suit jacket"),
    "suit": ("tuxedo", "tux"),
    "vest": ("waistcoat", "gilet"),
    "dress": ("gown", "sundress", "maxi dress", "midi dress", "mini dress"),
    "skirt": ("miniskirt",),
    "jeans": ("pair of jeans",),
    "pants": ("trousers", "slacks", "chinos", "khakis", "leggings", "joggers", "sweatpants"),
    "shorts": (),
    "jumpsuit": ("romper", "overalls"),
    "pajamas": ("pyjamas", "pjs", "sleepwear", "nightgown"),
    "underwear": ("boxers", "briefs", "bra", "lingerie"),
    "socks": ("sock",),
    "swimsuit": ("bikini", "swimwear", "bathing suit", "swim trunks"),
    "shoes": ("shoe", "footwear", "loafers", "flats", "heels", "pumps", "oxfords"),
    "sneakers": ("sneaker", "trainers", "running shoes", "tennis shoes", "kicks"),
    "boots": ("boot", "ankle boots", "chelsea boots", "cowboy boots"),
    "sandals": ("sandal", "flip flops", "slides"),
    "slippers": ("slipper",),
    "hat": ("cap", "beanie", "baseball cap", "bucket hat", "fedora"),
    "scarf": ("scarves",),
    "gloves": ("glove", "mittens"),
    "belt": (),
    "tie": ("necktie", "bow tie"),
    "bag": ("handbag", "purse", "tote", "tote bag", "backpack", "clutch", "crossbody"),
    "wallet": (),
    "sunglasses": ("shades",),
    "glasses": ("eyeglasses", "frames"),
    "watch": ("wristwatch",),
    "jewelry": ("jewellery",),
    "necklace": ("pendant", "chain"),
    "earrings": ("earring", "studs"),
    "ring": (),
    "bracelet": ("bangle",),
    # furniture and home
    "sofa": ("couch", "loveseat", "love seat", "sectional", "settee", "sleeper sofa"),
    "chair": ("armchair", "arm chair", "accent chair", "recliner", "dining chair", "desk chair"),
    "stool": ("bar stool", "barstool", "counter stool"),
    "bench": (),
    "ottoman": ("footstool", "pouf"),
    "table": ("coffee table", "side table", "end table", "dining table", "kitchen table"),
    "desk": ("writing desk", "standing desk"),
    "bed": ("bed frame", "headboard", "bunk bed", "daybed"),
    "mattress": (),
    "dresser": ("chest of drawers", "drawers"),
    "nightstand": ("bedside table", "night stand"),
    "bookcase": ("bookshelf", "shelf", "shelves", "shelving"),
    "cabinet": ("sideboard", "buffet", "credenza", "tv stand", "media console", "console"),
    "wardrobe": ("armoire", "closet"),
    "lamp": ("floor lamp", "table lamp", "light", "pendant light", "chandelier", "sconce"),
    "rug": ("carpet", "area rug", "runner"),
    "mirror": (),
    "curtains": ("curtain", "drapes", "blinds"),
    "pillow": ("cushion", "throw pillow"),
    "blanket": ("throw", "quilt", "comforter", "duvet"),
    "sheets": ("bedding", "sheet set", "pillowcase"),
    "towel": ("bath towel",),
    "vase": (),
    "artwork": ("wall art", "print", "poster", "painting", "frame"),
    "clock": ("wall clock",),
    "plant pot": ("planter", "plant stand"),
    "candle": (),
    "cookware": ("pan", "frying pan", "pot", "skillet", "dutch oven"),
    "dinnerware": ("plates", "plate", "bowl", "bowls", "dishes", "mug", "mugs", "glassware"),
    # home improvement, decor and seasonal
    "lantern": (),
    "sign": ("welcome sign", "wall sign", "wood sign"),
    "tray": ("serving tray",),
    "tile": ("floor tile", "wall tile", "subway tile"),
    "drawer pull": ("cabinet knob", "knob", "cabinet pull", "door handle", "door pull"),
    "gate": ("pet gate", "baby gate", "dog gate"),
    "bird feeder": (),
    "playhouse": ("play tent",),
    "christmas tree": ("wreath", "ornament", "garland"),
    "doormat": ("door mat", "welcome mat"),
    "mailbox": (),
    "curtain rod": ("towel bar", "shelf bracket"),
    "gift card": (),
    # tools and hardware
    "drill": ("cordless drill", "power drill", "hammer drill", "impact driver"),
    "screwdriver": ("screwdriver set",),
    "hammer": (),
    "wrench": ("socket wrench", "socket set"),
    "circular saw": ("hand saw", "jigsaw", "miter saw", "chainsaw"),
    "ladder": ("step ladder", "stepladder"),
    "toolbox": ("tool box", "tool set", "tool kit", "toolkit"),
    "screws": ("wood screws", "screw"),
    "nails": (),
    "faucet": ("kitchen faucet", "bathroom faucet"),
    "shower head": ("showerhead",),
    "ceiling fan": (),
    "light bulb": ("lightbulb", "led bulb", "bulb"),
    "extension cord": ("power strip", "surge protector"),
    "lawn mower": ("mower", "lawnmower"),
    "garden hose": ("hose",),
    "grill": ("bbq", "barbecue grill", "smoker"),
    # toys and baby
    "lego set": ("lego", "legos", "building blocks"),
    "board game": ("puzzle", "jigsaw puzzle", "card game"),
    "doll": ("dollhouse", "action figure", "figurine"),
    "stuffed animal": ("plush", "plush toy", "teddy bear"),
    "scooter": ("kick scooter",),
    "stroller": ("pram", "baby stroller"),
    "crib": ("bassinet",),
    # beauty
    "lipstick": ("lip gloss", "lip balm"),
    "mascara": ("eyeliner", "eyeshadow", "foundation", "concealer", "makeup"),
    "moisturizer": ("face cream", "serum", "lotion", "body lotion", "cleanser", "face wash"),
    "shampoo": ("conditioner", "hair mask", "dry shampoo"),
    "perfume": ("cologne", "fragrance", "eau de parfum"),
    "nail polish": (),
    "hair dryer": ("blow dryer", "straightener", "flat iron", "curling iron"),
    "sunscreen": ("sunblock",),
    # kitchen appliances and grocery
    "coffee maker": ("espresso machine", "coffee machine", "french press"),
    "blender": ("food processor", "stand mixer", "mixer"),
    "toaster": ("toaster oven", "air fryer", "microwave", "slow cooker", "pressure cooker"),
    "kettle": ("electric kettle", "tea kettle"),
    "knife set": ("chef knife", "knives", "cutting board"),
    "water bottle": ("travel mug", "thermos", "tumbler"),
    "coffee beans": ("ground coffee", "coffee pods"),
    "olive oil": (),
    "cereal": ("granola", "oatmeal"),
    # sports, outdoors, pets
    "yoga mat": ("exercise mat",),
    "dumbbells": ("dumbbell", "kettlebell", "weights"),
    "tent": ("camping tent",),
    "sleeping bag": (),
    "bicycle": ("bike", "mountain bike", "road bike", "kids bike"),
    "helmet": ("bike helmet", "bicycle helmet"),
    "skateboard": ("surfboard", "snowboard"),
    "dog bed": ("cat bed", "pet bed"),
    "leash": ("dog leash", "collar", "harness"),
    "cat tree": ("scratching post", "litter box"),
    # a few general merchandise types
    "headphones": ("earbuds", "headset"),
    "speaker": (),
    "phone case": (),
    "laptop": ("notebook computer",),
    "tablet": ("ipad",),
    "charger": ("phone charger", "charging cable"),
    "keyboard": (),
    "printer": (),
    "camera": ("webcam",),
    "video game": ("video games", "game console"),
    "television": ("tv",),
    "toy": ("toys",),
    "book": (),
}

# Plurals that simple suffix rules get wrong, and words that are already plural.
_IRREGULAR_PLURALS: dict[str, str] = {
    "shelf": "shelves",
    "scarf": "scarves",
    "dress": "dresses",
    "watch": "watches",
    "couch": "couches",
    "bench": "benches",
    "glass": "glasses",
    "dutch oven": "dutch ovens",
    "knife": "knives",
    "loveseat": "loveseats",
}
_PLURAL_ONLY = {
    "dumbbells",
    "nails",
    "screws",
    "wood screws",
    "coffee beans",
    "weights",
    "legos",
    "knives",
    "building blocks",
    "coffee pods",
    "jeans",
    "pants",
    "shorts",
    "pajamas",
    "pyjamas",
    "socks",
    "shoes",
    "sneakers",
    "boots",
    "sandals",
    "slippers",
    "gloves",
    "earrings",
    "sunglasses",
    "glasses",
    "headphones",
    "curtains",
    "sheets",
    "leggings",
    "joggers",
    "sweatpants",
    "chinos",
    "khakis",
    "trousers",
    "slacks",
    "boxers",
    "briefs",
    "overalls",
    "mittens",
    "flats",
    "heels",
    "pumps",
    "loafers",
    "oxfords",
    "trainers",
    "kicks",
    "shades",
    "frames",
    "drapes",
    "blinds",
    "drawers",
    "shelves",
    "shelving",
    "bedding",
    "plates",
    "bowls",
    "dishes",
    "mugs",
    "glassware",
    "earbuds",
    "toys",
    "underwear",
    "jewelry",
    "jewellery",
    "cookware",
    "dinnerware",
    "sleepwear",
    "swimwear",
    "footwear",
    "scarves",
    "pjs",
    "flip flops",
    "slides",
    "running shoes",
    "tennis shoes",
    "studs",
    "swim trunks",
    "artwork",
    "wall art",
}

COLORS: dict[str, tuple[str, ...]] = {
    "black": ("jet black",),
    "white": ("off white", "off-white", "ivory", "cream"),
    "grey": ("gray", "charcoal", "heather grey", "heather gray", "slate"),
    "red": ("scarlet", "crimson", "cherry", "wine", "maroon", "burgundy"),
    "pink": ("blush", "rose", "hot pink", "fuchsia", "magenta"),
    "orange": ("rust", "coral", "peach", "terracotta"),
    "yellow": ("mustard", "gold", "golden", "lemon"),
    "green": ("olive", "sage", "emerald", "forest green", "mint", "khaki green", "lime"),
    "blue": (
        "navy",
        "navy blue",
        "royal blue",
        "sky blue",
        "light blue",
        "dark blue",
        "teal",
        "turquoise",
        "cobalt",
        "indigo",
        "denim blue",
        "baby blue",
    ),
    "purple": ("lavender", "lilac", "violet", "plum", "mauve"),
    "brown": ("tan", "camel", "chocolate", "cognac", "caramel", "walnut", "espresso", "mocha"),
    "beige": ("oatmeal", "sand", "taupe", "nude", "natural", "ecru", "stone"),
    "silver": ("metallic",),
    "multicolor": ("multicolored", "multi colored", "rainbow"),
}

MATERIALS: dict[str, tuple[str, ...]] = {
    "cotton": ("organic cotton",),
    "wool": ("merino", "merino wool", "lambswool", "woolen", "woollen"),
    "cashmere": (),
    "linen": (),
    "silk": ("silky",),
    "satin": (),
    "denim": (),
    "leather": ("genuine leather", "faux leather", "vegan leather", "suede"),
    "velvet": ("velour", "crushed velvet"),
    "corduroy": ("cords",),
    "polyester": ("poly",),
    "nylon": (),
    "fleece": (),
    "knit": ("cable knit", "chunky knit"),
    "mohair": (),
    "alpaca": (),
    "down": ("down filled", "goose down", "down feather"),
    "wood": (
        "wooden",
        "solid wood",
        "hardwood",
        "oak",
        "pine",
        "teak",
        "maple",
        "mahogany",
        "birch",
        "walnut wood",
        "acacia",
        "bamboo",
    ),
    "metal": (
        "steel",
        "stainless steel",
        "iron",
        "wrought iron",
        "brass",
        "aluminum",
        "aluminium",
        "chrome",
        "copper",
    ),
    "glass": ("tempered glass",),
    "marble": ("stone", "granite"),
    "rattan": ("wicker", "cane", "jute", "seagrass"),
    "plastic": ("acrylic", "resin"),
    "boucle": ("bouclé",),
    "microfiber": ("microfibre",),
    "ceramic": ("porcelain", "stoneware"),
    "rubber": (),
    "canvas": (),
}

PATTERNS: dict[str, tuple[str, ...]] = {
    "striped": ("stripes", "stripe", "pinstripe", "pinstriped", "striped pattern"),
    "plaid": ("tartan", "checked", "checkered", "gingham", "buffalo check"),
    "floral": ("flowers", "flowered", "flowery", "flower print", "botanical"),
    "polka dot": ("polka dots", "polka dotted", "dotted", "spotted", "dots"),
    "solid": ("plain", "solid color", "solid colour"),
    "geometric": (),
    "paisley": (),
    "houndstooth": (),
    "herringbone": (),
    "camouflage": ("camo",),
    "animal print": ("leopard", "leopard print", "zebra print", "snake print", "cheetah print"),
    "tie dye": ("tie-dye", "tie dyed"),
    "graphic": ("graphic print", "logo"),
    "argyle": (),
    "fair isle": (),
    "patchwork": (),
    "embroidered": ("embroidery",),
    "color block": ("colorblock", "colour block"),
    "abstract": (),
}

# Spoken platforms and the kinds of media shoppers see things on.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "TikTok": ("tiktok", "tik tok", "tick tock"),
    "Instagram": ("instagram", "insta"),
    "YouTube": ("youtube", "you tube"),
    "Netflix": ("netflix",),
    "Hulu": ("hulu",),
    "Disney+": ("disney plus", "disney+"),
    "HBO Max": ("hbo", "hbo max"),
    "Prime Video": ("prime video", "amazon prime"),
    "Apple TV+": ("apple tv", "apple tv plus"),
    "Twitch": ("twitch",),
    "Pinterest": ("pinterest",),
    "Snapchat": ("snapchat",),
    "Facebook": ("facebook",),
    "X": ("twitter",),
}

MEDIA_KINDS: tuple[str, ...] = (
    "concert",
    "show",
    "tv show",
    "video",
    "music video",
    "movie",
    "film",
    "episode",
    "series",
    "red carpet",
    "interview",
    "commercial",
    "ad",
    "advert",
    "podcast",
    "livestream",
    "live stream",
    "performance",
    "premiere",
    "talk show",
    "reality show",
    "award show",
    "awards",
    "game",
    "match",
    "halftime show",
    "photo shoot",
    "photoshoot",
    "post",
    "reel",
    "story",
    "vlog",
    "stream",
    "set",
    "tour",
    "music festival",
    "festival",
    "sitcom",
)

# Letter and named sizes -> the value a catalog filter uses.
LETTER_SIZES: dict[str, str] = {
    "xxs": "XXS",
    "extra extra small": "XXS",
    "xs": "XS",
    "extra small": "XS",
    "x small": "XS",
    "x-small": "XS",
    "small": "S",
    "medium": "M",
    "med": "M",
    "large": "L",
    "xl": "XL",
    "extra large": "XL",
    "x large": "XL",
    "x-large": "XL",
    "xxl": "XXL",
    "2xl": "XXL",
    "extra extra large": "XXL",
    "double extra large": "XXL",
    "xx large": "XXL",
    "double xl": "XXL",
    "xxxl": "XXXL",
    "3xl": "XXXL",
    "triple xl": "XXXL",
    "triple extra large": "XXXL",
    "petite": "petite",
    "plus size": "plus",
    "plus": "plus",
    "tall": "tall",
    "one size": "one size",
    "twin": "twin",
    "twin xl": "twin xl",
    "full": "full",
    "double": "full",
    "queen": "queen",
    "king": "king",
    "california king": "california king",
    "cal king": "california king",
}
# single-letter sizes are only sizes after the word "size"
SIZE_LETTERS: dict[str, str] = {"s": "S", "m": "M", "l": "L", "xs": "XS", "xl": "XL"}

# Function words: never a name, a product or a search term on their own. The one list in nlu.
STOP_WORDS: frozenset[str] = frozenset(
    "a an the my your his her their our its this that these those some any of to in on at for "
    "from with by and or but is are was were be been it i me we you he she they him them what "
    "which who where when how do does did can could would should will please just also so "
    "one ones".split()
)

# words that make "<name> store" a shop location
STORE_NOUNS: tuple[str, ...] = (
    "store",
    "shop",
    "location",
    "branch",
    "outlet",
    "showroom",
    "mall",
)

_SPELLING = {"gray": "grey", "off-white": "white", "multicolored": "multicolor"}

# canonical names that are too common as plain English words to match on their own
_UNSAFE_FORMS = frozenset({"down", "max", "cord", "check", "set", "print"})

VOCABULARY_KEYS: tuple[str, ...] = (
    "brands",
    "product_types",
    "people",
    "media",
    "colors",
    "materials",
    "patterns",
    "stores",
)


def plural(word: str) -> str:
    """English plural good enough for product nouns spoken to a shop."""
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if word in _PLURAL_ONLY:
        return word
    head, _, last = word.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last in _IRREGULAR_PLURALS:
        return prefix + _IRREGULAR_PLURALS[last]
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return prefix + last + "es"
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        return prefix + last[:-1] + "ies"
    return prefix + last + "s"


def default_entries() -> dict[str, dict[str, str]]:
    """label -> {lowercase surface form: canonical value} for the built-in words."""
    entries: dict[str, dict[str, str]] = {
        "PRODUCT_TYPE": {},
        "COLOR": {},
        "MATERIAL": {},
        "PATTERN": {},
        "MEDIA": {},
    }
    for canonical, synonyms in PRODUCT_TYPES.items():
        for form in (canonical, *synonyms):
            if form in _UNSAFE_FORMS:
                continue
            entries["PRODUCT_TYPE"].setdefault(form, canonical)
            entries["PRODUCT_TYPE"].setdefault(plural(form), canonical)
    for label, table in (("COLOR", COLORS), ("MATERIAL", MATERIALS), ("PATTERN", PATTERNS)):
        for canonical, synonyms in table.items():
            for form in (canonical, *synonyms):
                if form in _UNSAFE_FORMS:
                    continue
                # a one-word colour ("navy", "olive") is what a catalog lists; phrases
                # ("light blue") reduce to their base colour
                value = form if label == "COLOR" and " " not in form else canonical
                entries[label].setdefault(form, _SPELLING.get(value, value))
    for canonical, forms in PLATFORMS.items():
        for form in forms:
            entries["MEDIA"][form] = canonical
    return entries


def vocabulary_entries(vocabulary: Mapping[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """Catalog vocabulary (display names) -> label -> {surface form: canonical value}."""
    label_of = {
        "brands": "BRAND",
        "product_types": "PRODUCT_TYPE",
        "people": "PERSON",
        "media": "MEDIA",
        "colors": "COLOR",
        "materials": "MATERIAL",
        "patterns": "PATTERN",
        "stores": "STORE",
    }
    entries: dict[str, dict[str, str]] = {}
    for key, names in vocabulary.items():
        label = label_of.get(key)
        if label is None or isinstance(names, str):
            continue
        table = entries.setdefault(label, {})
        for name in names:
            display = " ".join(str(name).split())
            form = display.lower()
            if not form:
                continue
            if label in ("PRODUCT_TYPE", "COLOR", "MATERIAL", "PATTERN"):
                # these values are lowercase words the catalog filters on
                table.setdefault(form, form)
                if label == "PRODUCT_TYPE":
                    table.setdefault(plural(form), form)
            else:
                table[form] = display
                if label in ("PERSON", "BRAND"):
                    table.setdefault(form.replace(".", ""), display)
                    table.setdefault(form.replace("-", " "), display)
    return entries
