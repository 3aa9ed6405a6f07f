// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Inventory Position: POST /v1/inventory/positions/{position_id}/adjustments, GET /v1/inventory/positions/{position_id}, GET /v1/inventory/positions, POST /v1/inventory/positions, POST /v1/inventory/positions/{position_id}/transitions
import type { INodeProperties } from 'n8n-workflow';

export const inventoryPositionDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['inventoryPosition'],
			},
		},
		options: [
			{
				name: 'Adjust',
				value: 'adjust',
				action: 'Adjust inventory position',
				description: 'Add to (positive) or take from (negative) one state of a position, with the reason (a count, damage, a quality rejection)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/inventory/positions/{{encodeURIComponent(String($parameter["positionId"]))}}/adjustments',
					},
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get inventory position',
				description: 'One inventory position: the quantity in each state, on hand, the transitions each state allows, and its latest moves',
				routing: {
					request: {
						method: 'GET',
						url: '=/v1/inventory/positions/{{encodeURIComponent(String($parameter["positionId"]))}}',
					},
				},
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many inventory positions',
				description: 'Inventory positions by ID, optionally of one product and/or one warehouse code; `next` is the `after` of the next page (null on the last)',
				routing: {
					request: {
						method: 'GET',
						url: '/v1/inventory/positions',
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
				name: 'Receive',
				value: 'receive',
				action: 'Receive inventory',
				description: 'Goods received: the quantity enters state received of the position of (product, warehouse, lot)',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/inventory/positions',
					},
				},
			},
			{
				name: 'Transition',
				value: 'transition',
				action: 'Transition inventory position',
				description: 'Move a quantity of a position from one state to the next: received -> quality_hold or available, quality_hold -> available, available -> reserved, reserved -> allocated or back to available, allocated -> shipped or back to reserved',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/inventory/positions/{{encodeURIComponent(String($parameter["positionId"]))}}/transitions',
					},
				},
			},
		],
		default: 'adjust',
	},
	{
		displayName: 'Position ID',
		name: 'positionId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['inventoryPosition'],
				operation: ['adjust'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract inventory_adjustment_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['inventoryPosition'],
				operation: ['adjust'],
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
				resource: ['inventoryPosition'],
				operation: ['adjust'],
			},
		},
		options: [
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description: 'Optional: a repeat with the same key and body answers as the first time (Idempotent-Replayed: true) and changes nothing; with another body it is a 409 idempotency_key_reused',
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
	{
		displayName: 'Position ID',
		name: 'positionId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['inventoryPosition'],
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
				resource: ['inventoryPosition'],
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
				resource: ['inventoryPosition'],
				operation: ['getAll'],
			},
		},
		options: [
			{
				displayName: 'After',
				name: 'after',
				type: 'string',
				default: '',
				routing: {
					send: {
						type: 'query',
						property: 'after',
					},
				},
			},
			{
				displayName: 'Product ID',
				name: 'productId',
				type: 'number',
				default: 0,
				typeOptions: {
					minValue: 1,
					maxValue: 2147483647,
					numberPrecision: 0,
				},
				routing: {
					send: {
						type: 'query',
						property: 'product_id',
					},
				},
			},
			{
				displayName: 'Warehouse',
				name: 'warehouse',
				type: 'string',
				default: '',
				routing: {
					send: {
						type: 'query',
						property: 'warehouse',
					},
				},
			},
		],
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract inventory_receipt.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['inventoryPosition'],
				operation: ['receive'],
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
				resource: ['inventoryPosition'],
				operation: ['receive'],
			},
		},
		options: [
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description: 'Optional: a repeat with the same key and body answers as the first time (Idempotent-Replayed: true) and changes nothing; with another body it is a 409 idempotency_key_reused',
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
	{
		displayName: 'Position ID',
		name: 'positionId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['inventoryPosition'],
				operation: ['transition'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract inventory_transition.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['inventoryPosition'],
				operation: ['transition'],
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
				resource: ['inventoryPosition'],
				operation: ['transition'],
			},
		},
		options: [
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description: 'Optional: a repeat with the same key and body answers as the first time (Idempotent-Replayed: true) and changes nothing; with another body it is a 409 idempotency_key_reused',
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
