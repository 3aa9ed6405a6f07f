// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Ready: GET /ready
import type { INodeProperties } from 'n8n-workflow';

export const readyDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['ready'],
			},
		},
		options: [
			{
				name: 'Get Readiness',
				value: 'getReadiness',
				action: 'Get readiness',
				description: 'Readiness: the store and Odoo are reachable (503 when either is not)',
				routing: {
					request: {
						method: 'GET',
						url: '/ready',
					},
				},
			},
		],
		default: 'getReadiness',
	},
];
