"""The public site: list, detail and cross-type pages in English and French.

Owns: the public URLs (`urls`), list and detail views (`views`), each
record page's quotes, groups and sections (`record_pages`), a source's page
with its cited passages (`sources`), home, search and
quality (`pages`), the filter and search forms (`forms`), and a list's facets as
links (`facets`).
Template tags stay in kb/templatetags/, where Django looks for them.
May import: everything below the surfaces; never `kb.api` or `kb.admin`.
"""
