"""The read API v1: JSON and CSV for other systems, with an OpenAPI schema.

Owns: URLs and the router (`urls`), one viewset per type (`views`),
serializers and their fields (`serializers`, `fields`), the rows lists and
records are built from (`projections`), paging with keyset
cursors (`pagination`), conditional GET (`conditional`), JSON and CSV (`renderers`),
the schema's descriptions (`schema`) and throttling (`throttling`).
May import: everything below the surfaces; never `kb.site` or `kb.admin`.
"""
