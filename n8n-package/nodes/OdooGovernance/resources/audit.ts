// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Audit: GET /v1/audit/verify
import type { INodeProperties } from 'n8n-workflow';

export const auditDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['audit'],
			},
		},
		options: [
			{
				name: 'Verify',
				value: 'verify',
				action: 'Verify audit',
				description: 'Check the audit chain page by page against its key and the signed checkpoints kept outside the store; report changed, missing, added or wiped entries, the first one first. incremental=true resumes at the last checkpoint a passing verify signed.',
				routing: {
					request: {
						method: 'GET',
						url: '/v1/audit/verify',
					},
				},
			},
		],
		default: 'verify',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: {
			show: {
				resource: ['audit'],
				operation: ['verify'],
			},
		},
		options: [
			{
				displayName: 'Incremental',
				name: 'incremental',
				type: 'boolean',
				default: false,
				routing: {
					send: {
						type: 'query',
						property: 'incremental',
					},
				},
			},
		],
	},
];
