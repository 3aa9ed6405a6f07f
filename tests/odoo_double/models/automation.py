"""ir.model.fields(.selection), ir.actions.server and base.automation: what `sidecar odoo provision` reads and writes.

As Odoo 17 defines them (odoo/addons/base/models/ir_model.py, ir_actions.py; base_automation/models/): the
fields the provisioning touches, the stored computes of base.automation that follow its trigger unless written
with it, the model coherence of a rule's actions, and webhook fields without group restrictions. The double
stores rules; it does not run them (the live suite shows what Odoo posts).
"""
from __future__ import annotations

from .. import errors, security
from .. import fields as F
from ..registry import ModelSpec

FIELD_TYPES = ["binary", "boolean", "char", "date", "datetime", "float", "html", "integer", "json", "many2many",
               "many2one", "many2one_reference", "monetary", "one2many", "properties", "properties_definition",
               "reference", "selection", "text"]
TRIGGERS = [("on_stage_set", "Stage is set to"), ("on_user_set", "User is set"), ("on_tag_set", "Tag is added"),
            ("on_state_set", "State is set to"), ("on_priority_set", "Priority is set to"),
            ("on_archive", "On archived"), ("on_unarchive", "On unarchived"), ("on_create_or_write", "On save"),
            ("on_create", "On creation"), ("on_write", "On update"), ("on_unlink", "On deletion"),
            ("on_change", "On UI change"), ("on_time", "Based on date field"),
            ("on_time_created", "After creation"), ("on_time_updated", "After last update"),
            ("on_message_received", "On incoming message"), ("on_message_sent", "On outgoing message"),
            ("on_webhook", "On webhook")]
ACTION_STATES = [("object_write", "Update Record"), ("object_create", "Create Record"), ("code", "Execute Code"),
                 ("webhook", "Send Webhook Notification"), ("multi", "Execute Existing Actions"),
                 ("mail_post", "Send email"), ("followers", "Add followers"), ("remove_followers", "Remove followers"),
                 ("next_activity", "Create Activity")]
# base_automation.py _compute_trigger_and_trigger_field_ids: the field a trigger watches
TRIGGER_FIELDS = {"on_stage_set": ("many2one", ["stage_id", "x_studio_stage_id"]),
                  "on_tag_set": ("many2many", ["tag_ids", "x_studio_tag_ids"]),
                  "on_priority_set": ("selection", ["priority", "x_studio_priority"]),
                  "on_state_set": ("selection", ["state", "x_studio_state"]),
                  "on_archive": ("boolean", ["active", "x_active"]), "on_unarchive": ("boolean", ["active", "x_active"]),
                  "on_time_created": ("datetime", ["create_date"]), "on_time_updated": ("datetime", ["write_date"])}


def seed(env, registry) -> None:
    """One ir.model.fields row per field of every model (and its selection values), as Odoo's registry loads them."""
    models = {row["model"]: rid for rid, row in env.db.table("ir.model").items()}
    for model in sorted(registry.models):
        for name, fdef in registry.all_fields(model).items():
            field_id = env.create("ir.model.fields", {
                "name": name, "model": model, "model_id": models[model], "ttype": fdef.type,
                "relation": fdef.relation or False, "field_description": fdef.string or F.label(name),
                "required": bool(fdef.required), "readonly": bool(fdef.readonly), "store": bool(fdef.store)})
            for sequence, (value, label) in enumerate(fdef.selection or []):
                env.create("ir.model.fields.selection", {"field_id": field_id, "value": value, "name": label,
                                                         "sequence": sequence})


def _model_of(env, model_id):
    return env.get("ir.model", model_id, "model") if model_id else False


def _trigger_fields(env, rid):
    trigger, model_id = env.get("base.automation", rid, "trigger"), env.get("base.automation", rid, "model_id")
    if trigger not in TRIGGER_FIELDS:
        return []
    ttype, names = TRIGGER_FIELDS[trigger]
    domain = [("model_id", "=", model_id), ("ttype", "=", ttype), ("name", "in", names)]
    if trigger == "on_user_set":
        domain.append(("relation", "=", "res.users"))
    return env.search("ir.model.fields", domain, limit=1)


def _one_field(env, rid):
    ids = env.get("base.automation", rid, "trigger_field_ids")
    return env.get("ir.model.fields", ids[0], "name") if len(ids) == 1 else None


def _pre_domain(env, rid):
    get = lambda fname: env.get("base.automation", rid, fname)  # noqa: E731
    field, value = _one_field(env, rid), get("trg_field_ref")
    if get("trigger") != "on_tag_set" or field is None:
        return False
    return f"[('{field}', 'not in', [{value}])]" if value else False


def _domain(env, rid):
    get = lambda fname: env.get("base.automation", rid, fname)  # noqa: E731
    field, trigger = _one_field(env, rid), get("trigger")
    if field is None:
        return False
    if trigger in ("on_state_set", "on_priority_set"):
        selection = get("trg_selection_field_id")
        value = env.get("ir.model.fields.selection", selection, "value") if selection else False
        return f"[('{field}', '=', '{value}')]" if value else False
    if trigger == "on_stage_set":
        return f"[('{field}', '=', {get('trg_field_ref')})]" if get("trg_field_ref") else False
    if trigger == "on_tag_set":
        return f"[('{field}', 'in', [{get('trg_field_ref')}])]" if get("trg_field_ref") else False
    if trigger == "on_user_set":
        return f"[('{field}', '!=', False)]"
    if trigger in ("on_archive", "on_unarchive"):
        return f"[('{field}', '=', {trigger == 'on_unarchive'})]"
    return False


# stored computes with readonly=False, in dependency order: (field, its dependencies, the fields its compute
# method also computes, compute). trigger_field_ids shares _compute_trigger_and_trigger_field_ids with trigger.
RULE_COMPUTES = [
    ("trigger_field_ids", {"model_id", "trigger"}, {"trigger"}, _trigger_fields),
    ("trg_selection_field_id", {"trigger", "trigger_field_ids"}, set(), lambda env, rid: False),  # reset to empty
    ("trg_field_ref", {"trigger", "trigger_field_ids"}, set(), lambda env, rid: False),
    ("filter_pre_domain", {"trigger", "trigger_field_ids", "trg_field_ref"}, set(), _pre_domain),
    ("filter_domain", {"trigger", "trigger_field_ids", "trg_selection_field_id", "trg_field_ref"}, set(), _domain),
]


def _recompute_rule(env, rid, written, created=False) -> None:
    """Odoo recomputes a stored compute when a dependency is written, unless the same write (or create) gives
    it or another field its compute method computes (the ORM protects them all)."""
    changed = set(written)
    for fname, depends, together, compute in RULE_COMPUTES:
        if fname in written or together & set(written) or not (created or depends & changed):
            continue
        env.db.update("base.automation", rid, {fname: compute(env, rid)})
        changed.add(fname)


def _check_rule_actions(env, ids) -> None:
    for rid in ids:
        model_id = env.get("base.automation", rid, "model_id")
        wrong = [a for a in env.get("base.automation", rid, "action_server_ids")
                 if env.get("ir.actions.server", a, "model_id") != model_id]
        if wrong:
            names = ", ".join(env.get("ir.actions.server", a, "name") for a in wrong)
            raise errors.validation_error(f"Target model of actions {names} are different from rule model.")


def _after_rule_write(env, ids, vals) -> None:
    for rid in ids:
        _recompute_rule(env, rid, vals)
    _check_rule_actions(env, ids)


def _unlink_rule_actions(env, ids) -> None:
    """ir.actions.server.base_automation_id is ondelete='cascade'."""
    env.unlink("ir.actions.server", env.search("ir.actions.server", [("base_automation_id", "in", ids)],
                                               active_test=False))


def _prepare_action(env, vals):
    """base_automation's _compute_name: a rule's webhook action is called after its type."""
    if vals.get("base_automation_id") and vals.get("state") == "webhook" and not vals.get("name"):
        vals["name"] = "Send Webhook Notification"
    return vals


def _check_action(env, ids, vals=None) -> None:
    for rid in ids:
        get = lambda fname: env.get("ir.actions.server", rid, fname)  # noqa: E731
        rule = get("base_automation_id")
        if rule and get("model_id") != env.get("base.automation", rule, "model_id"):
            raise errors.validation_error(
                f"Model of action {get('name')} should match the one from automated rule "
                f"{env.get('base.automation', rule, 'name')}.")
        model = _model_of(env, get("model_id"))
        restricted = [env.get("ir.model.fields", f, "field_description") for f in get("webhook_field_ids")
                      if (model, env.get("ir.model.fields", f, "name")) in security.FIELD_GROUPS]
        if restricted:
            raise errors.validation_error(
                "Group-restricted fields cannot be included in webhook payloads, as it could allow any user to "
                "accidentally leak sensitive information. You will have to remove the following fields from the "
                f"webhook payload in the following actions:\n {get('name')}: {', '.join(restricted)}")


def specs() -> list[ModelSpec]:
    fields_spec = ModelSpec("ir.model.fields", "Fields", order="name", rec_name="field_description", fields={
        "name": F.Char("Field Name", required=True),
        "model": F.Char("Model Name", required=True),
        "model_id": F.Many2one("ir.model", "Model", required=True),
        "field_description": F.Char("Field Label", required=True),
        "ttype": F.Selection([(t, t) for t in FIELD_TYPES], "Field Type", required=True),
        "relation": F.Char("Related Model"),
        "required": F.Boolean("Required"),
        "readonly": F.Boolean("Readonly"),
        "store": F.Boolean("Stored", default=True),
        "selection_ids": F.One2many("ir.model.fields.selection", "field_id", "Selection Options"),
    })
    selection_spec = ModelSpec("ir.model.fields.selection", "Fields Selection", order="sequence, id", fields={
        "field_id": F.Many2one("ir.model.fields", "Field", required=True),
        "value": F.Char("Value", required=True),
        "name": F.Char("Name", required=True),
        "sequence": F.Integer("Sequence", default=1000),
    })
    action_spec = ModelSpec(
        "ir.actions.server", "Server Actions", order="sequence,name", prepare_create=_prepare_action,
        after_create=lambda env, rid, vals: _check_action(env, [rid]), after_write=_check_action, fields={
            "name": F.Char("Action Name", required=True),
            "type": F.Char("Action Type", default="ir.actions.server"),
            "usage": F.Selection([("ir_actions_server", "Server Action"), ("ir_cron", "Scheduled Action"),
                                  ("base_automation", "Automation Rule")], "Usage", required=True,
                                 default="ir_actions_server"),
            "state": F.Selection(ACTION_STATES, "Type", required=True, default="object_write"),
            "sequence": F.Integer("Sequence", default=5),
            "model_id": F.Many2one("ir.model", "Model", required=True),
            "model_name": F.Char("Model Name", compute=lambda env, m, rid: _model_of(env, env.get(m, rid, "model_id")),
                                 store=True),
            "code": F.Text("Python Code"),
            "child_ids": F.Many2many("ir.actions.server", "Child Actions"),
            "groups_id": F.Many2many("res.groups", "Allowed Groups"),
            "binding_model_id": F.Many2one("ir.model", "Binding Model"),
            "binding_type": F.Selection([("action", "Action"), ("report", "Report")], "Binding Type",
                                        required=True, default="action"),
            "binding_view_types": F.Char("Binding View Types", default="list,form"),
            "webhook_url": F.Char("Webhook URL"),
            "webhook_field_ids": F.Many2many("ir.model.fields", "Webhook Fields"),
            "base_automation_id": F.Many2one("base.automation", "Automation Rule"),
        })
    rule_spec = ModelSpec(
        "base.automation", "Automation Rule", order="id", before_unlink=_unlink_rule_actions,
        after_create=lambda env, rid, vals: (_recompute_rule(env, rid, vals, created=True),
                                             _check_rule_actions(env, [rid])),
        after_write=_after_rule_write, fields={
            "name": F.Char("Automation Rule Name", required=True),
            "description": F.Html("Description"),
            "model_id": F.Many2one("ir.model", "Model", required=True),
            "model_name": F.Char("Model Name", compute=lambda env, m, rid: _model_of(env, env.get(m, rid, "model_id"))),
            "action_server_ids": F.One2many("ir.actions.server", "base_automation_id", "Actions"),
            "active": F.Boolean("Active", default=True),
            "trigger": F.Selection(TRIGGERS, "Trigger", required=True),
            "trigger_field_ids": F.Many2many("ir.model.fields", "Trigger Fields"),
            "trg_selection_field_id": F.Many2one("ir.model.fields.selection", "Trigger Field"),
            "trg_field_ref": F.Many2oneReference("Trigger Reference"),
            "trg_date_id": F.Many2one("ir.model.fields", "Trigger Date"),
            "filter_pre_domain": F.Char("Before Update Domain"),
            "filter_domain": F.Char("Apply on"),
            "last_run": F.Datetime("Last Run", readonly=True),
        })
    return [fields_spec, selection_spec, action_spec, rule_spec]
