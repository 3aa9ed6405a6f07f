// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Release: GET /v1/releases/{release_id}
import type { INodeProperties } from 'n8n-workflow';

export const releaseDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['release'],
			},
		},
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get release',
				description: 'A release decision with its approval and the state of its write-back jobs',
				routing: {
					request: {
						method: 'GET',
						url: '=/v1/releases/{{encodeURIComponent(String($parameter["releaseId"]))}}',
					},
				},
			},
		],
		default: 'get',
	},
	{
		displayName: 'Release ID',
		name: 'releaseId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['release'],
				operation: ['get'],
			},
		},
	},
];
