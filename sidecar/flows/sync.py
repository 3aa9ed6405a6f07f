"""Sync and ingest: canonical records (or another system's payload) in, one batched write-back job out,
an answer per record.

Each record is converted to Odoo values and checked against the authority table on its own: a
bad one is rejected with its reason while the others go on. The accepted ones go into one outbox
job whose key is the hash of what it writes, so the same records sent again join the job already
queued instead of adding one (and the write-back finds in Odoo what a job already wrote). The
answer is 200 whenever the request itself could be read, listing each record as `accepted`
(with its job) or `rejected` (with code, message, details); a repeat with the same
Idempotency-Key answers the same. On ingest, a record rejected for a missing mapping becomes a
dead letter `mapping_missing` holding the raw record: replaying it once the mapping exists runs
transform and sync again for that record alone.
"""
from __future__ import annotations

import hashlib
import json
import zlib

from sqlalchemy.exc import IntegrityError

from sidecar import adapters, contracts, outbound
from sidecar.errors import Conflict, InvalidPayload, PayloadTooLarge, SidecarError
from sidecar.flows import pipeline
from sidecar.flows.deadletters import MAPPING_MISSING, describe
from sidecar.mapping import authority
from sidecar.mapping.resolver import Mapper
from sidecar.mapping.service import load_mapper
from sidecar.outbound import Target
from sidecar.services import Services
from sidecar.store import audit, dead_letters, idempotency, jobs

SYNC, INGEST = "sync_records", "ingest_records"
MAX_RECORDS = 1000
# Whitespace as either regular-expression dialect counts it (Python's str.isspace, ECMA-262's \s adds U+FEFF):
# the contract's "not blank" and "not odoo" patterns exclude both, and so does the check they document.
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\ufeff"
ACCEPTED, REJECTED = "accepted", "rejected"


def refuse_unless_system_of_record(services: Services, target: Target, record: dict, source: str, ref: str) -> None:
    """409 not_system_of_record (audited) unless `source` owns the target's domain for the record's scope.

    Tracking has no authority domain: a carrier's events are the only record of a parcel.
    """
    if target.domain:
        authority.refuse_unless_system_of_record(services, target.domain, target.scope(record, source), source,
                                                 f"{target.name}:{ref}")


def _has_contract(name: str) -> bool:
    return (contracts.CONTRACTS_DIR / f"{name}.json").is_file()


def _error(err: SidecarError) -> dict:
    return {"status": err.status, "code": err.code, "message": err.message, "details": err.details}


def check(services: Services, target: Target, source: str, index: int, record) -> dict:
    """One record converted to its job item and allowed by the authority; raises the reason otherwise."""
    if not isinstance(record, dict):
        raise InvalidPayload("a record must be a JSON object", details=[{"pointer": f"/records/{index}"}])
    if _has_contract(target.canonical):
        contracts.validate(target.canonical, record, prefix=f"/records/{index}")
    try:
        item = target.convert(record, source)
    except SidecarError as err:  # its pointers name the record's field: the request's is under /records/<index>
        for detail in err.details:
            if isinstance(detail, dict) and str(detail.get("pointer", "")).startswith("/"):
                detail["pointer"] = f"/records/{index}{detail['pointer']}"
        raise
    refuse_unless_system_of_record(services, target, record, source, item["ref"])
    return item


def prepare(services: Services, target: Target, source: str, index: int, record) -> dict:
    """One record: accepted with its job item, or rejected with the reason."""
    try:
        item = check(services, target, source, index, record)
    except SidecarError as err:
        if err.status >= 500:
            raise
        return {"index": index, "status": REJECTED, "error": _error(err)}
    return {"index": index, "ref": item["ref"], "status": ACCEPTED, "item": item}


def _source(value) -> str:
    if not isinstance(value, str) or not value.strip(WHITESPACE) or len(value) > 64:
        raise InvalidPayload("source must name the sending system in 1 to 64 characters",
                             details=[{"pointer": "/source", "message": "e.g. shop-eu, wms-main"}])
    if value.strip(WHITESPACE).lower() == authority.ODOO:
        # Odoo owns every domain nobody else is named for: a caller saying it is Odoo would pass every check.
        raise InvalidPayload("source cannot be odoo: records synced into Odoo come from another system",
                             code="invalid_source", details=[{"pointer": "/source", "message": "got odoo"}])
    return value.strip(WHITESPACE)


def _check_size(count: int) -> None:
    if count > MAX_RECORDS:
        raise PayloadTooLarge(f"at most {MAX_RECORDS} records per request", code="too_many_records",
                              details=[{"pointer": "/records", "message": f"got {count}"}])


def _no_twins(results: list[dict]) -> None:
    """A second record with the ref of an earlier one in the same request is rejected (which one wins is unclear)."""
    seen: dict[str, int] = {}
    for result in results:
        if result["status"] != ACCEPTED:
            continue
        if result["ref"] in seen:
            first, index, ref = seen[result["ref"]], result["index"], result["ref"]
            result.clear()
            result.update({"index": index, "ref": ref, "status": REJECTED, "error": {
                "status": 400, "code": "duplicate_record",
                "message": f"the same record as /records/{first} in this request", "details": []}})
        else:
            seen[result["ref"]] = result["index"]


def _job_key(target: Target, source: str, items: list[dict]) -> str:
    digest = hashlib.sha256(json.dumps([source, items], sort_keys=True, default=str).encode()).hexdigest()
    return f"sync/{target.name}/{digest}"


def lane(target: Target, source: str) -> dict:
    """The queue a sync job waits in: one per target and source, so a later batch never overtakes an
    earlier one (a newer stock snapshot is written after the older one), while sources run side by side."""
    return {"model": f"sync/{target.name}", "order_id": zlib.crc32(source.encode()) & 0x7FFFFFFF}


def _enqueue(conn, services: Services, target: Target, source: str, results: list[dict]) -> dict | None:
    """One job for every accepted record; the job already queued for exactly these records otherwise."""
    items = [result["item"] for result in results if result["status"] == ACCEPTED]
    if not items:
        return None
    key = _job_key(target, source, items)
    existing = jobs.by_key(conn, key)
    if existing is None:
        priority = outbound.priority(target.name, services.settings.sync_priorities)
        job_id = jobs.enqueue(conn, idempotency_key=key, operation=target.operation, release_id=None,
                              payload={"target": target.name, "source": source, "ref": key[len("sync/"):][:40],
                                       "items": items},
                              max_attempts=services.settings.max_attempts, priority=priority, **lane(target, source))
        audit.append(conn, "sync.queued", job_id, {"target": target.name, "source": source, "records": len(items),
                                                   "priority": priority})
        existing = jobs.get(conn, job_id)
    return existing


def _answer(target: Target, source: str, results: list[dict], job: dict | None, extra: dict | None = None) -> dict:
    records = []
    for result in sorted(results, key=lambda r: r["index"]):
        view = {"index": result["index"], "ref": result.get("ref"), "status": result["status"]}
        if result["status"] == ACCEPTED:
            view["job_id"] = job["id"]
        else:
            view["error"] = result["error"]
            if result.get("dead_letter_id"):
                view["dead_letter_id"] = result["dead_letter_id"]
        records.append(view)
    accepted = sum(1 for r in records if r["status"] == ACCEPTED)
    return {"target": target.name, "source": source, **(extra or {}),
            "job": {"id": job["id"], "state": job["state"], "operation": job["operation"],
                    "priority": job["priority"]} if job else None,
            "accepted": accepted, "rejected": len(records) - accepted, "records": records}


def _replayed(conn, key: str | None, digest: str):
    """The first answer to this key; 409 when the key came with another body."""
    existing = idempotency.find(conn, key) if key else None
    if existing is None:
        return None
    if existing["request_hash"] != digest:
        raise Conflict("this idempotency key was used with a different body", code="idempotency_key_reused")
    return existing["status_code"], existing["response"], True


def _record(services: Services, key: str | None, digest: str, operation: str, build) -> tuple[int, dict, bool]:
    """Store the job(s), letters and the idempotent answer in one transaction; a concurrent twin answers as it did."""
    for attempt in range(2):
        try:
            with services.db.transaction() as conn:
                replay = _replayed(conn, key, digest)
                if replay:
                    return replay
                answer = build(conn)
                if key:
                    idempotency.save(conn, key, operation, digest, 200, answer)
                return 200, answer, False
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def sync(services: Services, target_name: str, body: dict, key: str | None = None) -> tuple[int, dict, bool]:
    """Canonical records of one target into Odoo through one job; (status, answer, replayed)."""
    target = outbound.get(target_name)
    digest = pipeline.request_hash({"target": target.name, "body": body})
    with services.db.read() as conn:
        replay = _replayed(conn, key, digest)
    if replay:
        return replay
    source = _source(body.get("source"))
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise InvalidPayload("records must be a non-empty list of canonical records",
                             details=[{"pointer": "/records", "message": f"expected {target.canonical} records"}])
    _check_size(len(records))
    results = [prepare(services, target, source, index, record) for index, record in enumerate(records)]
    _no_twins(results)
    return _record(services, key, digest, SYNC,
                   lambda conn: _answer(target, source, results, _enqueue(conn, services, target, source, results)))


# -- ingest: another system's payload, through its adapter ------------------------------------------

def _letter_ref(adapter: str, source: str, raw) -> str:
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:40]
    return f"ingest:{adapter}:{source}:{digest}"[:255]


def _park(conn, adapter: str, source: str, media_type: str, raw, rejected: dict) -> str:
    """A record waiting for its mapping: one open letter per raw record (a repeat refreshes it)."""
    ref = _letter_ref(adapter, source, raw)
    error = rejected["error"]
    detail = {"adapter": adapter, "source": source, "media_type": media_type, "raw": raw, "error": error}
    summary = f"{adapter} record from {source} waits for a mapping: {error['message']}"[:1000]
    letter = dead_letters.open_for_ref(conn, ref)
    if letter:
        dead_letters.touch(conn, letter["id"], summary, detail)
        return letter["id"]
    letter_id = dead_letters.insert(conn, kind=dead_letters.RECORD, category=MAPPING_MISSING, summary=summary,
                                    detail=detail, ref=ref)
    audit.append(conn, "ingest.parked", ref, {"dead_letter_id": letter_id, "adapter": adapter, "source": source,
                                              "missing": error.get("details")})
    return letter_id


def _storable(raw):
    """The raw record as the store keeps it (JSON)."""
    return json.loads(json.dumps(raw, default=str))


def ingest(services: Services, adapter_name: str, body: bytes, media_type: str, source: str | None,
           key: str | None = None) -> tuple[int, dict, bool]:
    """Transform another system's payload with its adapter, then sync the canonical records; (status, answer, replayed)."""
    adapter = adapters.get(adapter_name)
    target = outbound.for_canonical(adapter.canonical)
    source = _source(source or adapter.name)
    digest = hashlib.sha256(b"\n".join([adapter.name.encode(), source.encode(), media_type.encode(), body])).hexdigest()
    with services.db.read() as conn:
        replay = _replayed(conn, key, digest)
    if replay:
        return replay
    transformed = adapters.transform(adapter.name, body, media_type, load_mapper(services, source), source)
    _check_size(len(transformed["records"]) + len(transformed["rejected"]))
    results = [prepare(services, target, source, entry["index"], entry["record"]) for entry in transformed["records"]]
    rejected = [{"index": r["index"], "ref": r["ref"], "status": REJECTED, "error": r["error"]}
                for r in transformed["rejected"]]
    _no_twins(results)
    raws = adapter.split(body, media_type) if any(r["error"]["code"] == MAPPING_MISSING for r in rejected) else []

    def build(conn):
        for result in rejected:
            if result["error"]["code"] == MAPPING_MISSING:
                result["dead_letter_id"] = _park(conn, adapter.name, source, media_type,
                                                 _storable(raws[result["index"]]), result)
        job = _enqueue(conn, services, target, source, results)
        return _answer(target, source, [*results, *rejected], job, {"adapter": adapter.name})

    return _record(services, key, digest, INGEST, build)


def convert_one(adapter_name: str, raw, mapper: Mapper, source: str) -> dict:
    """One raw record through its adapter, as transform converts each (the canonical contract checked)."""
    adapter = adapters.get(adapter_name)
    record = adapter.convert(raw, mapper, source)
    contracts.validate(adapter.canonical, record, prefix="/records/0")
    return record


def replay_letter(services: Services, letter: dict, actor: str | None) -> dict:
    """Run a parked record through transform and sync again; still unmapped, it stays open (422)."""
    detail = letter["detail"]
    adapter, source = adapters.get(detail["adapter"]), detail["source"]
    target = outbound.for_canonical(adapter.canonical)
    record = convert_one(adapter.name, detail["raw"], load_mapper(services, source), source)
    item = check(services, target, source, 0, record)  # refused now (unmapped, not the system of record): still open
    result = {"index": 0, "ref": item["ref"], "status": ACCEPTED, "item": item}
    with services.db.transaction() as conn:
        job = _enqueue(conn, services, target, source, [result])
        dead_letters.set_status(conn, letter["id"], dead_letters.REPLAYED, replayed=True)
        audit.append(conn, "deadletter.replayed", letter["id"], {"job_id": job["id"], "ref": result["ref"]},
                     actor=actor)
        view = describe(dead_letters.get(conn, letter["id"]))
    view["result"] = _answer(target, source, [result], job, {"adapter": adapter.name})
    return view
