import { strictSchemaProblem } from '../support/fakeModel';
import { fromLlmInvoice, invoiceResponseFormat, llmInvoiceSchema } from '../../nodes/shared/invoice/llmSchema';
import { fieldConfidenceFromLogprobs, jsonValueSpans } from '../../nodes/shared/invoice/logprobConfidence';
import { emptyInvoice } from '../../nodes/shared/invoice/schema';

describe('invoice structured output for the LLM engine', () => {
	it('is a strict json_schema that OpenAI accepts', () => {
		const format = invoiceResponseFormat();
		expect(format.json_schema.strict).toBe(true);
		expect(strictSchemaProblem(format.json_schema.schema as never)).toBeUndefined();
	});

	it('comes back as the package record, custom values typed', () => {
		const answer = llmInvoiceSchema.parse({ ...emptyInvoice(), customFields: [{ name: 'Hours', value: '12.5' }, { name: 'Signed', value: 'yes' }] });
		const record = fromLlmInvoice(answer, [
			{ name: 'Hours', type: 'number', description: '', required: false },
			{ name: 'Signed', type: 'boolean', description: '', required: false },
			{ name: 'Missing', type: 'string', description: '', required: false },
		]);
		expect(record.customFields).toEqual({ Hours: 12.5, Signed: true, Missing: null });
	});
});

describe('field confidence from token log-probabilities', () => {
	const content = '{"invoiceId":"RE-17","total":119.5,"lines":[{"amount":null}],"vendor":{"name":"Müller \\"A\\" GmbH"}}';

	it('finds the span of every leaf value by path', () => {
		const spans = Object.fromEntries(jsonValueSpans(content).map((s) => [s.path, content.slice(s.start, s.end)]));
		expect(spans).toEqual({ invoiceId: '"RE-17"', total: '119.5', 'lines.0.amount': 'null', 'vendor.name': '"Müller \\"A\\" GmbH"' });
	});

	it('multiplies the probabilities of the value tokens only', () => {
		const pieces = ['{"', 'invoice', 'Id', '":"', 'RE', '-17', '","', 'total', '":', '119', '.5', ',"lines":[{"amount":', 'null', '}],"vendor":{"name":"', 'Müller \\"A\\" GmbH', '"}}'];
		expect(pieces.join('')).toBe(content);
		const logprobs: Record<string, number> = { RE: Math.log(0.9), '-17': Math.log(0.5), '119': Math.log(0.8), '.5': Math.log(0.5) };
		const confidence = fieldConfidenceFromLogprobs(content, pieces.map((token) => ({ token, logprob: logprobs[token] ?? 0 })));
		expect(confidence.invoiceId).toBeCloseTo(0.45, 3);
		expect(confidence.total).toBeCloseTo(0.4, 3);
		expect(confidence['lines.0.amount']).toBe(1);
		expect(confidence['vendor.name']).toBe(1);
	});

	it('gives nothing when the tokens do not spell the answer', () => {
		expect(fieldConfidenceFromLogprobs('{"a":1}', [{ token: '{"a":2}', logprob: 0 }])).toEqual({});
	});
});
