"""Publication of the do-not-call registers: the nightly files senders download, with checksums and changes.

See ``formats`` for the file formats, ``store`` for the directory layout and crash safety, ``source`` for how a
register's state at a cut-off is read, ``service`` for the rules of when a date may be published.
"""

from telreg.dnc.publish.formats import apply_changes
from telreg.dnc.publish.service import PublicationResult, cutoff_for, list_publications, prune, publish

__all__ = ["PublicationResult", "apply_changes", "cutoff_for", "list_publications", "prune", "publish"]
