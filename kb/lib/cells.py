"""Spreadsheet cells: the one formula escape, for import/export files and API CSV alike.

A spreadsheet runs a cell starting with "=", "+", "-" or "@" (and some with a
tab or carriage return) as a formula, and treats a leading "'" as an escape
of its own. Every text cell Entente writes for a spreadsheet goes through
`escape_cell`; every cell an editor's file brings in goes through
`unescape_cell`, so an export re-imports exactly.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "'", "\t", "\r")


def escape_cell(value):
    """Prefix ' to text a spreadsheet would run as a formula ("=1+1" -> "'=1+1")."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value):
    """Undo escape_cell: remove exactly one ' , and only one that escape_cell adds.

    "'=1+1" -> "=1+1" and "''quoted" -> "'quoted"; "'tis" stays as it is, so
    text typed by an editor that merely begins with ' is kept.
    """
    if isinstance(value, str) and value[:1] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
