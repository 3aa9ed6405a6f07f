// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// OpenAPI: GET /openapi.json
import type { INodeProperties } from 'n8n-workflow';

export const openapiDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['openapi'],
			},
		},
		options: [
			{
				name: 'Get Document',
				value: 'getDocument',
				action: 'Get openapi document',
				description: 'This HTTP contract as OpenAPI 3.1, generated from node-specs/',
				routing: {
					request: {
						method: 'GET',
						url: '/openapi.json',
					},
				},
			},
		],
		default: 'getDocument',
	},
];
