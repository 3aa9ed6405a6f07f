// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Authority: GET /v1/authority
import type { INodeProperties } from 'n8n-workflow';

export const authorityDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['authority'],
			},
		},
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get authority',
				description: 'The system of record of each data domain (stock by warehouse, prices by pricelist or channel, product master, customer master, orders by channel, receipts by supplier source), from SIDECAR_AUTHORITY; Odoo owns what it does not list',
				routing: {
					request: {
						method: 'GET',
						url: '/v1/authority',
					},
				},
			},
		],
		default: 'get',
	},
];
