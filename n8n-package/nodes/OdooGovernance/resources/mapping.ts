// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Mapping: PUT /v1/mappings/{kind}, DELETE /v1/mappings/{kind}/{mapping_id}, GET /v1/mappings/{kind}/{mapping_id}, GET /v1/mappings/{kind}, POST /v1/mappings/{kind}/import
import type { INodeProperties } from 'n8n-workflow';

export const mappingDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
			},
		},
		options: [
			{
				name: 'Create or Update',
				value: 'upsert',
				action: 'Create or update mappings',
				description: 'Create a new record, or update the current one if it already exists (upsert)',
				routing: {
					request: {
						method: 'PUT',
						url: '=/v1/mappings/{{encodeURIComponent(String($parameter["kind"]))}}',
					},
				},
			},
			{
				name: 'Delete',
				value: 'delete',
				action: 'Delete mapping',
				description: 'Remove one mapping; the caller and the mapping it was are written to the audit log',
				routing: {
					request: {
						method: 'DELETE',
						url: '=/v1/mappings/{{encodeURIComponent(String($parameter["kind"]))}}/{{encodeURIComponent(String($parameter["mappingId"]))}}',
					},
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get mapping',
				description: 'One mapping by ID',
				routing: {
					request: {
						method: 'GET',
						url: '=/v1/mappings/{{encodeURIComponent(String($parameter["kind"]))}}/{{encodeURIComponent(String($parameter["mappingId"]))}}',
					},
				},
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many mappings',
				description: 'Mappings of one kind (skus, units, packs, partners, taxes) in ID order, optionally of one source (\'*\' rows hold for every source); `after` takes the previous page\'s `next_after`',
				routing: {
					request: {
						method: 'GET',
						url: '=/v1/mappings/{{encodeURIComponent(String($parameter["kind"]))}}',
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
				name: 'Import CSV',
				value: 'importCsv',
				action: 'Import mappings csv',
				description: 'Import a CSV file of mappings of one kind: a header row naming the columns (the JSON fields of the kind; `source` may come from ?source= instead)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/mappings/{{encodeURIComponent(String($parameter["kind"]))}}/import',
					},
				},
			},
		],
		default: 'upsert',
	},
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		options: [
			{
				name: 'Packs',
				value: 'packs',
			},
			{
				name: 'Partners',
				value: 'partners',
			},
			{
				name: 'SKUs',
				value: 'skus',
			},
			{
				name: 'Taxes',
				value: 'taxes',
			},
			{
				name: 'Units',
				value: 'units',
			},
		],
		default: 'skus',
		required: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['upsert'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract mapping_upsert.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['upsert'],
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
				resource: ['mapping'],
				operation: ['upsert'],
			},
		},
		options: [
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'options',
				options: [
					{
						name: 'False',
						value: 'false',
					},
					{
						name: 'True',
						value: 'true',
					},
				],
				default: 'false',
				routing: {
					send: {
						type: 'query',
						property: 'dry_run',
					},
				},
			},
		],
	},
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		options: [
			{
				name: 'Packs',
				value: 'packs',
			},
			{
				name: 'Partners',
				value: 'partners',
			},
			{
				name: 'SKUs',
				value: 'skus',
			},
			{
				name: 'Taxes',
				value: 'taxes',
			},
			{
				name: 'Units',
				value: 'units',
			},
		],
		default: 'skus',
		required: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['delete'],
			},
		},
	},
	{
		displayName: 'Mapping ID',
		name: 'mappingId',
		type: 'number',
		default: 0,
		typeOptions: {
			minValue: 1,
			maxValue: 2147483647,
			numberPrecision: 0,
		},
		required: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['delete'],
			},
		},
	},
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		options: [
			{
				name: 'Packs',
				value: 'packs',
			},
			{
				name: 'Partners',
				value: 'partners',
			},
			{
				name: 'SKUs',
				value: 'skus',
			},
			{
				name: 'Taxes',
				value: 'taxes',
			},
			{
				name: 'Units',
				value: 'units',
			},
		],
		default: 'skus',
		required: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['get'],
			},
		},
	},
	{
		displayName: 'Mapping ID',
		name: 'mappingId',
		type: 'number',
		default: 0,
		typeOptions: {
			minValue: 1,
			maxValue: 2147483647,
			numberPrecision: 0,
		},
		required: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['get'],
			},
		},
	},
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		options: [
			{
				name: 'Packs',
				value: 'packs',
			},
			{
				name: 'Partners',
				value: 'partners',
			},
			{
				name: 'SKUs',
				value: 'skus',
			},
			{
				name: 'Taxes',
				value: 'taxes',
			},
			{
				name: 'Units',
				value: 'units',
			},
		],
		default: 'skus',
		required: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['getAll'],
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
				resource: ['mapping'],
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
				resource: ['mapping'],
				operation: ['getAll'],
			},
		},
		options: [
			{
				displayName: 'After',
				name: 'after',
				type: 'number',
				default: 0,
				typeOptions: {
					minValue: 0,
					maxValue: 2147483647,
					numberPrecision: 0,
				},
				routing: {
					send: {
						type: 'query',
						property: 'after',
					},
				},
			},
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
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		options: [
			{
				name: 'Packs',
				value: 'packs',
			},
			{
				name: 'Partners',
				value: 'partners',
			},
			{
				name: 'SKUs',
				value: 'skus',
			},
			{
				name: 'Taxes',
				value: 'taxes',
			},
			{
				name: 'Units',
				value: 'units',
			},
		],
		default: 'skus',
		required: true,
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['importCsv'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'string',
		typeOptions: {
			rows: 10,
		},
		default: '',
		required: true,
		description: 'The request body, as the contract mapping_csv.v1 describes it (see the OpenAPI document) (text/csv)',
		routing: {
			request: {
				body: '={{$value}}',
				headers: {
					'Content-Type': 'text/csv',
				},
			},
		},
		displayOptions: {
			show: {
				resource: ['mapping'],
				operation: ['importCsv'],
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
				resource: ['mapping'],
				operation: ['importCsv'],
			},
		},
		options: [
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'options',
				options: [
					{
						name: 'False',
						value: 'false',
					},
					{
						name: 'True',
						value: 'true',
					},
				],
				default: 'false',
				routing: {
					send: {
						type: 'query',
						property: 'dry_run',
					},
				},
			},
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
];
