/**
 * Input preparation inside a real n8n (each supported version), against the OpenAI-compatible test
 * server, which records every request body: with Redact Before the Model the server never receives
 * an original personal value (e-mail addresses, phone numbers, IBANs, card numbers put in the texts
 * and context fields); Extract Invoice's non-personal fields are identical with redaction on and
 * off, and the personal ones come back restored; AI Classify 1.1 classifies an e-mail with quoted
 * history from its cleaned text (the server sees no history) and the item's ai.input shows it, while
 * a version-1 node (n8n resolves its defaults per version) still sends the text as it is.
 */
import { describeEachN8nVersion, type N8nInstance } from '../harness/n8n';
import { startFakeOpenAi, type FakeOpenAi } from '../support/openaiServer';
import { INVOICE_WITH_PERSONAL_DATA, PERSONAL, PERSONAL_VALUES } from '../support/personalData';
import { ourNode, splitOut, webhook, workflow } from '../support/workflow';

jest.setTimeout(10 * 60_000);

const API_KEY = 'sk-test-prepare-0123456789';
const CREDENTIAL = { apiKey: API_KEY, organization: '', customHeaders: '{}', allowedHttpRequestDomains: 'all' };

const CATEGORIES = [
	{ name: 'billing', description: 'invoice charge charged payment card bill twice' },
	{ name: 'shipping', description: 'delivery parcel tracking shipped courier late' },
];

/** A reply with personal data on top of a quoted message about something else. */
const REPLY = [
	`Hello, I was charged twice on my card ${PERSONAL.cards[0]} for the same invoice.`,
	`Please refund it to ${PERSONAL.ibans[0]} or call me on ${PERSONAL.phones[0]}.`,
	'',
	'Best regards,',
	'Anna',
	'',
	`On Mon, 3 Mar 2025 at 10:12, Support <${PERSONAL.emails[1]}> wrote:`,
	'> Your parcel tracking shows the courier delivery is late.',
	'> Where is my parcel? Tracking delivery courier parcel late.',
].join('\n');
const REPLY_CLEANED = [REPLY.split('\n')[0], REPLY.split('\n')[1]].join('\n');

const TICKETS = [
	{ text: REPLY, customer: { email: PERSONAL.emails[0], phone: PERSONAL.phones[1] } },
	{ text: `Card ${PERSONAL.cards[1]} was charged for an invoice I never got. Mail ${PERSONAL.emails[0]}, IBAN ${PERSONAL.ibans[1]}.`, customer: { email: PERSONAL.emails[1], phone: PERSONAL.phones[0] } },
];

const INVOICE = INVOICE_WITH_PERSONAL_DATA;

interface Input {
	characters: number;
	language: string;
	text?: string;
	cleaned?: { html: boolean; quotedHistory: boolean; signature: boolean };
	redacted?: Record<string, number>;
}
interface Item {
	ai: { label?: string; engine: string; input?: Input };
	invoice?: Record<string, unknown> & { payment: Record<string, unknown> };
	error?: string;
}

/** Every value, as written and without its spaces or dashes, in no request the server received. */
function expectNoPersonalValue(fake: FakeOpenAi) {
	expect(fake.log.length).toBeGreaterThan(0);
	for (const entry of fake.log) {
		const body = JSON.stringify(entry.body);
		for (const value of PERSONAL_VALUES) {
			expect(body).not.toContain(value);
			expect(body).not.toContain(value.replace(/[ -]/g, ''));
		}
	}
}

describeEachN8nVersion('input preparation', (getN8n) => {
	let fake: FakeOpenAi;
	let credentialId: string;
	let counter = 0;

	beforeAll(async () => {
		fake = await startFakeOpenAi({ apiKey: API_KEY, seed: 3 });
		credentialId = await getN8n().createCredential('Prepare test server', 'openAiCompatibleApi', { ...CREDENTIAL, baseUrl: fake.baseUrl });
	});
	afterAll(async () => fake?.close());
	beforeEach(() => fake.reset());

	async function deploy(n8n: N8nInstance, typeName: 'aiClassify' | 'extractInvoice', typeVersion: number, parameters: Record<string, unknown>) {
		const path = `prepare-${typeName}-${++counter}-${Date.now()}`;
		const name = typeName === 'aiClassify' ? 'AI Classify' : 'Extract Invoice';
		const id = await n8n.createWorkflow(
			workflow(
				`Input preparation ${counter}`,
				[
					webhook('Webhook', path),
					splitOut('Split', 'body.items'),
					ourNode(name, typeName, { authentication: 'openAiCompatibleApi', model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, text: '={{ $json.text }}', options: {}, ...parameters }, {
						typeVersion,
						credentials: { openAiCompatibleApi: { id: credentialId, name: 'Prepare test server' } },
					}),
				],
				{ Webhook: [['Split']], Split: [[name]] },
			),
		);
		await n8n.activate(id);
		await n8n.waitForWebhook(path, 'POST');
		return async (items: unknown[]) => {
			const { response, execution } = await n8n.runWebhook<Item[]>(id, path, { method: 'POST', body: { items } });
			expect(execution.status).toBe('success');
			return response.body;
		};
	}

	describe('AI Classify', () => {
		const parameters = { engine: 'openai', categories: { category: CATEGORIES }, outputMode: 'single', fallback: 'none' };

		it('1.1 with redaction: no personal value of the texts or the context fields reaches the server; counts on the item', async () => {
			const run = await deploy(getN8n(), 'aiClassify', 1.1, { ...parameters, contextFields: 'customer', redactBeforeModel: true });
			const items = await run(TICKETS);
			expect(items).toHaveLength(2);
			expectNoPersonalValue(fake);
			expect(JSON.stringify(fake.log.map((entry) => entry.body))).toContain('[EMAIL_1]');
			expect(items[0].ai.input!.redacted).toMatchObject({ email: 1, phone: 2, iban: 1, card: 1 });
			expect(items[1].ai.input!.redacted).toMatchObject({ email: 2, phone: 1, iban: 1, card: 1 });
			expect(items.map((item) => item.ai.label)).toEqual(['billing', 'billing']);
		});

		it('1.1 classifies an e-mail with quoted history from its cleaned text; ai.input shows it', async () => {
			const run = await deploy(getN8n(), 'aiClassify', 1.1, parameters);
			const [item] = await run([{ text: REPLY }]);
			expect(fake.log).toHaveLength(1);
			const user = JSON.stringify(fake.log[0].body.messages.at(-1).content);
			expect(user).toContain('charged twice');
			expect(user).not.toMatch(/parcel|courier|wrote:|Best regards/);
			expect(item.ai.label).toBe('billing');
			expect(item.ai.input).toMatchObject({ language: 'en', text: REPLY_CLEANED, characters: REPLY_CLEANED.length, cleaned: { quotedHistory: true, signature: true, html: false } });
		});

		it('a version-1 node keeps its behaviour: the text as it is, no ai.input', async () => {
			const run = await deploy(getN8n(), 'aiClassify', 1, parameters);
			const [item] = await run([{ text: REPLY }]);
			expect(JSON.stringify(fake.log[0].body.messages.at(-1).content)).toContain('parcel tracking');
			expect(item.ai.input).toBeUndefined();
		});
	});

	describe('Extract Invoice', () => {
		it('the non-personal fields are identical with redaction on and off; the personal ones are restored; nothing personal reaches the server', async () => {
			const plain = await deploy(getN8n(), 'extractInvoice', 1.1, { engine: 'openai', inputType: 'text' });
			const [without] = await plain([{ text: INVOICE }]);
			expect(JSON.stringify(fake.log[0].body)).toContain(PERSONAL.emails[0]);
			fake.reset();

			const redacting = await deploy(getN8n(), 'extractInvoice', 1.1, { engine: 'openai', inputType: 'text', redactBeforeModel: true });
			const [withRedaction] = await redacting([{ text: INVOICE }]);
			expectNoPersonalValue(fake);
			expect(withRedaction.error).toBeUndefined();
			expect(withRedaction.invoice!.payment.iban).toBe(PERSONAL.ibans[0]);
			expect(withRedaction.invoice).toEqual(without.invoice);
			expect(withRedaction.invoice).toMatchObject({ invoiceId: 'INV-2024-0042', invoiceTotal: 119, currency: 'EUR' });
			expect(withRedaction.ai.input!.redacted).toEqual({ email: 1, phone: 1, iban: 1, card: 1, nationalId: 0, custom: 0 });
			expect(without.ai.input!.redacted).toBeUndefined();
		});
	});
});
