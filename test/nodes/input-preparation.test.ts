/**
 * Input preparation wired into AI Classify and Extract Invoice (issue 21), in-process: version 1
 * nodes behave as before at their defaults; 1.1 cleans the text before every engine and writes
 * ai.input; Redact Before the Model keeps personal values out of every request to the
 * OpenAI-compatible test server (text, context fields, page images) and maps the model's answer back;
 * bad settings name the item and the fix, and Continue On Fail keeps the item with the error.
 */
import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { runNode, type NodeRun, type RunOptions } from '../harness/inProcess';
import { INVOICE_WITH_PERSONAL_DATA, PERSONAL } from '../support/personalData';
import { expectEveryItemOnce, expectNodeError, fileItem, jsonOf, useOpenAiServer } from './support';

const API_KEY = 'sk-test-prepare-0123456789abcdef';
const openai = useOpenAiServer({ apiKey: API_KEY, seed: 11 });

const CATEGORIES = [
	{ name: 'billing', description: 'invoice charge charged payment card bill twice', examples: 'I was charged twice\nWrong amount on my invoice\nMy card payment failed' },
	{ name: 'shipping', description: 'delivery parcel tracking shipped courier late', examples: 'Where is my parcel\nThe delivery is late\nTracking number does not work' },
];
const MODEL_CATEGORIES = CATEGORIES.map(({ name, description }) => ({ name, description }));

/** A reply on top of a quoted message about something else (shipping words only in the history). */
const REPLY = [
	'Hello, I was charged twice on my card for the same invoice. Please fix the charge.',
	'',
	'Best regards,',
	'Anna',
	'',
	'On Mon, 3 Mar 2025 at 10:12, Support Team <support@shop.example> wrote:',
	'> Your parcel tracking shows the courier delivery is late.',
	'> Where is my parcel? Tracking delivery courier parcel late.',
].join('\n');
const REPLY_CLEANED = 'Hello, I was charged twice on my card for the same invoice. Please fix the charge.';

/** One value of each kind. */
const ONE = { email: PERSONAL.emails[0], phone: PERSONAL.phones[0], iban: PERSONAL.ibans[0], card: PERSONAL.cards[0] };
const PERSONAL_TICKET = `I was charged twice on card ${ONE.card}. Refund to ${ONE.iban}, call me on ${ONE.phone} or write to ${ONE.email}.`;

type Input = { characters: number; language: string; text?: string; cleaned?: Record<string, unknown>; redacted?: Record<string, number>; unknownTokenShare?: number };
const inputOf = (run: NodeRun, index = 0) => (jsonOf(run)[index].ai as IDataObject).input as unknown as Input | undefined;
const requests = () => openai.server().log.map((entry) => JSON.stringify(entry.body));
/** What the model was asked about: the last user message of the first request (the categories are in the system prompt). */
const userMessage = () => JSON.stringify(openai.server().log[0].body.messages.at(-1).content);

function classify(parameters: IDataObject, items: IDataObject[], extra: Partial<RunOptions> = {}) {
	const engine = (parameters.engine as string | undefined) ?? 'openai';
	return runNode({
		type: 'aiClassify',
		parameters: {
			engine,
			model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
			categories: { category: engine === 'openai' ? MODEL_CATEGORIES : CATEGORIES },
			...parameters,
		},
		items,
		credentials: openai.credentials(),
		...extra,
	});
}

describe('AI Classify: Clean Input', () => {
	it('version 1 at its defaults: the text goes to the model as it is and the item has no ai.input', async () => {
		const run = await classify({}, [{ text: REPLY }], { typeVersion: 1 });
		expectEveryItemOnce(run, 1);
		expect(inputOf(run)).toBeUndefined();
		expect(userMessage()).toContain('parcel tracking');
		expect(Object.keys(jsonOf(run)[0].ai as IDataObject).sort()).toEqual(['at', 'attempts', 'confidence', 'confidenceSource', 'engine', 'label', 'latencyMs', 'model', 'scores', 'task', 'usage']);
	});

	it('version 1.1 (the default): the model sees the cleaned text only; ai.input records it', async () => {
		const run = await classify({}, [{ text: REPLY }]);
		expectEveryItemOnce(run, 1);
		expect((jsonOf(run)[0].ai as IDataObject).label).toBe('billing');
		expect(requests()).toHaveLength(1);
		expect(userMessage()).not.toMatch(/parcel|courier|support@shop/);
		expect(inputOf(run)).toEqual({
			characters: REPLY_CLEANED.length,
			language: 'en',
			text: REPLY_CLEANED,
			cleaned: { html: false, quotedHistory: true, signature: true, disclaimer: false, unicode: false, removedCharacters: REPLY.length - REPLY_CLEANED.length },
		});
	});

	it('HTML is turned into text for the local engine too; unknownTokenShare comes from its vectorizer', async () => {
		const html = '<html><body><p>I was <b>charged twice</b> on my card&nbsp;for the invoice</p><div class="gmail_quote">On Mon wrote:<blockquote>parcel late</blockquote></div></body></html>';
		const run = await classify({ engine: 'local' }, [{ text: html }, { text: 'Zxqv blorf quantum marmalade' }]);
		expectEveryItemOnce(run, 2);
		const [first, second] = [inputOf(run, 0)!, inputOf(run, 1)!];
		expect(first.text).toBe('I was charged twice on my card for the invoice');
		expect(first.cleaned).toMatchObject({ html: true, quotedHistory: true });
		expect(first.unknownTokenShare).toBeGreaterThanOrEqual(0);
		// Words the categories' descriptions and examples never had: all of them unknown.
		expect(second.unknownTokenShare).toBe(1);
		expect(first.unknownTokenShare).toBeLessThan(0.5);
		// A text cleaning did not change has no copy on the item.
		expect(second.text).toBeUndefined();
		expect(openai.server().stats.requests).toBe(0);
	});

	it('1.1 with Clean Input off: the text as it is, ai.input without cleaning; version 1 with it on cleans and records', async () => {
		const off = await classify({ cleanInput: false }, [{ text: REPLY }]);
		expect(userMessage()).toContain('parcel tracking');
		expect(inputOf(off)).toEqual({ characters: REPLY.length, language: 'en' });
		openai.server().reset();
		const on = await classify({ cleanInput: true }, [{ text: REPLY }], { typeVersion: 1 });
		expect(userMessage()).not.toContain('parcel');
		expect(inputOf(on)?.text).toBe(REPLY_CLEANED);
	});
});

describe('AI Classify: Redact Before the Model', () => {
	it('no personal value of the text or the context fields reaches the model; ai.input counts them', async () => {
		const items = [{ text: PERSONAL_TICKET, customer: { email: ONE.email, phone: ONE.phone, tier: 'gold' } }];
		const run = await classify({ redactBeforeModel: true, contextFields: 'customer' }, items);
		expectEveryItemOnce(run, 1);
		for (const value of Object.values(ONE)) {
			for (const request of requests()) {
				expect(request).not.toContain(value);
				expect(request).not.toContain(value.replace(/ /g, ''));
			}
		}
		const request = requests()[0];
		for (const placeholder of ['[EMAIL_1]', '[PHONE_1]', '[IBAN_1]', '[CARD_1]']) expect(request).toContain(placeholder);
		expect(request).toContain('gold');
		// The same e-mail and phone in the text and the context: one placeholder each, counted per occurrence.
		expect(request).not.toContain('[EMAIL_2]');
		expect(inputOf(run)!.redacted).toEqual({ email: 2, phone: 2, iban: 1, card: 1, nationalId: 0, custom: 0 });
		// The item itself keeps its values.
		expect(jsonOf(run)[0].customer).toEqual(items[0].customer);
	});

	it("the model's reasoning gets the original values back", async () => {
		openai.server().configure({
			respond: (request) => {
				const user = JSON.stringify(request.messages);
				const email = /\[EMAIL_\d+\]/.exec(user)?.[0] ?? 'none';
				return { content: JSON.stringify({ reasoning: `The customer ${email} was charged twice`, category: '1' }) };
			},
		});
		const run = await classify({ redactBeforeModel: true, options: { includeReasoning: true } }, [{ text: PERSONAL_TICKET }]);
		expectEveryItemOnce(run, 1);
		expect((jsonOf(run)[0].ai as IDataObject).reasoning).toBe(`The customer ${ONE.email} was charged twice`);
	});

	it('only the kinds chosen, plus custom patterns; version 1 may turn it on too', async () => {
		const run = await classify({ redactBeforeModel: true, redactKinds: ['email'], redactCustomPatterns: 'CUST-\\d{6}\n' }, [{ text: `${PERSONAL_TICKET} Customer CUST-123456.` }], { typeVersion: 1 });
		const request = requests()[0];
		expect(request).not.toContain(ONE.email);
		expect(request).not.toContain('CUST-123456');
		expect(request).toContain('[CUSTOM_1]');
		expect(request).toContain(ONE.iban);
		expect(inputOf(run)!.redacted).toMatchObject({ email: 1, custom: 1, iban: 0 });
	});

	it('Phone Country finds national numbers', async () => {
		await classify({ redactBeforeModel: true, redactPhoneCountry: 'de' }, [{ text: 'Charged twice, call me on 030 901820 please' }]);
		expect(requests()[0]).not.toContain('030 901820');
		expect(requests()[0]).toContain('[PHONE_1]');
	});

	it('cascade: the local answers record no redaction (nothing left n8n), the model answers do', async () => {
		const run = await classify({ engine: 'cascade', cascadeThreshold: 0.99, redactBeforeModel: true }, [{ text: PERSONAL_TICKET }]);
		expectEveryItemOnce(run, 1);
		const ai = jsonOf(run)[0].ai as IDataObject;
		expect(ai.tier).toBe('llm');
		expect(requests()[0]).not.toContain(ONE.email);
		expect(inputOf(run)!.redacted).toMatchObject({ email: 1 });
		expect(inputOf(run)!.unknownTokenShare).toBeGreaterThan(0);
		openai.server().reset();
		const confident = await classify({ engine: 'cascade', cascadeThreshold: 0, redactBeforeModel: true }, [{ text: PERSONAL_TICKET }]);
		expect((jsonOf(confident)[0].ai as IDataObject).tier).toBe('local');
		expect(inputOf(confident)!.redacted).toBeUndefined();
		expect(openai.server().stats.requests).toBe(0);
	});

	it('the local engine never redacts (the parameter is not shown for it)', async () => {
		const run = await classify({ engine: 'local', redactBeforeModel: true }, [{ text: PERSONAL_TICKET }]);
		expect(inputOf(run)!.redacted).toBeUndefined();
	});

	it('a bad custom pattern or Phone Country: the item and the fix; Continue On Fail keeps the item with the error', async () => {
		expectNodeError(await classify({ redactBeforeModel: true, redactCustomPatterns: 'CUST-(' }, [{ text: PERSONAL_TICKET }]), {
			message: /^Item 0: Custom redaction pattern 1 is not a valid regular expression/,
			description: /^Fix custom pattern 1 \("CUST-\("\): write a JavaScript regular expression/,
			itemIndex: 0,
		});
		expectNodeError(await classify({ redactBeforeModel: true, redactPhoneCountry: 'XY' }, [{ text: PERSONAL_TICKET }]), {
			message: 'Item 0: Phone Country "XY" is not a country code the phone finder knows',
			description: 'Set Phone Country to a code such as DE, FR or NL, or leave it empty.',
			itemIndex: 0,
		});
		expect(openai.server().stats.requests).toBe(0);
		const items = [{ text: 'charged twice', n: 1 }, { text: 'parcel late', n: 2, pattern: '(' }];
		const run = await classify({ redactBeforeModel: true, redactCustomPatterns: '={{ $json.pattern ?? "CUST-\\\\d+" }}' }, items, { onError: 'continueRegularOutput' });
		expectEveryItemOnce(run, 2);
		const [good, bad] = jsonOf(run);
		expect(good.ai).toBeDefined();
		expect(bad).toMatchObject({ n: 2, error: expect.stringMatching(/^Item 1: Custom redaction pattern 1 is not a valid regular expression/) });
		expect(bad.ai).toBeUndefined();
	});
});

const INVOICE = INVOICE_WITH_PERSONAL_DATA;

const withModel = (parameters: INodeParameters = {}): INodeParameters => ({
	engine: 'openai',
	authentication: 'openAiCompatibleApi',
	model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
	...parameters,
});

function extract(parameters: INodeParameters, texts: string[], extra: Partial<RunOptions> = {}) {
	return runNode({ type: 'extractInvoice', parameters: { inputType: 'text', text: '={{ $json.text }}', ...parameters }, items: texts.map((text) => ({ text })), credentials: openai.credentials(), ...extra });
}

/** The record without the values redaction touches. */
function nonPersonal(invoice: IDataObject): IDataObject {
	const { payment, ...rest } = invoice as IDataObject & { payment: IDataObject };
	return { ...rest, payment: { ...payment, iban: undefined } };
}

describe('Extract Invoice: Clean Input (text input)', () => {
	const HTML = `<html><head><style>p{color:red}</style></head><body>${INVOICE.split('\n').map((line) => `<p>${line.replace('&', '&amp;')}</p>`).join('')}<p>Thank you\u200b for your business</p></body></html>`;

	it('version 1: HTML read as it is, no ai.input; 1.1: HTML to text, Unicode normalised, nothing cut', async () => {
		const v1 = await extract({}, [HTML], { typeVersion: 1 });
		expectEveryItemOnce(v1, 1);
		expect((jsonOf(v1)[0].ai as IDataObject).input).toBeUndefined();
		const run = await extract({}, [HTML]);
		expectEveryItemOnce(run, 1);
		const input = inputOf(run)!;
		expect(input.cleaned).toMatchObject({ html: true, quotedHistory: false, signature: false, disclaimer: false });
		// One paragraph per <p>; the style head, tags and the zero-width space are gone, every line kept.
		expect(input.text).toBe(`${INVOICE}\nThank you for your business`.split('\n').join('\n\n'));
		expect(jsonOf(run)[0].invoice).toMatchObject({ invoiceId: 'INV-2024-0042', invoiceTotal: 119, currency: 'EUR' });
		expect(openai.server().stats.requests).toBe(0);
	});

	it('a plain text cleaning does not change: ai.input without a copy of the text', async () => {
		const run = await extract({}, [INVOICE]);
		expect(inputOf(run)).toMatchObject({ characters: expect.any(Number), language: expect.any(String), cleaned: { html: false } });
		expect(inputOf(run)!.text).toBeUndefined();
	});
});

describe('Extract Invoice: Redact Before the Model', () => {
	it('the model gets placeholders; the record gets the values back; the other fields are identical', async () => {
		const plain = await extract(withModel(), [INVOICE]);
		expectEveryItemOnce(plain, 1);
		expect(requests()[0]).toContain(ONE.email);
		openai.server().reset();

		const run = await extract(withModel({ redactBeforeModel: true }), [INVOICE]);
		expectEveryItemOnce(run, 1);
		for (const value of Object.values(ONE)) expect(requests().join('\n')).not.toContain(value);
		expect(requests()[0]).toContain('IBAN: [IBAN_1]');
		const invoice = jsonOf(run)[0].invoice as IDataObject;
		expect((invoice.payment as IDataObject).iban).toBe(ONE.iban);
		expect(nonPersonal(invoice)).toEqual(nonPersonal(jsonOf(plain)[0].invoice as IDataObject));
		expect(inputOf(run)!.redacted).toEqual({ email: 1, phone: 1, iban: 1, card: 1, nationalId: 0, custom: 0 });
		// The IBAN check ran on the restored value.
		const checks = (jsonOf(run)[0].ai as IDataObject).checks as Array<{ name: string; passed: boolean; skipped?: boolean }>;
		expect(checks.find((c) => c.name === 'ibanChecksum')).toMatchObject({ passed: true });
		expect(checks.find((c) => c.name === 'ibanChecksum')?.skipped).toBeUndefined();
	});

	it('page images are not sent while redacting, even with Send Page Images "All Pages"', async () => {
		const file = await fileItem('invoices/en-US-a.pdf', 'application/pdf');
		await runNode({ type: 'extractInvoice', parameters: withModel({ inputType: 'binary', redactBeforeModel: true, options: { pageImages: 'all' } }), items: [file], credentials: openai.credentials() });
		const content = openai.server().log[0].body.messages[1].content;
		expect(typeof content).toBe('string');
		expect(content).toMatch(/^--- Page 1 ---\n/);
	});

	it('the local engine and the confident cascade send nothing and redact nothing', async () => {
		const run = await extract({ engine: 'local', redactBeforeModel: true }, [INVOICE]);
		expect(inputOf(run)!.redacted).toBeUndefined();
		const cascade = await extract(withModel({ engine: 'cascade', cascadeThreshold: 0, redactBeforeModel: true }), [INVOICE]);
		expect(inputOf(cascade)!.redacted).toBeUndefined();
		expect(openai.server().stats.requests).toBe(0);
	});

	it('a bad custom pattern: the item and the fix; Continue On Fail keeps the item with the error', async () => {
		expectNodeError(await extract(withModel({ redactBeforeModel: true, redactCustomPatterns: '[' }), [INVOICE]), {
			message: /^Item 0: Custom redaction pattern 1 is not a valid regular expression/,
			description: /^Fix custom pattern 1/,
			itemIndex: 0,
		});
		const run = await extract(withModel({ redactBeforeModel: true, redactCustomPatterns: '[' }), [INVOICE], { onError: 'continueRegularOutput' });
		expectEveryItemOnce(run, 1);
		expect(jsonOf(run)[0]).toMatchObject({ text: INVOICE, error: expect.stringMatching(/^Item 0: Custom redaction pattern 1/), errorDescription: expect.stringMatching(/^Fix custom pattern 1/) });
		expect(openai.server().stats.requests).toBe(0);
	});
});
