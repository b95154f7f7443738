/** Three-way match of an invoice against a purchase order (and optionally a goods receipt). */
import { z } from 'zod/v4';
import { amountsAgree, roundMoney } from './numbers';
import type { Invoice, LineItem } from './schema';

export const orderLineSchema = z.object({
	productCode: z.string().nullish(),
	description: z.string().nullish(),
	quantity: z.number(),
	unitPrice: z.number().nullish(),
});
export const purchaseOrderSchema = z.object({
	number: z.string().nullish(),
	lines: z.array(orderLineSchema),
	total: z.number().nullish(),
});
export const goodsReceiptSchema = z.object({
	lines: z.array(orderLineSchema.pick({ productCode: true, description: true, quantity: true })),
});
export type PurchaseOrder = z.infer<typeof purchaseOrderSchema>;
export type GoodsReceipt = z.infer<typeof goodsReceiptSchema>;

export type ReasonCode = 'PRICE_VARIANCE' | 'QTY_MISMATCH' | 'QTY_OVER_RECEIPT' | 'MISSING_PO_LINE' | 'TOTAL_MISMATCH' | 'PO_NUMBER_MISMATCH';

export interface MatchIssue {
	code: ReasonCode;
	line: number | null;
	detail: string;
}

export interface MatchResult {
	matched: boolean;
	issues: MatchIssue[];
	lines: Array<{ invoiceLine: number; orderLine: number | null }>;
}

const normalise = (text: string | null | undefined): string => (text ?? '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

function findOrderLine<T extends { productCode?: string | null; description?: string | null }>(item: LineItem, lines: T[]): number {
	if (item.productCode) {
		const byCode = lines.findIndex((l) => l.productCode && normalise(l.productCode) === normalise(item.productCode));
		if (byCode >= 0) return byCode;
	}
	const description = normalise(item.description);
	if (!description) return -1;
	return lines.findIndex((l) => {
		const other = normalise(l.description);
		return !!other && (description.includes(other) || other.includes(description));
	});
}

/**
 * Lines are matched by product code, else by description; quantities must be equal (and not above
 * what was received), unit prices within `priceTolerancePercent`.
 */
export function matchPurchaseOrder(invoice: Invoice, order: PurchaseOrder, receipt?: GoodsReceipt, priceTolerancePercent = 1): MatchResult {
	const issues: MatchIssue[] = [];
	const lines: MatchResult['lines'] = [];
	if (order.number && invoice.purchaseOrder && normalise(order.number) !== normalise(invoice.purchaseOrder)) {
		issues.push({ code: 'PO_NUMBER_MISMATCH', line: null, detail: `invoice cites PO ${invoice.purchaseOrder}, matched against ${order.number}` });
	}
	invoice.lineItems.forEach((item, i) => {
		const index = findOrderLine(item, order.lines);
		lines.push({ invoiceLine: i, orderLine: index >= 0 ? index : null });
		if (index < 0) {
			issues.push({ code: 'MISSING_PO_LINE', line: i, detail: `invoice line ${i + 1} (${item.productCode ?? item.description ?? '?'}) is not on the purchase order` });
			return;
		}
		const orderLine = order.lines[index];
		if (item.quantity !== null && item.quantity !== orderLine.quantity) {
			issues.push({ code: 'QTY_MISMATCH', line: i, detail: `invoiced ${item.quantity}, ordered ${orderLine.quantity}` });
		}
		if (item.unitPrice !== null && orderLine.unitPrice != null) {
			const variance = orderLine.unitPrice === 0 ? Infinity : (Math.abs(item.unitPrice - orderLine.unitPrice) / orderLine.unitPrice) * 100;
			if (variance > priceTolerancePercent + 1e-9) {
				issues.push({ code: 'PRICE_VARIANCE', line: i, detail: `unit price ${item.unitPrice} vs ordered ${orderLine.unitPrice} (${roundMoney(variance)}% > ${priceTolerancePercent}%)` });
			}
		}
		if (receipt) {
			const received = receipt.lines[findOrderLine(item, receipt.lines)];
			const quantity = received?.quantity ?? 0;
			if (item.quantity !== null && item.quantity > quantity) {
				issues.push({ code: 'QTY_OVER_RECEIPT', line: i, detail: `invoiced ${item.quantity}, received ${quantity}` });
			}
		}
	});
	if (order.total != null && invoice.subtotal !== null && !amountsAgree(order.total, invoice.subtotal) && (invoice.invoiceTotal === null || !amountsAgree(order.total, invoice.invoiceTotal))) {
		issues.push({ code: 'TOTAL_MISMATCH', line: null, detail: `invoice ${invoice.subtotal} (net) / ${invoice.invoiceTotal ?? '?'} (gross) vs order total ${order.total}` });
	}
	return { matched: issues.length === 0, issues, lines };
}
