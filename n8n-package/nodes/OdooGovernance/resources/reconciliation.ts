// Generated from node-specs/ by `python -m sidecar n8n-package`: do not edit.
// Reconciliation: POST /v1/reconciliations/{flow_name}, POST /v1/reconciliations/sales-order-release
import type { INodeProperties } from 'n8n-workflow';

export const reconciliationDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: {
			show: {
				resource: ['reconciliation'],
			},
		},
		options: [
			{
				name: 'Reconcile Flow',
				value: 'reconcileFlow',
				action: 'Reconcile flow',
				description: 'Reconcile any flow (named by `flow_name`, e.g. purchase-approval, inventory-adjustment, vendor-bill-match) as /v1/reconciliations/sales-order-release does the release: find its documents submitted (the flow\'s policy intake domain, asked of Odoo) that were written since go-live (the later of SIDECAR_GO_LIVE_AT and the policy\'s intake.not_before; 422 go_live_not_configured when neither is set), are not in flight in that flow and never got a decision of it since they last changed (a lost webhook), oldest first, page by page; decide up to `limit` of them, or with dry_run list what each would get (`planned`) without deciding or recording anything. `order_id` and `order_name` name the document (its display name). 404 flow_not_found for an unknown flow; 422 not_reconcilable for a flow whose events carry what is asked (Odoo does not keep it: price-change, return-request) or that has a scan of its own (replenishment-exception: POST /v1/replenishment/scan).',
				routing: {
					request: {
						method: 'POST',
						url: '=/v1/reconciliations/{{encodeURIComponent(String($parameter["flowName"]))}}',
					},
				},
			},
			{
				name: 'Reconcile Releases',
				value: 'reconcileReleases',
				action: 'Reconcile releases',
				description: 'Find quotations submitted for release (the policy\'s intake domain, asked of Odoo) that were written since go-live (the later of SIDECAR_GO_LIVE_AT and the policy\'s intake.not_before; 422 go_live_not_configured when neither is set), are not already in flight and never got a decision (a lost webhook), oldest first, page by page; decide up to `limit` of them, or with dry_run list what each would get (`planned`) without deciding or recording anything',
				routing: {
					request: {
						method: 'POST',
						url: '/v1/reconciliations/sales-order-release',
					},
				},
			},
		],
		default: 'reconcileFlow',
	},
	{
		displayName: 'Flow Name',
		name: 'flowName',
		type: 'options',
		options: [
			{
				name: 'Inventory Adjustment',
				value: 'inventory-adjustment',
			},
			{
				name: 'Procurement Exception',
				value: 'procurement-exception',
			},
			{
				name: 'Purchase Approval',
				value: 'purchase-approval',
			},
			{
				name: 'Sales Order Release',
				value: 'sales-order-release',
			},
			{
				name: 'Vendor Bill Match',
				value: 'vendor-bill-match',
			},
		],
		default: 'inventory-adjustment',
		required: true,
		description: 'A flow whose submitted documents Odoo keeps (price-change and return-request events carry what is asked; replenishment-exception has its scan)',
		displayOptions: {
			show: {
				resource: ['reconciliation'],
				operation: ['reconcileFlow'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		description: 'The request body, as the contract reconcile_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['reconciliation'],
				operation: ['reconcileFlow'],
			},
		},
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '{}',
		description: 'The request body, as the contract reconcile_request.v1 describes it (see the OpenAPI document)',
		routing: {
			request: {
				body: '={{ typeof $value === "string" ? JSON.parse($value) : $value }}',
			},
		},
		displayOptions: {
			show: {
				resource: ['reconciliation'],
				operation: ['reconcileReleases'],
			},
		},
	},
];
