"""Import and export files (django-import-export): resources, the batch engine, formats.

Owns: each type's columns (`resources`, `joins`, and a record's identifiers in
other systems, `identifiers`), the batch import path that
validates a whole file and then writes it in bulk with history (`engine`,
`checks`, `write`), strict cells (`widgets`), cells that name any record
(`refs`), the accepted formats and the bounds of a file they read (`formats`).
May import: `kb.lib`, `kb.models`, `kb.registry`, `kb.domain`, `kb.history`;
never a surface.
"""
