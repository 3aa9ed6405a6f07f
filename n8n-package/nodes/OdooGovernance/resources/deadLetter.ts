// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Dead Letter: POST /v1/dead-letters/{dead_letter_id}/abandon, GET /v1/dead-letters/{dead_letter_id}, GET /v1/dead-letters, POST /v1/dead-letters/{dead_letter_id}/replay, POST /v1/dead-letters/replay, POST /v1/dead-letters, POST /v1/dead-letters/{dead_letter_id}/resolve
import type { INodeProperties } from 'n8n-workflow';

export const deadLetterDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['deadLetter'],
			},
		},
		options: [
			{
				name: 'Abandon',
				value: 'abandon',
				action: 'Abandon dead letter',
				description: 'Close an open dead letter whose work nobody will do (for example the customer withdrew)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/dead-letters/{{encodeURIComponent(String($parameter["deadLetterId"]))}}/abandon',
					},
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get dead letter',
				description: 'One dead letter with its error and payload, and its advice (priority with each factor\'s points, and the category its failure text reads as); advice decides nothing',
				routing: {
					request: {
						method: 'GET',
						url: '=/v1/dead-letters/{{encodeURIComponent(String($parameter["deadLetterId"]))}}',
					},
				},
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many dead letters',
				description: 'Dead letters, newest first or by advised priority (sort=priority: the highest score of the newest 200 first); filter by status, category, kind and flow',
				routing: {
					request: {
						method: 'GET',
						url: '/v1/dead-letters',
					},
					output: {
						postReceive: [
							{
								type: 'rootProperty',
								properties: {
									property: 'items',
								},
							},
						],
					},
				},
			},
			{
				name: 'Replay',
				value: 'replay',
				action: 'Replay dead letter',
				description: 'Queue a dead letter\'s work again; work that already took effect takes none again',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/dead-letters/{{encodeURIComponent(String($parameter["deadLetterId"]))}}/replay',
					},
				},
			},
			{
				name: 'Replay Many',
				value: 'replayMany',
				action: 'Replay dead letters',
				description: 'Replay many dead letters: by IDs or every open one of a category',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/dead-letters/replay',
					},
				},
			},
			{
				name: 'Report Failure',
				value: 'reportFailure',
				action: 'Report failure',
				description: 'Record a failed n8n execution (from the Error Trigger) as a dead letter, so every failure is visible and replayable from one place',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/dead-letters',
					},
				},
			},
			{
				name: 'Resolve',
				value: 'resolve',
				action: 'Resolve dead letter',
				description: 'Close an open dead letter whose work was done another way (for example confirmed by hand in Odoo)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/dead-letters/{{encodeURIComponent(String($parameter["deadLetterId"]))}}/resolve',
					},
				},
			},
		],
		default: 'abandon',
	},
	{
		displayName: 'Dead Letter ID',
		name: 'deadLetterId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['abandon'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract dead_letter_closing.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['abandon'],
			},
		},
	},
	{
		displayName: 'Dead Letter ID',
		name: 'deadLetterId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['get'],
			},
		},
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: {
			minValue: 1,
			maxValue: 200,
			numberPrecision: 0,
		},
		routing: {
			send: {
				type: 'query',
				property: 'limit',
			},
		},
		description: 'Max number of results to return',
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['getAll'],
			},
		},
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['getAll'],
			},
		},
		options: [
			{
				displayName: 'Category',
				name: 'category',
				type: 'options',
				options: [
					{
						name: 'Access Denied',
						value: 'access_denied',
					},
					{
						name: 'Internal Error',
						value: 'internal_error',
					},
					{
						name: 'Mapping Missing',
						value: 'mapping_missing',
					},
					{
						name: 'N8n Failure',
						value: 'n8n_failure',
					},
					{
						name: 'Odoo Error',
						value: 'odoo_error',
					},
					{
						name: 'Odoo Unreachable',
						value: 'odoo_unreachable',
					},
					{
						name: 'Record Missing',
						value: 'record_missing',
					},
					{
						name: 'State Conflict',
						value: 'state_conflict',
					},
					{
						name: 'Validation Error',
						value: 'validation_error',
					},
				],
				default: 'odoo_unreachable',
				routing: {
					send: {
						type: 'query',
						property: 'category',
					},
				},
			},
			{
				displayName: 'Flow',
				name: 'flow',
				type: 'options',
				options: [
					{
						name: 'Inventory Adjustment',
						value: 'inventory-adjustment',
					},
					{
						name: 'Price Change',
						value: 'price-change',
					},
					{
						name: 'Procurement Exception',
						value: 'procurement-exception',
					},
					{
						name: 'Purchase Approval',
						value: 'purchase-approval',
					},
					{
						name: 'Replenishment Exception',
						value: 'replenishment-exception',
					},
					{
						name: 'Return Request',
						value: 'return-request',
					},
					{
						name: 'Sales Order Release',
						value: 'sales-order-release',
					},
					{
						name: 'Vendor Bill Match',
						value: 'vendor-bill-match',
					},
				],
				default: 'inventory-adjustment',
				routing: {
					send: {
						type: 'query',
						property: 'flow',
					},
				},
				description: 'Only letters whose work belongs to this flow',
			},
			{
				displayName: 'Kind',
				name: 'kind',
				type: 'options',
				options: [
					{
						name: 'Event',
						value: 'event',
					},
					{
						name: 'Job',
						value: 'job',
					},
					{
						name: 'N8n Execution',
						value: 'n8n_execution',
					},
					{
						name: 'Record',
						value: 'record',
					},
				],
				default: 'job',
				routing: {
					send: {
						type: 'query',
						property: 'kind',
					},
				},
			},
			{
				displayName: 'Sort',
				name: 'sort',
				type: 'options',
				options: [
					{
						name: 'Newest',
						value: 'newest',
					},
					{
						name: 'Priority',
						value: 'priority',
					},
				],
				default: 'newest',
				routing: {
					send: {
						type: 'query',
						property: 'sort',
					},
				},
				description: 'Newest: newest first; priority: the advice\'s priority score, highest first',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: [
					{
						name: 'Abandoned',
						value: 'abandoned',
					},
					{
						name: 'Closed',
						value: 'closed',
					},
					{
						name: 'Linked',
						value: 'linked',
					},
					{
						name: 'Open',
						value: 'open',
					},
					{
						name: 'Replayed',
						value: 'replayed',
					},
					{
						name: 'Resolved',
						value: 'resolved',
					},
				],
				default: 'open',
				routing: {
					send: {
						type: 'query',
						property: 'status',
					},
				},
				description: 'Open: waiting for ops; replayed: its work was queued or decided again; resolved: handled (by a later decision of the same order, or by hand); abandoned: given up with a reason; closed: can never replay (reason says why); linked: the same failure as the letter in linked_to',
			},
		],
	},
	{
		displayName: 'Dead Letter ID',
		name: 'deadLetterId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['replay'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract replay_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['replayMany'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract failure_report.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['reportFailure'],
			},
		},
	},
	{
		displayName: 'Dead Letter ID',
		name: 'deadLetterId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['resolve'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract dead_letter_closing.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['deadLetter'],
				operation: ['resolve'],
			},
		},
	},
];
