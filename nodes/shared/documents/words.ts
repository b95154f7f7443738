import type { PositionedWord } from './types';

/**
 * Splits a run of text drawn at one position into words, sharing the run's width between the
 * characters (the PDF text layer gives boxes per run, not per word).
 */
export function splitRun(
	run: string,
	box: { x0: number; y0: number; x1: number; y1: number },
	page: number,
	confidence = 1,
): PositionedWord[] {
	const words: PositionedWord[] = [];
	if (run.length === 0) return words;
	const charWidth = (box.x1 - box.x0) / run.length;
	const pattern = /\S+/g;
	let match: RegExpExecArray | null;
	while ((match = pattern.exec(run)) !== null) {
		words.push({
			text: match[0],
			page,
			x0: box.x0 + match.index * charWidth,
			x1: box.x0 + (match.index + match[0].length) * charWidth,
			y0: box.y0,
			y1: box.y1,
			confidence,
		});
	}
	return words;
}

/** Words of plain text (no layout known): one line per text line, a fixed character grid. */
export function wordsFromPlainText(text: string): PositionedWord[] {
	const words: PositionedWord[] = [];
	text.split(/\r?\n/).forEach((line, lineIndex) => {
		const expanded = line.replace(/\t/g, '    ');
		const y0 = lineIndex * 12;
		// One by one: a long line may hold more words than a call can take as arguments.
		for (const word of splitRun(expanded, { x0: 0, y0, x1: expanded.length * 6, y1: y0 + 10 }, 1)) words.push(word);
	});
	return words;
}
