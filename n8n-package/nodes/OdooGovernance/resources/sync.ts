// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Sync: POST /v1/sync/{target}
import type { INodeProperties } from 'n8n-workflow';

export const syncDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['sync'],
			},
		},
		options: [
			{
				name: 'Sync Records',
				value: 'syncRecords',
				action: 'Sync records',
				description: 'Write canonical records into Odoo in batches, exactly once: `target` orders (canonical.order.v1 -> sale.order with lines, found again by client_order_ref \'{system}:{external_id}\'), prices (canonical.price.v1 -> product.pricelist.item, found again by pricelist, variant, min quantity and dates; kind supplier -> product.supplierinfo, found again by vendor, variant, min quantity and dates), stock (canonical.inventory_position.v1, state available -> stock.quant counts applied with action_apply_inventory), receipts (canonical.asn.v1 -> date_planned on the purchase order\'s lines and scheduled_date on its open receipts), tracking (canonical.shipment.v1 -> the delivery\'s carrier_tracking_ref and a chatter note of the latest status)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/sync/{{encodeURIComponent(String($parameter["target"]))}}',
					},
				},
			},
		],
		default: 'syncRecords',
	},
	{
		displayName: 'Target',
		name: 'target',
		type: 'options',
		options: [
			{
				name: 'Orders',
				value: 'orders',
			},
			{
				name: 'Prices',
				value: 'prices',
			},
			{
				name: 'Receipts',
				value: 'receipts',
			},
			{
				name: 'Stock',
				value: 'stock',
			},
			{
				name: 'Tracking',
				value: 'tracking',
			},
		],
		default: 'orders',
		required: true,
		displayOptions: {
			show: {
				resource: ['sync'],
				operation: ['syncRecords'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract sync_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['sync'],
				operation: ['syncRecords'],
			},
		},
	},
	{
		displayName: 'Headers',
		name: 'headerOptions',
		type: 'collection',
		placeholder: 'Add Header',
		default: {},
		displayOptions: {
			show: {
				resource: ['sync'],
				operation: ['syncRecords'],
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
