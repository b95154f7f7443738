/**
 * Documents one at a time where they take the CPU, everything after that at once: each item is read
 * (pdf.js, OCR, page rendering, local extraction) in one turn of a one-slot queue, then finished
 * (model requests) outside it. Items are started in turn with the event loop handed back now and
 * then (see startInTurn), so the first document's request leaves while later ones are still being
 * read, instead of after all of them.
 */
import { Semaphore } from '../llm/runner';
import { startInTurn } from '../startInTurn';

export interface DocumentSteps<Read, Result> {
	/** All CPU-heavy work of one item, in one turn: re-entering the queue would wait behind every other item's reading. */
	read(itemIndex: number): Promise<Read>;
	finish(itemIndex: number, read: Read): Promise<Result>;
}

export async function processDocumentsInTurn<Read, Result>(count: number, steps: DocumentSteps<Read, Result>): Promise<Array<PromiseSettledResult<Result>>> {
	const reading = new Semaphore(1);
	return await startInTurn(count, async (itemIndex): Promise<PromiseSettledResult<Result>> => {
		try {
			const read = await reading.run(() => steps.read(itemIndex));
			return { status: 'fulfilled', value: await steps.finish(itemIndex, read) };
		} catch (reason) {
			return { status: 'rejected', reason };
		}
	});
}
