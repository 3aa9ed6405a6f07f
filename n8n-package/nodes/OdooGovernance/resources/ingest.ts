// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Ingest: POST /v1/ingest/{adapter}
import type { INodeProperties } from 'n8n-workflow';

export const ingestDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['ingest'],
			},
		},
		options: [
			{
				name: 'Ingest Records',
				value: 'ingestRecords',
				action: 'Ingest records',
				description: 'Transform another system\'s payload with its adapter (as POST /v1/transform/{adapter}), then sync the canonical records as POST /v1/sync/{target} does for the adapter\'s model; one answer per record of the payload',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/ingest/{{encodeURIComponent(String($parameter["adapter"]))}}',
					},
				},
			},
		],
		default: 'ingestRecords',
	},
	{
		displayName: 'Adapter',
		name: 'adapter',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['ingest'],
				operation: ['ingestRecords'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract ingest_payload.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['ingest'],
				operation: ['ingestRecords'],
			},
		},
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: {
			show: {
				resource: ['ingest'],
				operation: ['ingestRecords'],
			},
		},
		options: [
			{
				displayName: 'Source',
				name: 'source',
				type: 'string',
				default: '',
				routing: {
					send: {
						type: 'query',
						property: 'source',
					},
				},
			},
		],
	},
	{
		displayName: 'Headers',
		name: 'headerOptions',
		type: 'collection',
		placeholder: 'Add Header',
		default: {},
		displayOptions: {
			show: {
				resource: ['ingest'],
				operation: ['ingestRecords'],
			},
		},
		options: [
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description: 'Optional; a repeat with the same key and body answers the same (Idempotent-Replayed: true), another body 409 idempotency_key_reused',
				routing: {
					request: {
						headers: {
							'Idempotency-Key': '={{$value}}',
						},
					},
				},
			},
		],
	},
];
