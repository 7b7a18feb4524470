"""A contract type for `make lint`: forbid parts of an external package (django.http, say).

import-linter's own `forbidden` contract takes external packages only whole
("django"); this one reads the import statements grimp recorded and refuses
those that name a forbidden dotted prefix.
"""

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class ForbiddenSubmodulesContract(Contract):
    """Modules in `source_modules` may not import any of `forbidden_prefixes`."""

    source_modules = fields.ListField(subfield=fields.StringField())
    forbidden_prefixes = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose):
        sources = set()
        for source in self.source_modules:
            sources.add(source)
            sources |= graph.find_descendants(source)
        broken = []
        for importer in sorted(sources):
            for imported in graph.find_modules_directly_imported_by(importer):
                for detail in graph.get_import_details(importer=importer, imported=imported):
                    line = detail["line_contents"]
                    if any(_names(line, prefix) for prefix in self.forbidden_prefixes):
                        broken.append((importer, detail["line_number"], line))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check):
        for importer, line_number, line in check.metadata["broken"]:
            output.print_error(f"{importer}:{line_number}: {line}", bold=False)
        output.new_line()


def _names(line, prefix):
    """Whether an import statement imports `prefix` or something inside it."""
    words = line.replace(",", " ").split()
    if not words:
        return False
    if words[0] == "from":
        module = words[1]
        return module == prefix or module.startswith(prefix + ".")
    if words[0] == "import":
        return any(w == prefix or w.startswith(prefix + ".") for w in words[1:])
    return False
