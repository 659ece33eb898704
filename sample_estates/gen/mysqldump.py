"""Renders tables as a ``mysqldump`` script as MariaDB 10.11 writes it.

Owns the header (``-- MariaDB dump 10.19 …``, ``-- Host: localhost    Database: …``),
the ``/*!40101 SET …*/`` preamble, per table ``DROP TABLE IF EXISTS``/``CREATE TABLE``
(InnoDB, utf8mb4) and a ``LOCK TABLES … INSERT INTO … VALUES (…),(…); UNLOCK TABLES``
block, and the trailer with the dump's completion date (fixed, never "now").
"""

from __future__ import annotations

from .pgdump import Table


def _sql_value(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, (int, float)):
        return str(v)
    return "'" + str(v).replace("\\", "\\\\").replace("'", "\\'") + "'"


def mysqldump(database: str, tables: list[Table], *, server: str = "10.11.6-MariaDB-0+deb12u1",
              completed: str = "2026-03-08  2:15:01") -> str:
    """The text of ``mysqldump --databases`` style output for one database (no CREATE DATABASE)."""
    out = ["-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)\n--\n",
           f"-- Host: localhost    Database: {database}\n",
           "-- ------------------------------------------------------\n",
           f"-- Server version\t{server}\n\n",
           "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
           "/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;\n"
           "/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;\n"
           "/*!40101 SET NAMES utf8mb4 */;\n"
           "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n/*!40103 SET TIME_ZONE='+00:00' */;\n"
           "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n"
           "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
           "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n"
           "/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;\n\n"]
    for t in tables:
        cols = [f"  `{c}` {typ}" for c, typ in t.columns]
        if t.primary_key:
            cols.append(f"  PRIMARY KEY (`{t.primary_key}`)")
        out.append(f"--\n-- Table structure for table `{t.name}`\n--\n\n"
                   f"DROP TABLE IF EXISTS `{t.name}`;\n"
                   "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
                   "/*!40101 SET character_set_client = utf8 */;\n"
                   f"CREATE TABLE `{t.name}` (\n" + ",\n".join(cols) + "\n"
                   ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n"
                   "/*!40101 SET character_set_client = @saved_cs_client */;\n\n")
        out.append(f"--\n-- Dumping data for table `{t.name}`\n--\n\n"
                   f"LOCK TABLES `{t.name}` WRITE;\n/*!40000 ALTER TABLE `{t.name}` DISABLE KEYS */;\n")
        if t.rows:
            values = ",".join("(" + ",".join(_sql_value(v) for v in row) + ")" for row in t.rows)
            out.append(f"INSERT INTO `{t.name}` VALUES {values};\n")
        out.append(f"/*!40000 ALTER TABLE `{t.name}` ENABLE KEYS */;\nUNLOCK TABLES;\n\n")
    out.append("/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;\n\n"
               "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n"
               "/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n"
               "/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n"
               "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
               "/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;\n"
               "/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;\n"
               "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n"
               f"-- Dump completed on {completed}\n")
    return "".join(out)
