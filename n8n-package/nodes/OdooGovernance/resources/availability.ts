// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Availability: GET /v1/availability, POST /v1/availability
import type { INodeProperties } from 'n8n-workflow';

export const availabilityDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['availability'],
			},
		},
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get availability',
				description: 'Available-to-promise per channel and product',
				routing: {
					request: {
						method: 'GET',
						url: '/v1/availability',
					},
				},
			},
			{
				name: 'Query',
				value: 'query',
				action: 'Query availability',
				description: 'Available-to-promise per channel and product',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/availability',
					},
				},
			},
		],
		default: 'get',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: {
			show: {
				resource: ['availability'],
				operation: ['get'],
			},
		},
		options: [
			{
				displayName: 'Channel',
				name: 'channel',
				type: 'string',
				default: '',
				routing: {
					send: {
						type: 'query',
						property: 'channel',
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
					maxValue: 1000,
					numberPrecision: 0,
				},
				routing: {
					send: {
						type: 'query',
						property: 'limit',
					},
				},
				description: 'Max number of results to return',
			},
			{
				displayName: 'Product IDs',
				name: 'productIds',
				type: 'string',
				default: '',
				routing: {
					send: {
						type: 'query',
						property: 'product_ids',
					},
				},
				description: 'Product.product IDs separated by commas; default: the storable products',
			},
		],
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		description: 'The request body, as the contract availability_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['availability'],
				operation: ['query'],
			},
		},
	},
];
