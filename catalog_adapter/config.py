"""Which catalog to open and how, as the application's settings say; the CLI and the
composition root open catalogs through it, so neither reads the environment itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog_adapter.ports import Catalog


@dataclass(frozen=True, slots=True)
class CatalogConfig:
    """The catalog settings (AMBIENT_SHOP_CATALOG, AMBIENT_SHOP_DATA_DIR,
    AMBIENT_SHOP_REST_MAPPING and the environment for a mapping's `${NAME}` headers)."""

    catalog_url: str | None = None
    data_dir: Path = Path("var")
    # A REST catalog's mapping: a file path or JSON text.
    rest_mapping: str | None = None
    env: Mapping[str, str] = field(default_factory=dict, repr=False)

    def url(self) -> str:
        """The configured catalog, else the bundled demo imported into the data directory."""
        if self.catalog_url:
            return self.catalog_url
        from catalog_adapter.demo import demo_catalog_url

        return demo_catalog_url(self.data_dir)

    def options(self, url: str) -> dict[str, Any]:
        """What opening this URL needs from the settings: a REST catalog its mapping."""
        if url.partition("://")[0].lower().startswith("rest+"):
            return {"mapping_source": self.rest_mapping, "env": self.env}
        return {}

    def open(self, url: str | None = None, **options: Any) -> Catalog:
        """Open `url` (default: the configured one) with the settings' options and these."""
        from catalog_adapter.registry import open_catalog

        target = url or self.url()
        return open_catalog(target, **self.options(target), **options)
