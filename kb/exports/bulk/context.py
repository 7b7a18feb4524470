"""What every file of one build shares: the site's address, when the data were read, and how."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import translation

from ...lib import dataset


@dataclass(frozen=True)
class Build:
    # The site's public address, without a final slash (settings.SITE_URL).
    base_url: str
    # When the data were read: the files' date.
    started_at: datetime
    # The data version they were read at (kb/db/version.py); "" if unknown.
    version: str = ""

    @property
    def created(self):
        """The date and time as ISO 8601, in UTC."""
        return self.started_at.isoformat().replace("+00:00", "Z")

    @property
    def citation(self):
        """How to cite the files, in English (kb/lib/dataset.py)."""
        with translation.override("en"):
            return str(dataset.citation(self.base_url + "/", self.started_at.date().isoformat()))
