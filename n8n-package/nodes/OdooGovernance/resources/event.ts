// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Event: POST /v1/events
import type { INodeProperties } from 'n8n-workflow';

export const eventDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['event'],
			},
		},
		options: [
			{
				name: 'Submit',
				value: 'submit',
				action: 'Submit event',
				description: 'Validate, deduplicate, decide and queue the write-backs of one business event, through the flow its type names (every governed flow\'s event type, each with its own data contract; 422 unknown_event_type lists the known types)',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/events',
					},
				},
			},
		],
		default: 'submit',
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract event.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['event'],
				operation: ['submit'],
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
				resource: ['event'],
				operation: ['submit'],
			},
		},
		options: [
			{
				displayName: 'Idempotency Key',
				name: 'idempotencyKey',
				type: 'string',
				default: '',
				description: 'Optional; defaults to the event ID',
				routing: {
					request: {
						headers: {
							'Idempotency-Key': '={{$value}}',
						},
					},
				},
			},
			{
				displayName: 'X Correlation ID',
				name: 'xCorrelationId',
				type: 'string',
				default: '',
				description: 'Optional; the correlation ID the decision, its jobs, audit entries and log lines carry (1-128 of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit); answered in the X-Correlation-ID header.',
				routing: {
					request: {
						headers: {
							'X-Correlation-Id': '={{$value}}',
						},
					},
				},
			},
			{
				displayName: 'X N8n Execution ID',
				name: 'xN8nExecutionId',
				type: 'string',
				default: '',
				description: 'Optional; n8n\'s execution ID ({{ $execution.&#105;d }}): the correlation ID is n8n-&lt;it&gt; when no X-Correlation-ID is sent',
				routing: {
					request: {
						headers: {
							'X-N8n-Execution-Id': '={{$value}}',
						},
					},
				},
			},
		],
	},
];
