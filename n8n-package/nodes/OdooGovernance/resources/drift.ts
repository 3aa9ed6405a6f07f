// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Drift: POST /v1/drift/prices, POST /v1/drift/stock
import type { INodeProperties } from 'n8n-workflow';

export const driftDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['drift'],
			},
		},
		options: [
			{
				name: 'Check Price',
				value: 'checkPrice',
				action: 'Check price drift',
				description: 'Compare a canonical snapshot with Odoo and answer what differs; reads only, a few Odoo reads whatever its size. prices: canonical.price.v1 records: list without a pricelist against the product\'s lst_price; on a pricelist (by ID or name) against its item\'s fixed price on the variant or its template, by pricelist, minimum quantity and day of start and vendor prices (product.supplierinfo); price and end date compared.',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/drift/prices',
					},
				},
			},
			{
				name: 'Check Stock',
				value: 'checkStock',
				action: 'Check stock drift',
				description: 'Compare a canonical snapshot with Odoo and answer what differs; reads only, a few Odoo reads whatever its size. stock: canonical.inventory_position.v1 records (mode snapshot; or from_positions: the sidecar\'s own inventory positions) grouped by product, warehouse, location (when named, that exact location) and lot (when the snapshot names lots), against one search_read of stock.quant: on_hand (every state but shipped) against quantity, reserved (reserved and allocated) against reserved_quantity.',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/drift/stock',
					},
				},
			},
		],
		default: 'checkPrice',
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		description: 'The request body, as the contract drift_price_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['drift'],
				operation: ['checkPrice'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		description: 'The request body, as the contract drift_stock_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['drift'],
				operation: ['checkStock'],
			},
		},
	},
];
