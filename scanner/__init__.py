"""hdscan: audit and dependency discovery for hospital IT estates moving to HDS / SecNumCloud hosting.

The pipeline lives in the sub-packages, in order: ``collect`` → ``ingest``/``graph`` →
``classify`` → ``plan`` → ``report``; ``pipeline`` wires them and ``cli`` is the only
place that talks to a user.
"""

__version__ = "0.1.0"
