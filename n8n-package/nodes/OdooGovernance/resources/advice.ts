// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Advice: POST /v1/advice/{kind}
import type { INodeProperties } from 'n8n-workflow';

export const adviceDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['advice'],
			},
		},
		options: [
			{
				name: 'Give',
				value: 'give',
				action: 'Give advice',
				description: 'Advice for the person who decides; it never approves, rejects, posts or releases anything. classify: the category of an inbound message (returns, shortage, delivery_issue, urgent_replenishment, pricing_dispute, invoice_query, other) with its confidence; below the configured threshold (SIDECAR_ADVICE_MIN_CONFIDENCE) the category is other and needs_person is true. priority: a 0-100 score of a case with each factor\'s points. summary: an approver\'s summary of an exception\'s context (document, partner, amount, lines, reasons with their rules, checks passed, notes, requester, approvers, due time and SLA hours; the local rules give the same words for the same context). anomalies: the values of a series whose robust z-score (median and MAD) reaches SIDECAR_ADVICE_ANOMALY_Z. draft: a message from a template ($field placeholders) and a case, for a person to check.',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/advice/{{encodeURIComponent(String($parameter["kind"]))}}',
					},
				},
			},
		],
		default: 'give',
	},
	{
		displayName: 'Kind',
		name: 'kind',
		type: 'options',
		options: [
			{
				name: 'Anomalies',
				value: 'anomalies',
			},
			{
				name: 'Classify',
				value: 'classify',
			},
			{
				name: 'Draft',
				value: 'draft',
			},
			{
				name: 'Priority',
				value: 'priority',
			},
			{
				name: 'Summary',
				value: 'summary',
			},
		],
		default: 'classify',
		required: true,
		displayOptions: {
			show: {
				resource: ['advice'],
				operation: ['give'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract advice_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['advice'],
				operation: ['give'],
			},
		},
	},
];
