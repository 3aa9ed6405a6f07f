// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Replenishment: POST /v1/replenishment/scan
import type { INodeProperties } from 'n8n-workflow';

export const replenishmentDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['replenishment'],
			},
		},
		options: [
			{
				name: 'Scan',
				value: 'scan',
				action: 'Scan replenishment',
				description: 'Ask Odoo for the reorder rules of the replenishment-exception policy\'s intake domain (by default trigger manual; optionally of one company or warehouse), keep those whose forecast is below their minimum, and rank them by service risk (shortfall against the minimum, days of cover from recent customer deliveries, customer deliveries waiting; each factor\'s points shown)',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/replenishment/scan',
					},
				},
			},
		],
		default: 'scan',
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		description: 'The request body, as the contract replenishment_scan_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['replenishment'],
				operation: ['scan'],
			},
		},
	},
];
