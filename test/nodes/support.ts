/**
 * Helpers of the in-process node tests (test/nodes): what several node files need around
 * test/harness/inProcess.ts — n8n's visible error, items per output, SQLite stores in a temp folder,
 * files as n8n puts them on items, a notification inbox and the OpenAI-compatible test server.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';

import { closeAllStores } from '../../nodes/shared/store';
import { prepareBinary, type NodeRun } from '../harness/inProcess';
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiOptions } from '../support/openaiServer';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** The json of the items of one output. */
export function jsonOf(run: NodeRun, output = 0): IDataObject[] {
	return (run.outputs[output] ?? []).map((item) => item.json);
}

/** Input item indexes per output, as n8n pairs them (`pairedItem: { item }`). */
export function pairedPerOutput(run: NodeRun): number[][] {
	return run.outputs.map((items) =>
		items.map((item) => {
			const paired = item.pairedItem;
			if (typeof paired === 'object' && paired !== null && !Array.isArray(paired)) return paired.item;
			throw new Error(`item without a single pairedItem: ${JSON.stringify(paired)}`);
		}),
	);
}

/** Every input item left exactly once, on some output: nothing dropped, nothing doubled. */
export function expectEveryItemOnce(run: NodeRun, itemCount: number): void {
	expect(run.error).toBeUndefined();
	expect(pairedPerOutput(run).flat().sort((a, b) => a - b)).toEqual(Array.from({ length: itemCount }, (_, i) => i));
}

export interface ExpectedError {
	message: string | RegExp;
	/** How to fix it: n8n shows it under the message. */
	description?: string | RegExp;
	/** The item n8n names in the error (undefined: whatever the node says). */
	itemIndex?: number;
	/** The HTTP status a NodeApiError carries. */
	httpCode?: string;
}

/** The execution stopped at the node with n8n's error as the user sees it, and no output. */
export function expectNodeError(run: NodeRun, expected: ExpectedError): void {
	expect(run.error).toBeDefined();
	expect(run.outputs.flat()).toEqual([]);
	const error = run.error!;
	const matches = (value: unknown, wanted: string | RegExp) =>
		typeof wanted === 'string' ? expect(value).toBe(wanted) : expect(value).toMatch(wanted);
	matches(error.message, expected.message);
	if (expected.description !== undefined) matches(error.description, expected.description);
	if (expected.itemIndex !== undefined) expect((error.context as IDataObject | undefined)?.itemIndex).toBe(expected.itemIndex);
	if (expected.httpCode !== undefined) expect(error.httpCode).toBe(expected.httpCode);
}

/** A temp folder for the file's stores and files, removed (stores closed) after the file's tests. */
export function useTempFolder(prefix: string): { dir(): string; store(name?: string): { storeType: 'sqlite'; storePath: string } } {
	let dir: string | undefined;
	let count = 0;
	beforeAll(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), `aiw-${prefix}-`));
	});
	afterAll(async () => {
		await closeAllStores();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});
	return {
		dir: () => dir!,
		/** Store parameters of a fresh SQLite file (or a named one, to share it between runs). */
		store: (name?: string) => ({ storeType: 'sqlite', storePath: path.join(dir!, `${name ?? `store-${++count}`}.sqlite`) }),
	};
}

/** An item with a file on it, stored by n8n-core as n8n 2.x stores an upload. */
export async function fileItem(
	file: string | Buffer,
	mimeType: string,
	options: { property?: string; fileName?: string; json?: IDataObject } = {},
): Promise<INodeExecutionData> {
	const data = typeof file === 'string' ? fs.readFileSync(path.isAbsolute(file) ? file : path.join(FIXTURES, file)) : file;
	const fileName = options.fileName ?? (typeof file === 'string' ? path.basename(file) : undefined);
	return { json: options.json ?? {}, binary: { [options.property ?? 'data']: await prepareBinary(data, { mimeType, fileName }) } };
}

/** Stands in for Slack & co.: records what is posted to it; can refuse the next few posts. */
export interface Inbox {
	url: string;
	posts: IDataObject[];
	/** The next this many posts are refused (with Retry-After: 0, so retries do not sleep)… */
	failNext: number;
	/** …with this status (default 503). */
	failStatus: number;
}

export function useInbox(): Inbox {
	const inbox: Inbox = { url: '', posts: [], failNext: 0, failStatus: 503 };
	let server: http.Server;
	beforeAll(async () => {
		server = http.createServer((req, res) => {
			let body = '';
			req.on('data', (chunk) => (body += chunk));
			req.on('end', () => {
				if (inbox.failNext > 0) {
					inbox.failNext--;
					res.writeHead(inbox.failStatus, { 'retry-after': '0' }).end('busy');
					return;
				}
				inbox.posts.push(JSON.parse(body) as IDataObject);
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		inbox.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
	});
	beforeEach(() => {
		inbox.posts.length = 0;
		inbox.failNext = 0;
		inbox.failStatus = 503;
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	});
	return inbox;
}

/** A store file no store can be opened at: its folder would be inside a file (ENOTDIR, nothing written). */
export const UNOPENABLE_STORE = { storeType: 'sqlite', storePath: path.join(FIXTURES, 'invoice2data', 'oyo.pdf', 'store.sqlite') } as const;
export const UNOPENABLE_STORE_FIX = 'Check that the folder exists and n8n may write to it, or set another store file path.';

/** A port nothing listens on (the discard port): connections are refused at once. */
export const UNREACHABLE_BASE_URL = 'http://127.0.0.1:9/v1';

export interface OpenAiFixture {
	server(): FakeOpenAi;
	/** The package's credential for the server, with the server's key unless one is given. */
	credentials(overrides?: ICredentialDataDecryptedObject): { openAiCompatibleApi: ICredentialDataDecryptedObject };
	apiKey: string;
}

/** The OpenAI-compatible test server on 127.0.0.1 for the file's tests, reset before each test. */
export function useOpenAiServer(options: FakeOpenAiOptions & { apiKey: string }): OpenAiFixture {
	let fake: FakeOpenAi | undefined;
	beforeAll(async () => {
		fake = await startFakeOpenAi(options);
	});
	beforeEach(() => {
		fake!.configure({ faults: {}, respond: undefined, latencyMs: 0 });
		fake!.reset();
	});
	afterAll(async () => fake?.close());
	return {
		apiKey: options.apiKey,
		server: () => fake!,
		credentials: (overrides = {}) => ({
			openAiCompatibleApi: { apiKey: options.apiKey, baseUrl: fake!.baseUrl, organization: '', customHeaders: '{}', ...overrides },
		}),
	};
}
