"""Owns identifying HL7 FHIR REST traffic (https://hl7.org/fhir/http.html) inside HTTP.

A request is FHIR when one of the first path segments names a FHIR resource type
(``/fhir/r4/Patient/123``: ``Patient``) or ``metadata``, or when its content type or
Accept header is a FHIR media type (``application/fhir+json``, ``+xml``, and the DSTU2
``application/json+fhir``). Facts: method, host, content type, resource type. Never
the resource id, the query string or the body.
"""

from __future__ import annotations

from ._http import media_type, path_segments, requests, response_content_type
from .http import facts_of

NAME = "fhir"

RESOURCE_TYPES = frozenset((
    "Account", "AllergyIntolerance", "Appointment", "AuditEvent", "Basic", "Binary",
    "Bundle", "CapabilityStatement", "CarePlan", "CareTeam", "ChargeItem", "Claim",
    "Communication", "Composition", "Condition", "Consent", "Coverage", "Device",
    "DeviceRequest", "DiagnosticReport", "DocumentReference", "Encounter", "Endpoint",
    "EpisodeOfCare", "Flag", "Group", "HealthcareService", "ImagingStudy", "Immunization",
    "Location", "Media", "Medication", "MedicationAdministration", "MedicationDispense",
    "MedicationRequest", "MedicationStatement", "MessageHeader", "Observation",
    "OperationOutcome", "Organization", "Parameters", "Patient", "Person",
    "Practitioner", "PractitionerRole", "Procedure", "Provenance", "Questionnaire",
    "QuestionnaireResponse", "RelatedPerson", "Schedule", "ServiceRequest", "Slot",
    "Specimen", "Subscription", "Task", "ValueSet", "CodeSystem", "ConceptMap",
    "StructureDefinition",
))
FHIR_TYPES = frozenset(("application/fhir+json", "application/fhir+xml",
                        "application/json+fhir", "application/xml+fhir"))
SEARCH_DEPTH = 4


def resource_type(target: str) -> str | None:
    """The FHIR resource type named in the first path segments, if any."""
    for seg in path_segments(target)[:SEARCH_DEPTH]:
        if seg in RESOURCE_TYPES or seg == "metadata":
            return seg
    return None


def dissect(client: bytes, server: bytes) -> list[dict] | None:
    """Facts per distinct FHIR request; None if no request is FHIR.

    Examples
    --------
    >>> dissect(b"GET /fhir/Patient/42 HTTP/1.1\\r\\nHost: eai\\r\\n\\r\\n", b"")
    [{'method': 'GET', 'host': 'eai', 'resource_type': 'Patient'}]
    """
    reqs = requests(client)
    if not reqs:
        return None
    fallback = response_content_type(server)
    out = []
    for method, target, headers in reqs:
        rtype = resource_type(target)
        fhir_media = (media_type(headers.get("content-type")) in FHIR_TYPES
                      or media_type(headers.get("accept")) in FHIR_TYPES
                      or fallback in FHIR_TYPES)
        if rtype is None and not fhir_media:
            continue
        facts = facts_of(method, headers, fallback)
        if rtype:
            facts["resource_type"] = rtype
        if facts not in out:
            out.append(facts)
    return out or None
