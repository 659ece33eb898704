"""DICOM upper layer: A-ASSOCIATE-RQ/AC facts; never P-DATA; random 0x01 bytes refused."""

from __future__ import annotations

import os
import random

import protocol_bytes as pb

from scanner.collect.protocols import dicom


def test_associate_request_and_acceptance():
    assert dicom.dissect(pb.DICOM_RQ, pb.DICOM_AC) == [{
        "called_ae": "ORTHANC", "calling_ae": "CT01", "result": "accepted",
        "abstract_syntaxes": [pb.VERIFICATION, pb.CT_IMAGE_STORAGE]}]


def test_rejection_and_no_answer():
    rj = bytes([0x03, 0, 0, 0, 0, 4, 0, 1, 1, 1])
    assert dicom.dissect(pb.DICOM_RQ, rj)[0]["result"] == "rejected"
    assert "result" not in dicom.dissect(pb.DICOM_RQ, b"")[0]


def test_pdata_is_never_read():
    assert dicom.dissect(pb.DICOM_PDATA, pb.DICOM_PDATA) is None
    assert "VASQUELLON" not in repr(dicom.dissect(pb.DICOM_RQ + pb.DICOM_PDATA, b""))


def test_random_bytes_starting_0x01_are_not_dicom():
    rng = random.Random(7)
    for _ in range(200):
        blob = b"\x01\x00" + bytes(rng.getrandbits(8) for _ in range(300))
        assert dicom.dissect(blob, b"") is None
    assert dicom.dissect(b"\x01" + os.urandom(0), b"") is None
    broken = bytearray(pb.DICOM_RQ)
    broken[74 + 4:74 + 8] = b"9.9."                                  # wrong application context
    assert dicom.dissect(bytes(broken), b"") is None
