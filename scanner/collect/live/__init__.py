"""Owns live database introspection: a running PostgreSQL or MariaDB server → observations.

The same ``db_schema`` and ``db_link`` observations the SQL dump collector makes, read
from the server's catalogue instead of a file (``hdscan introspect URL``):

* ``url``          parsing ``postgresql://`` / ``mysql://`` URLs, the password-free source name;
* ``queries``      the allow-list of catalogue statements — the only SQL ever sent;
* ``postgresql``, ``mariadb``  reading one engine's catalogue through its driver;
* ``peers``        client sessions and replication peers → ``flow``/``protocol``/``db_link``/
  ``config_ref`` observations;
* ``introspect``   the engine-agnostic part: catalogue rows → observations, links through
  the dump collector's own link finder, the digest that makes re-introspection a no-op.
"""
