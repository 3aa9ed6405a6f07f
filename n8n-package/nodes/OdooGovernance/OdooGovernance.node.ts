// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
import { NodeConnectionTypes, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { adviceDescription } from './resources/advice';
import { approvalDescription } from './resources/approval';
import { auditDescription } from './resources/audit';
import { authorityDescription } from './resources/authority';
import { availabilityDescription } from './resources/availability';
import { deadLetterDescription } from './resources/deadLetter';
import { driftDescription } from './resources/drift';
import { eventDescription } from './resources/event';
import { healthDescription } from './resources/health';
import { ingestDescription } from './resources/ingest';
import { inventoryPositionDescription } from './resources/inventoryPosition';
import { mappingDescription } from './resources/mapping';
import { openapiDescription } from './resources/openapi';
import { priceChangeDescription } from './resources/priceChange';
import { readyDescription } from './resources/ready';
import { reconciliationDescription } from './resources/reconciliation';
import { releaseDescription } from './resources/release';
import { replenishmentDescription } from './resources/replenishment';
import { syncDescription } from './resources/sync';
import { transformDescription } from './resources/transform';

export class OdooGovernance implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Odoo Governance',
		name: 'odooGovernance',
		icon: { light: 'file:odooGovernance.svg', dark: 'file:odooGovernance.dark.svg' },
		group: ['transform'],
		version: 1,
		usableAsTool: true,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Governed Odoo actions through the governance sidecar: events, approvals, dead letters and more',
		defaults: {
			name: 'Odoo Governance',
		},
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'odooGovernanceApi',
				required: true,
			},
		],
		requestDefaults: {
			baseURL: '={{$credentials.baseUrl.replace(new RegExp("/+$"), "")}}',
			headers: {
				Accept: 'application/json',
			},
		},
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Advice',
						value: 'advice',
					},
					{
						name: 'Approval',
						value: 'approval',
					},
					{
						name: 'Audit',
						value: 'audit',
					},
					{
						name: 'Authority',
						value: 'authority',
					},
					{
						name: 'Availability',
						value: 'availability',
					},
					{
						name: 'Dead Letter',
						value: 'deadLetter',
					},
					{
						name: 'Drift',
						value: 'drift',
					},
					{
						name: 'Event',
						value: 'event',
					},
					{
						name: 'Health',
						value: 'health',
					},
					{
						name: 'Ingest',
						value: 'ingest',
					},
					{
						name: 'Inventory Position',
						value: 'inventoryPosition',
					},
					{
						name: 'Mapping',
						value: 'mapping',
					},
					{
						name: 'OpenAPI',
						value: 'openapi',
					},
					{
						name: 'Price Change',
						value: 'priceChange',
					},
					{
						name: 'Ready',
						value: 'ready',
					},
					{
						name: 'Reconciliation',
						value: 'reconciliation',
					},
					{
						name: 'Release',
						value: 'release',
					},
					{
						name: 'Replenishment',
						value: 'replenishment',
					},
					{
						name: 'Sync',
						value: 'sync',
					},
					{
						name: 'Transform',
						value: 'transform',
					},
				],
				default: 'advice',
			},
			...adviceDescription,
			...approvalDescription,
			...auditDescription,
			...authorityDescription,
			...availabilityDescription,
			...deadLetterDescription,
			...driftDescription,
			...eventDescription,
			...healthDescription,
			...ingestDescription,
			...inventoryPositionDescription,
			...mappingDescription,
			...openapiDescription,
			...priceChangeDescription,
			...readyDescription,
			...reconciliationDescription,
			...releaseDescription,
			...replenishmentDescription,
			...syncDescription,
			...transformDescription,
		],
	};
}
