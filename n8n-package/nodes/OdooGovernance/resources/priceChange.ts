// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Price Change: GET /v1/price-changes/{price_change_id}, POST /v1/price-changes/{price_change_id}/transitions
import type { INodeProperties } from 'n8n-workflow';

export const priceChangeDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['priceChange'],
			},
		},
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get price change',
				description: 'A price change with its state, the transitions allowed next, its decision and its history (every transition with its moment, actor and detail)',
				routing: {
					request: {
						method: 'GET',
						url: '=/v1/price-changes/{{encodeURIComponent(String($parameter["priceChangeId"]))}}',
					},
				},
			},
			{
				name: 'Transition',
				value: 'transition',
				action: 'Transition price change',
				description: 'Move a price change on: published (from effective, with the channels it was published to), reconciled (from published: the sidecar reads the pricelist item and the price Odoo applies at the window\'s start; anything not as approved is a 409 reconcile_mismatch naming each field with the approved and Odoo\'s value) or withdrawn (from draft, cancelling its approval, or from approved before the item is written, with a reason)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/price-changes/{{encodeURIComponent(String($parameter["priceChangeId"]))}}/transitions',
					},
				},
			},
		],
		default: 'get',
	},
	{
		displayName: 'Price Change ID',
		name: 'priceChangeId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['priceChange'],
				operation: ['get'],
			},
		},
	},
	{
		displayName: 'Price Change ID',
		name: 'priceChangeId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['priceChange'],
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
		description: 'The request body, as the contract price_change_transition.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['priceChange'],
				operation: ['transition'],
			},
		},
	},
];
