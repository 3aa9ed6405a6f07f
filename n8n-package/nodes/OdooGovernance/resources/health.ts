// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Health: GET /health
import type { INodeProperties } from 'n8n-workflow';

export const healthDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['health'],
			},
		},
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get health',
				description: 'Liveness: the process answers',
				routing: {
					request: {
						method: 'GET',
						url: '/health',
					},
				},
			},
		],
		default: 'get',
	},
];
