"""Governed flows: each is one `Flow` declaration (a module-level `FLOW`) in a module of sidecar/flows/.

The pipeline (sidecar/flows/pipeline.py) runs every flow the same way; a flow only says what is
its own: its event, its contract, its document's model and decidable states, its policy file,
how it reads its facts from Odoo and which write-backs each outcome queues. Modules of this
package that define `FLOW` are found and registered on first use; tests may `register` more.
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sidecar import contracts
from sidecar.errors import ConfigError, PolicyInvalid
from sidecar.flows.messages import RELEASE, Wording
from sidecar.policy import Policy, load_policy
from sidecar.policy.audit import record_loaded
from sidecar.policy.loader import DEFAULT_POLICY_PATH
from sidecar.policy import reload
from sidecar.policy.reload import PolicyReloader

Operations = list[tuple[str, dict]]  # (write-back operation, payload), queued in this order
POLICIES_DIR = DEFAULT_POLICY_PATH.parent
APPROVE, REJECT = "approve", "reject"  # the same meaning in every flow: a person decides / refused


def webhook_request(data: dict) -> dict:
    """{id, write_date} from an event's data in Odoo's webhook shape (`_model`, `_id`, `write_date`)."""
    write_date = data.get("write_date")
    return {"id": data["_id"], "write_date": write_date if isinstance(write_date, str) and write_date else None}


def webhook_data(flow: "Flow", release: dict, current: dict) -> dict:
    """Event data in Odoo's webhook shape naming a decided document as it is now (for a fresh decision)."""
    data = {"_model": flow.model, "_id": release["order_id"]}
    if current.get("write_date"):
        data["write_date"] = current["write_date"]
    return data


@dataclass(frozen=True)
class Flow:
    """A governed flow: what the pipeline needs to know about it, and nothing the pipeline does itself.

    Functions (plain, so other modules can supply them):
    - read_facts(services, doc_id) -> facts: everything the policy needs, read from Odoo in the
      document's company; `facts[document_key]` is the document with at least id, name, state,
      company_id and write_date, and `facts["requested_by"]` is {"user_id", "login"} (the requester as
      Odoo committed it, login None when Odoo names no person).
    - writebacks(facts, decision, notices) -> operations a fresh decision queues; `notices` are the
      approvers' notify_approver payloads when the outcome is "approve" (queue them after the activity).
    - on_approved(facts) / on_rejected(facts) -> operations an approver's decision queues after the
      note and the closed activity (release: confirm / cancel the quotation).
    - request(data) -> {"id", "write_date", ...}: which document the event names and the write moment
      to wait for; the default reads Odoo's webhook shape (`_id`, `write_date`). A flow whose event
      carries what is asked (a return's lines, a proposed price) adds it to the request, sets
      `reads_request`, and its read_facts(services, doc_id, request) gets it: the facts about the
      document still come from Odoo, only the ask comes from the event.
    - event_data(flow, release, current) -> the data of the event that decides the document again once
      it changed after its decision (superseded); the default is Odoo's webhook shape. A flow that reads
      its request rebuilds it from what it stored in the decision's facts.
    """

    name: str                          # also the policy's "flow" and the decision's flow
    model: str                         # the Odoo model of the documents it decides
    event_type: str                    # the envelope's "type"
    contract: str                      # sidecar/contracts/<contract>.json: the event's data
    policy_file: str                   # in sidecar/policy/policies/
    decidable_states: tuple[str, ...]  # document states a decision may act on
    read_facts: Callable[..., dict]
    writebacks: Callable[[dict, dict, list[dict]], Operations]
    on_approved: Callable[[dict], Operations]
    on_rejected: Callable[[dict], Operations]
    passing_outcome: str = "pass"      # the outcome when no rule asks for approval or rejection
    label: str = "decision"            # what intake checks the document was submitted for (messages)
    document_key: str = "order"        # facts[document_key] is the decided document
    not_found_code: str = "document_not_found"
    undecidable_code: str = "not_decidable"
    undecidable_message: str = "{name} is in state '{state}': {flow} decides only documents in state {states}"
    request: Callable[[dict], dict] = webhook_request
    reads_request: bool = False        # read_facts takes the request too (see above)
    event_data: Callable[["Flow", dict, dict], dict] = webhook_data
    words: Wording = RELEASE           # what its approval notes and activities call the document and the act
    # Operations of this flow that act on the document (approve, cancel, apply): queued with what the
    # decision saw (`decided_on`: write_date, amount_total, company_id) so they can refuse a changed document.
    acting_operations: tuple[str, ...] = ()
    # The text in the facts that advice classifies (attached as decision['advice'], never read back); None: no advice.
    advice_text: Callable[[dict], str | None] | None = None
    # A check of its own instead (services, facts) -> advice or None: an anomaly check against the document's
    # history, attached as decision['advice'] the same way; a failing check leaves the decision without advice.
    advice_check: Callable[..., dict | None] | None = None
    # The Odoo domain of its documents in a decidable state (simulate searches it); None: `state` in decidable_states.
    # A model without a `state` (stock.quant) names the field that says it instead.
    decidable_domain: tuple | None = None
    # A flow that keeps records of its own beside the decision (a price change's lifecycle):
    # on_decided(conn, release_id, facts, decision) runs in the decision's transaction, on_progress(conn,
    # release) in the transaction of each write-back outcome of the decision (the worker's).
    on_decided: Callable | None = None
    on_progress: Callable | None = None
    # same_ask(facts in flight, new facts): for a flow whose events carry the ask, whether an event for a document
    # with a decision in flight asks the same (a duplicate); a different ask is a 409, nothing recorded.
    same_ask: Callable[[dict, dict], bool] | None = None
    # The route that finds this flow's documents when reconciliation cannot (its intake domain also holds
    # documents it would refuse one by one); None: POST /v1/reconciliations/{flow_name} finds them.
    found_by: str | None = None

    @property
    def outcomes(self) -> tuple[str, str, str]:
        """The outcomes a decision of this flow may have."""
        return self.passing_outcome, APPROVE, REJECT

    def document(self, facts: dict) -> dict:
        """The decided document in the flow's facts."""
        return facts[self.document_key]

    def facts(self, services, request: dict) -> dict:
        """The facts for the document a request names (read from Odoo; with the request when the flow reads it)."""
        if self.reads_request:
            return self.read_facts(services, request["id"], request)
        return self.read_facts(services, request["id"])


_flows: dict[str, Flow] = {}
_discovered = False
_lock = threading.Lock()


def register(flow: Flow) -> Flow:
    """Add a flow; ValueError when its name or event type is taken by another flow."""
    with _lock:
        for known in _flows.values():
            if known is not flow and (known.name == flow.name or known.event_type == flow.event_type):
                raise ValueError(f"flow {flow.name} ({flow.event_type}) clashes with flow {known.name}")
        _flows[flow.name] = flow
    return flow


def unregister(name: str) -> None:
    """Remove a flow (tests)."""
    with _lock:
        _flows.pop(name, None)


def _discover() -> None:
    """Import every module of sidecar/flows/ once and register each `FLOW` it declares."""
    global _discovered
    if _discovered:
        return
    package = importlib.import_module("sidecar.flows")
    for module in pkgutil.iter_modules(package.__path__):
        declared = getattr(importlib.import_module(f"sidecar.flows.{module.name}"), "FLOW", None)
        if isinstance(declared, Flow):
            register(declared)
    _discovered = True


def flows() -> list[Flow]:
    """Every registered flow, by name."""
    _discover()
    return sorted(_flows.values(), key=lambda flow: flow.name)


def by_name(name: str) -> Flow:
    """The flow called `name`; KeyError when none is."""
    _discover()
    return _flows[name]


def by_type(event_type: str) -> Flow:
    """The flow governing events of `event_type`; 422 naming the known types when none does."""
    known = {flow.event_type: flow for flow in flows()}
    if event_type not in known:
        raise PolicyInvalid(f"no flow governs events of type '{event_type}'", code="unknown_event_type",
                            details=[{"pointer": "/type", "message": f"expected one of {sorted(known)}"}])
    return known[event_type]


def flow_of(release: dict) -> Flow:
    """The flow that made a stored decision (decisions from before flows are the release flow's)."""
    return by_name(release.get("flow") or "sales-order-release")


def event_problems(envelope) -> list[dict]:
    """Every problem of an event envelope and of its data under its flow's contract; [] when submittable."""
    found = contracts.problems("event.v1", envelope)
    if found:
        return found
    known = {flow.event_type: flow for flow in flows()}
    if envelope["type"] not in known:
        return [{"pointer": "/type", "message": f"unknown event type; expected one of {sorted(known)}"}]
    return contracts.problems(known[envelope["type"]].contract, envelope["data"], prefix="/data")


def validate_event(envelope) -> Flow:
    """The envelope's flow (parsed from JSON), once it and its data match their contracts (400 / 422 otherwise)."""
    contracts.validate_parsed("event.v1", envelope)
    flow = by_type(envelope["type"])
    contracts.validate_parsed(flow.contract, envelope["data"], prefix="/data")
    return flow


def policy_path(settings, flow: Flow) -> Path:
    """Where `flow`'s policy is read from: SIDECAR_FLOW_POLICIES names it, else its shipped file."""
    return Path(settings.flow_policies.get(flow.name) or Path(POLICIES_DIR, flow.policy_file))


def policy_for(services, flow: Flow) -> Policy:
    """The policy in force for `flow`; 422 when its file does not validate (nothing is decided with it).

    The release flow's is SIDECAR_POLICY_FILE (services.policy, validated at start); another flow's
    is loaded from `policy_path` on first use and kept in services.policies. With a store, each is
    then watched (PolicyReloader): an edited file that validates is in force within seconds, audited;
    one that does not is audited as rejected and the policy in force stays.
    """
    reloader = services.reloaders.get(flow.name)
    if reloader is not None:
        policy = reloader.current()
    elif flow.policy_file == DEFAULT_POLICY_PATH.name:
        policy = services.policy
        _watch(services, flow, services.settings.policy_file, policy)
    else:
        policy = services.policies.get(flow.name)
        if policy is None:
            path = policy_path(services.settings, flow)
            try:
                policy = load_policy(path)
            except ConfigError as err:
                raise PolicyInvalid(f"the policy of flow {flow.name} cannot be used", code="policy_invalid",
                                    details=[{"message": problem} for problem in err.problems]) from err
            if services.db is not None:
                record_loaded(services.db, policy, str(path))  # a change of policy is audited
            _watch(services, flow, path, policy)
    if flow.policy_file == DEFAULT_POLICY_PATH.name:
        services.policy = policy  # its other readers (re-route, escalation) see the same policy
    else:
        services.policies[flow.name] = policy
    return policy


def _watch(services, flow: Flow, path, policy: Policy) -> None:
    """Re-read the flow's policy file when it changes (only with a store: changes are audited there)."""
    if services.db is not None:
        services.reloaders.setdefault(flow.name, PolicyReloader(path, services.db, policy,
                                                                every=reload.CHECK_EVERY_SECONDS))
