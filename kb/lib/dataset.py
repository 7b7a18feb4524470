"""What every export says about the dataset as a whole: its name, licence and how to cite it.

One place, read by the downloads page, the bulk files' metadata (the Data
Package, Datasette's metadata.json), the FollowTheMoney and Popolo exports
and the schema.org `Dataset`.
"""

from django.utils.translation import gettext_lazy as _

TITLE = "Entente"
DESCRIPTION = _(
    "An open knowledge base of international security cooperation: which organisations "
    "and people met, at which events, what they agreed, and the source and exact quote "
    "behind each fact."
)

# Creative Commons Attribution 4.0: anyone may reuse and adapt the data, also
# commercially, as long as they credit Entente. The quotes stay their
# publishers' words, cited as short quotations.
LICENCE_ID = "CC-BY-4.0"  # the SPDX identifier
LICENCE_NAME = "Creative Commons Attribution 4.0 International"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def citation(url, date):
    """How to cite the dataset: its name, the site's address and the files' date."""
    return _(
        "Entente, open knowledge base of international security cooperation, %(url)s "
        "(data of %(date)s), CC BY 4.0."
    ) % {
        "url": url,
        "date": date,
    }
