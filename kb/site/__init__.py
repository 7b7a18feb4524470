"""The public site: list, detail and cross-type pages in English and French.

Owns: the public URLs (`urls`), list and detail views (`views`), home,
search and quality (`pages`), and the filter and search forms (`forms`).
Template tags stay in kb/templatetags/, where Django looks for them.
May import: everything below the surfaces; never `kb.api` or `kb.admin`.
"""
