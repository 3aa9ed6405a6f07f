// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Transform: GET /v1/transform, POST /v1/transform/{adapter}
import type { INodeProperties } from 'n8n-workflow';

export const transformDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['transform'],
			},
		},
		options: [
			{
				name: 'Get Many Adapters',
				value: 'getManyAdapters',
				action: 'Get many adapters',
				description: 'The adapters POST /v1/transform/{adapter} knows: name, the canonical model of its records, the media types it reads (first the usual one) and what it reads',
				routing: {
					request: {
						method: 'GET',
						url: '/v1/transform',
					},
				},
			},
			{
				name: 'Transform Payload',
				value: 'transformPayload',
				action: 'Transform payload',
				description: 'Turn another system\'s payload into the sidecar\'s canonical records, with the source\'s mappings (SKU, unit, partner: never a guessed Odoo ID)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/transform/{{encodeURIComponent(String($parameter["adapter"]))}}',
					},
				},
			},
		],
		default: 'getManyAdapters',
	},
	{
		displayName: 'Adapter',
		name: 'adapter',
		type: 'options',
		options: [
			{
				name: 'Carrier Tracking',
				value: 'carrier-tracking',
			},
			{
				name: 'Pos Sales',
				value: 'pos-sales',
			},
			{
				name: 'Shop Order',
				value: 'shop-order',
			},
			{
				name: 'Supplier Asn',
				value: 'supplier-asn',
			},
			{
				name: 'Supplier Asn CSV',
				value: 'supplier-asn-csv',
			},
			{
				name: 'Supplier Pricelist',
				value: 'supplier-pricelist',
			},
			{
				name: 'Wms Stock',
				value: 'wms-stock',
			},
		],
		default: 'carrier-tracking',
		required: true,
		displayOptions: {
			show: {
				resource: ['transform'],
				operation: ['transformPayload'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract transform_payload.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['transform'],
				operation: ['transformPayload'],
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
				resource: ['transform'],
				operation: ['transformPayload'],
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
];
