// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Approval: POST /v1/approvals/{approval_id}/cancel, POST /v1/approvals/{approval_id}/decision, POST /v1/approvals/escalate, GET /v1/approvals/{approval_id}, GET /v1/approvals, POST /v1/approvals/pull-activities, POST /v1/approvals/{approval_id}/reroute, POST /v1/approvals/{approval_id}/wait
import type { INodeProperties } from 'n8n-workflow';

export const approvalDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['approval'],
			},
		},
		options: [
			{
				name: 'Cancel',
				value: 'cancel',
				action: 'Cancel approval',
				description: 'Close an open (pending or unroutable) approval without a decision, with a reason: its tokens stop working, the release is abandoned (out of flight, so the order can be submitted again), the Odoo activity is closed and a note posted; the quotation is neither confirmed nor cancelled',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/approvals/{{encodeURIComponent(String($parameter["approvalId"]))}}/cancel',
					},
				},
			},
			{
				name: 'Decide',
				value: 'decide',
				action: 'Decide approval',
				description: 'Approve (confirm the order) or reject (cancel it) with the approver\'s decision token from the event\'s decision_links',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/approvals/{{encodeURIComponent(String($parameter["approvalId"]))}}/decision',
					},
				},
			},
			{
				name: 'Escalate',
				value: 'escalate',
				action: 'Escalate approvals',
				description: 'Run by the approval-escalation workflow on a schedule (n8n\'s key: it applies only the policy\'s own levels, unlike a re-route)',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/approvals/escalate',
					},
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get approval',
				description: 'One approval: open (pending, unroutable) or closed (approved, rejected, cancelled)',
				routing: {
					request: {
						method: 'GET',
						url: '=/v1/approvals/{{encodeURIComponent(String($parameter["approvalId"]))}}',
					},
				},
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many approvals',
				description: 'Approvals, newest first or by advised priority (sort=priority: the highest score of the newest 200 first); filter by status; overdue=true keeps the open ones past their SLA, for escalation',
				routing: {
					request: {
						method: 'GET',
						url: '/v1/approvals',
					},
					output: {
						postReceive: [
							{
								type: 'rootProperty',
								properties: {
									property: 'items',
								},
							},
						],
					},
				},
			},
			{
				name: 'Pull Activities',
				value: 'pullActivities',
				action: 'Pull approval activities',
				description: 'Run on a schedule by the approval-activity-pull workflow (or `python -m sidecar approvals pull-activities`)',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/approvals/pull-activities',
					},
				},
			},
			{
				name: 'Reroute',
				value: 'reroute',
				action: 'Reroute approval',
				description: 'Send an open (pending or unroutable) approval to another role or approver of the policy, with a reason',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/approvals/{{encodeURIComponent(String($parameter["approvalId"]))}}/reroute',
					},
				},
			},
			{
				name: 'Wait',
				value: 'wait',
				action: 'Wait for approval',
				description: 'Give the sidecar n8n\'s resume URL ({{ $execution.resumeUrl }}) before a Wait node (\'On Webhook Call\', POST): when the approval is finally approved, rejected or cancelled, an outbox job POSTs {approval_id, release_id, order_id, status, decided_by, comment} to it, after the decision\'s Odoo write-backs, retried like them; a dead letter when n8n is gone (404/410)',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/approvals/{{encodeURIComponent(String($parameter["approvalId"]))}}/wait',
					},
				},
			},
		],
		default: 'cancel',
	},
	{
		displayName: 'Approval ID',
		name: 'approvalId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['cancel'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract approval_cancel.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['cancel'],
			},
		},
	},
	{
		displayName: 'Approval ID',
		name: 'approvalId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['decide'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract approval_decision.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['decide'],
			},
		},
	},
	{
		displayName: 'Approval ID',
		name: 'approvalId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['get'],
			},
		},
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: {
			minValue: 1,
			maxValue: 200,
			numberPrecision: 0,
		},
		routing: {
			send: {
				type: 'query',
				property: 'limit',
			},
		},
		description: 'Max number of results to return',
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['getAll'],
			},
		},
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['getAll'],
			},
		},
		options: [
			{
				displayName: 'Overdue',
				name: 'overdue',
				type: 'options',
				options: [
					{
						name: 'False',
						value: 'false',
					},
					{
						name: 'True',
						value: 'true',
					},
				],
				default: 'true',
				routing: {
					send: {
						type: 'query',
						property: 'overdue',
					},
				},
			},
			{
				displayName: 'Sort',
				name: 'sort',
				type: 'options',
				options: [
					{
						name: 'Newest',
						value: 'newest',
					},
					{
						name: 'Priority',
						value: 'priority',
					},
				],
				default: 'newest',
				routing: {
					send: {
						type: 'query',
						property: 'sort',
					},
				},
				description: 'Newest: newest first; priority: the advice\'s priority score, highest first',
			},
			{
				displayName: 'Status',
				name: 'status',
				type: 'options',
				options: [
					{
						name: 'Approved',
						value: 'approved',
					},
					{
						name: 'Cancelled',
						value: 'cancelled',
					},
					{
						name: 'Pending',
						value: 'pending',
					},
					{
						name: 'Rejected',
						value: 'rejected',
					},
					{
						name: 'Unroutable',
						value: 'unroutable',
					},
				],
				default: 'pending',
				routing: {
					send: {
						type: 'query',
						property: 'status',
					},
				},
			},
		],
	},
	{
		displayName: 'Approval ID',
		name: 'approvalId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['reroute'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract approval_reroute.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['reroute'],
			},
		},
	},
	{
		displayName: 'Approval ID',
		name: 'approvalId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['wait'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		required: true,
		description: 'The request body, as the contract approval_wait.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['approval'],
				operation: ['wait'],
			},
		},
	},
];
