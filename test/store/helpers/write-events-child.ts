/** Child process of the concurrency test: writes `count` events in batches to a SQLite store. */
import { openStore } from '../../../nodes/shared/store';

async function main() {
	const [path, name, count, batch] = process.argv.slice(2);
	const store = await openStore({ kind: 'sqlite', path });
	let written = 0;
	let duplicates = 0;
	for (let start = 0; start < Number(count); start += Number(batch)) {
		const events = Array.from({ length: Math.min(Number(batch), Number(count) - start) }, (_, i) => ({
			eventKey: `${name}/${start + i}`,
			workflowId: 'wf',
			executionId: name,
			nodeName: 'Metrics',
			itemIndex: start + i,
			at: new Date().toISOString(),
			label: 'x',
			confidence: 0.5,
		}));
		const result = await store.writeEvents(events);
		written += result.written;
		duplicates += result.duplicates;
	}
	await store.close();
	console.log(JSON.stringify({ written, duplicates }));
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
