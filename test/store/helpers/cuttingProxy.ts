/**
 * A TCP proxy in front of PostgreSQL that can lose a reply: after forwarding a client message that
 * matches a pattern it drops everything the server answers and cuts both connections. The server
 * executes (and commits) what it received; the client only sees its connection end — the ambiguous
 * failure a crash between COMMIT and its acknowledgement causes.
 */
import * as net from 'node:net';

export interface CuttingProxy {
	port: number;
	/** The next client message matching `pattern` is delivered, its reply lost, its connection cut. */
	cutAfter(pattern: RegExp): void;
	/** How many connections were cut so far. */
	cuts(): number;
	close(): Promise<void>;
}

export async function startCuttingProxy(target: { host: string; port: number }, settleMs = 300): Promise<CuttingProxy> {
	let pattern: RegExp | undefined;
	let cuts = 0;
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		const upstream = net.connect(target.port, target.host);
		let replyLost = false;
		for (const socket of [client, upstream]) {
			sockets.add(socket);
			socket.on('error', () => {});
			socket.on('close', () => {
				sockets.delete(socket);
				client.destroy();
				upstream.destroy();
			});
		}
		client.on('data', (chunk) => {
			upstream.write(chunk);
			if (pattern && pattern.test(chunk.toString('latin1'))) {
				pattern = undefined;
				cuts++;
				replyLost = true;
				// Long enough for the server to finish the statement it was given.
				setTimeout(() => client.destroy(), settleMs);
			}
		});
		upstream.on('data', (chunk) => {
			if (!replyLost) client.write(chunk);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as net.AddressInfo).port,
		cutAfter: (next) => (pattern = next),
		cuts: () => cuts,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
