"""What every Ambient Shop package shares and nothing else: the root of the exception tree.

It imports nothing, so `nlu` (spaCy and the standard library only) and `catalog_adapter` (no
`skill`) can both raise errors the one CLI and the web edges catch as `AmbientShopError`.
"""
