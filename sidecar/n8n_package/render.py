"""The package's files as text: TypeScript in n8n's own layout, package.json, icon, README."""
from __future__ import annotations

import json
import re

from sidecar.n8n_package.describe import Resource

PACKAGE = "n8n-nodes-odoo-governance"
NODE = "odooGovernance"
NODE_CLASS = "OdooGovernance"
CREDENTIAL = "odooGovernanceApi"
CREDENTIAL_CLASS = "OdooGovernanceApi"
NODE_DIR = f"nodes/{NODE_CLASS}"
# Build tools only: the package itself has no runtime dependency (n8n supplies n8n-workflow).
DEV_DEPENDENCIES = {
    "@n8n/node-cli": "0.48.3",
    "@n8n/scan-community-package": "0.32.0",
    "eslint": "9.29.0",
    "n8n-workflow": "2.41.0",
    "typescript": "5.9.3",
}
AUTHOR = {"name": "Odoo-n8n governance sidecar maintainers", "email": "maintainers@example.com"}
IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def ts(value, indent: int = 0) -> str:
    """A JSON value as a TypeScript literal in n8n's style: tabs, single quotes, bare keys."""
    pad, inner = "\t" * indent, "\t" * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{key if IDENTIFIER.match(key) else ts(key)}: {ts(item, indent + 1)}"
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + ",\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(isinstance(item, str) for item in value) and sum(len(i) + 4 for i in value) < 80:
            return "[" + ", ".join(ts(item) for item in value) + "]"
        return "[\n" + ",\n".join(inner + ts(item, indent + 1) for item in value) + ",\n" + pad + "]"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"
    return json.dumps(value)


def resource_properties(resource: Resource) -> list[dict]:
    """The Operation field of one resource, then each operation's fields."""
    options = []
    for op in resource.operations:
        option = {"name": op.name, "value": op.value, "action": op.action, "description": op.description,
                  "routing": {"request": {"method": op.spec["method"], "url": op.url}}}
        if op.output_items:
            option["routing"]["output"] = {"postReceive": [{"type": "rootProperty",
                                                            "properties": {"property": "items"}}]}
        options.append(option)
    operation = {"displayName": "Operation", "name": "operation", "type": "options", "noDataExpression": True,
                 "displayOptions": {"show": {"resource": [resource.value]}}, "options": options,
                 "default": resource.operations[0].value}
    return [operation] + [f for op in resource.operations for f in op.fields]


def resource_file(resource: Resource) -> str:
    """nodes/OdooGovernance/resources/<resource>.ts."""
    ops = ", ".join(f"{op.spec['method']} {op.spec['path']}" for op in resource.operations)
    return (f"// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.\n"
            f"// {resource.name}: {ops}\n"
            "import type { INodeProperties } from 'n8n-workflow';\n\n"
            f"export const {resource.value}Description: INodeProperties[] = {ts(resource_properties(resource))};\n")


def node_file(resources: list[Resource]) -> str:
    """nodes/OdooGovernance/OdooGovernance.node.ts: the description that ties the resources together."""
    imports = "".join(f"import {{ {r.value}Description }} from './resources/{r.value}';\n" for r in resources)
    resource_field = {"displayName": "Resource", "name": "resource", "type": "options", "noDataExpression": True,
                      "options": [{"name": r.name, "value": r.value} for r in resources],
                      "default": resources[0].value}
    spread = "".join(f"\t\t\t...{r.value}Description,\n" for r in resources)
    return f"""// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
import {{ NodeConnectionTypes, type INodeType, type INodeTypeDescription }} from 'n8n-workflow';
{imports}
export class {NODE_CLASS} implements INodeType {{
	description: INodeTypeDescription = {{
		displayName: 'Odoo Governance',
		name: '{NODE}',
		icon: {{ light: 'file:{NODE}.svg', dark: 'file:{NODE}.dark.svg' }},
		group: ['transform'],
		version: 1,
		usableAsTool: true,
		subtitle: '={{{{$parameter["operation"] + ": " + $parameter["resource"]}}}}',
		description: 'Governed Odoo actions through the governance sidecar: events, approvals, dead letters and more',
		defaults: {{
			name: 'Odoo Governance',
		}},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{{
				name: '{CREDENTIAL}',
				required: true,
			}},
		],
		requestDefaults: {{
			baseURL: '={{{{$credentials.baseUrl.replace(new RegExp("/+$"), "")}}}}',
			headers: {{
				Accept: 'application/json',
			}},
		}},
		properties: [
			{ts(resource_field, 3)},
{spread}\t\t],
	}};
}}
"""


def credential_file(health_path: str) -> str:
    """credentials/OdooGovernanceApi.credentials.ts: base URL, and an API key (Bearer) or a Standard Webhooks
    signing secret; node:crypto (which n8n's community rules allow) signs, so the package has no dependency."""
    return f"""// Generated by `python -m sidecar n8n-package`: do not edit.
import {{ createHmac, randomUUID }} from 'node:crypto';
import type {{
	ICredentialDataDecryptedObject,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
}} from 'n8n-workflow';

export class {CREDENTIAL_CLASS} implements ICredentialType {{
	name = '{CREDENTIAL}';

	displayName = 'Odoo Governance Sidecar API';

	icon: Icon = {{ light: 'file:../{NODE_DIR}/{NODE}.svg', dark: 'file:../{NODE_DIR}/{NODE}.dark.svg' }};

	documentationUrl = 'https://www.npmjs.com/package/{PACKAGE}#credentials';

	properties: INodeProperties[] = [
		{{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://sidecar.example.com',
			description: 'Where the sidecar answers, without a trailing path',
			required: true,
		}},
		{{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{{ name: 'API Key', value: 'apiKey' }},
				{{ name: 'Signing Secret (Standard Webhooks)', value: 'signature' }},
			],
			default: 'apiKey',
			description: 'Send an API key, or sign every request with a secret of SIDECAR_WEBHOOK_CLIENTS',
		}},
		{{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: {{ password: true }},
			default: '',
			description: 'A key from SIDECAR_API_KEYS; its scopes decide which operations succeed',
			displayOptions: {{ show: {{ authentication: ['apiKey'] }} }},
		}},
		{{
			displayName: 'Signing Secret',
			name: 'signingSecret',
			type: 'string',
			typeOptions: {{ password: true }},
			default: '',
			placeholder: 'whsec_...',
			description: 'A whsec_ secret of this client in SIDECAR_WEBHOOK_CLIENTS; its scopes decide which operations succeed',
			displayOptions: {{ show: {{ authentication: ['signature'] }} }},
		}},
	];

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {{
		const headers = {{ ...(requestOptions.headers ?? {{}}) }};
		if (credentials.authentication !== 'signature') {{
			headers.Authorization = `Bearer ${{String(credentials.apiKey ?? '')}}`;
			return {{ ...requestOptions, headers }};
		}}
		// The signature covers the exact bytes sent: the body is serialized here, once.
		const raw = requestOptions.body;
		const body = raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
		if (body !== '' && typeof raw !== 'string') headers['Content-Type'] = 'application/json';
		// The Idempotency-Key, when the operation sends one, is the message id: a retry is the same message.
		const id = String(headers['Idempotency-Key'] ?? `msg_${{randomUUID()}}`);
		const timestamp = String(Math.floor(Date.now() / 1000));
		const key = Buffer.from(String(credentials.signingSecret ?? '').replace(/^whsec_/, ''), 'base64');
		const signature = createHmac('sha256', key).update(`${{id}}.${{timestamp}}.${{body}}`).digest('base64');
		headers['webhook-id'] = id;
		headers['webhook-timestamp'] = timestamp;
		headers['webhook-signature'] = `v1,${{signature}}`;
		return {{ ...requestOptions, headers, ...(body === '' ? {{}} : {{ body }}) }};
	}}

	// Reaches the sidecar; the key's scopes are checked by each operation.
	test: ICredentialTestRequest = {{
		request: {{
			baseURL: '={{{{$credentials.baseUrl.replace(new RegExp("/+$"), "")}}}}',
			url: '{health_path}',
			method: 'GET',
		}},
	}};
}}
"""


def package_json(version: str) -> str:
    """package.json with n8n's block: the dist files n8n loads."""
    document = {
        "name": PACKAGE,
        "version": version,
        "description": "n8n nodes for the Odoo-n8n governance sidecar, generated from its node-specs",
        "license": "MIT",
        "keywords": ["n8n-community-node-package", "odoo", "governance"],
        "author": AUTHOR,
        "homepage": f"https://www.npmjs.com/package/{PACKAGE}",
        "files": ["dist"],
        "scripts": {"build": "n8n-node build", "lint": "n8n-node lint"},
        "n8n": {
            "n8nNodesApiVersion": 1,
            "strict": True,
            "credentials": [f"dist/credentials/{CREDENTIAL_CLASS}.credentials.js"],
            "nodes": [f"dist/{NODE_DIR}/{NODE_CLASS}.node.js"],
        },
        "devDependencies": DEV_DEPENDENCIES,
        "peerDependencies": {"n8n-workflow": "*"},
    }
    return json.dumps(document, indent=2) + "\n"


def codex_file() -> str:
    """The node's codex: where n8n lists it."""
    return json.dumps({"node": f"{PACKAGE}.{NODE}", "nodeVersion": "1.0", "codexVersion": "1.0",
                       "categories": ["Development"],
                       "resources": {"primaryDocumentation": [{"url": f"https://www.npmjs.com/package/{PACKAGE}"}],
                                     "credentialDocumentation": [
                                         {"url": f"https://www.npmjs.com/package/{PACKAGE}#credentials"}]}},
                      indent=2) + "\n"


TSCONFIG = json.dumps({
    "compilerOptions": {
        "strict": True, "module": "commonjs", "moduleResolution": "node", "target": "es2019",
        "lib": ["es2019", "es2020", "es2022.error"], "removeComments": True, "useUnknownInCatchVariables": False,
        "forceConsistentCasingInFileNames": True, "noImplicitAny": True, "noImplicitReturns": True,
        "noUnusedLocals": True, "strictNullChecks": True, "preserveConstEnums": True, "esModuleInterop": True,
        "resolveJsonModule": True, "declaration": True, "sourceMap": True, "skipLibCheck": True,
        "outDir": "./dist/",
    },
    "include": ["credentials/**/*", "nodes/**/*", "nodes/**/*.json"],
}, indent=2) + "\n"

ESLINT_CONFIG = "import { config } from '@n8n/node-cli/eslint';\n\nexport default config;\n"

GITIGNORE = "dist/\nnode_modules/\n*.tgz\n"

def icon(shield: str, mark: str) -> str:
    """A shield with a check mark (governed actions), in the given colours."""
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="60" height="60" viewBox="0 0 60 60">
  <path d="M30 4 L52 12 V28 C52 42 42 52 30 56 C18 52 8 42 8 28 V12 Z" fill="{shield}"/>
  <path d="M20 30 L27 37 L41 22" fill="none" stroke="{mark}" stroke-width="5" stroke-linecap="round"
        stroke-linejoin="round"/>
</svg>
"""


ICON = icon("#714B67", "#FFFFFF")
ICON_DARK = icon("#C9A6C0", "#2B1B28")


def readme(resources: list[Resource]) -> str:
    """The package's README: install, credential, and every operation with its route."""
    rows = "".join(f"| {r.name} | {op.name} | `{op.spec['method']} {op.spec['path']}` | {op.spec['scope'] or 'none'} |\n"
                   for r in resources for op in r.operations)
    return f"""# {PACKAGE}

n8n nodes for the Odoo-n8n governance sidecar: one node, **Odoo Governance**, whose resources and
operations are generated from the sidecar's `node-specs/` (`python -m sidecar n8n-package`).

## Install
- Community nodes: in n8n, Settings > Community Nodes > Install, `{PACKAGE}`; or
  `cd ~/.n8n/nodes && npm install {PACKAGE}` (a packed tarball works too), then restart n8n.
- From a checkout: `bash scripts/build-n8n-package.sh` builds `dist/` and a tarball.

## Credentials
**Odoo Governance Sidecar API**: the sidecar's base URL and either an API key (sent as
`Authorization: Bearer <key>`) or a signing secret (`whsec_...`, a secret of a client in the
sidecar's `SIDECAR_WEBHOOK_CLIENTS`): every request is then signed the Standard Webhooks way
(`webhook-id`, `webhook-timestamp`, `webhook-signature`), with the operation's Idempotency Key as
its `webhook-id` when one is given, so a retry is the same message. The client's scopes decide
which operations succeed.

## Operations
| Resource | Operation | Route | Scope |
|---|---|---|---|
{rows}"""
