"""The bundled demo catalog of the fictional retailer Acme Home, imported on first use."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
PRODUCTS = DEMO_DIR / "products.tsv"
INVENTORY = DEMO_DIR / "inventory.tsv"
APPEARANCES = DEMO_DIR / "appearances.tsv"
STORES = DEMO_DIR / "stores.tsv"
_FEEDS = (PRODUCTS, INVENTORY, APPEARANCES, STORES)


def demo_fingerprint() -> str:
    """Changes whenever a bundled feed or the catalog format changes."""
    from catalog_adapter.sqlite import FORMAT

    digest = hashlib.sha256(FORMAT.encode())
    for path in _FEEDS:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def demo_catalog_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"demo-catalog-{demo_fingerprint()}.db"


def demo_catalog_url(cache_dir: Path) -> str:
    """Import the bundled feeds into cache_dir when missing or stale; return the catalog URL."""
    path = demo_catalog_path(cache_dir)
    if not path.is_file():
        from catalog_adapter.feeds import import_feeds

        import_feeds(
            path, products=PRODUCTS, inventory=INVENTORY, appearances=APPEARANCES, stores=STORES
        )
        _remove_stale(path)
    return f"sqlite:///{path.as_posix()}"


def _remove_stale(current: Path) -> None:
    for old in current.parent.glob("demo-catalog-*.db"):
        if old != current:
            try:
                os.remove(old)
            except OSError:
                pass
