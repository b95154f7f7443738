import type { DocumentPage, PositionedWord } from '../documents/types';

/** Words that sit close together on one line: a label, a value, a table cell. */
export interface Segment {
	text: string;
	words: PositionedWord[];
	x0: number;
	x1: number;
	y0: number;
	y1: number;
	page: number;
	line: number;
}

export interface Line {
	index: number;
	page: number;
	y0: number;
	y1: number;
	text: string;
	words: PositionedWord[];
	segments: Segment[];
}

const median = (values: number[]): number => {
	if (values.length === 0) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
};

/** Smallest and largest of a value over words, in a loop: a line may hold more words than a call takes arguments. */
function lowest(words: PositionedWord[], value: (w: PositionedWord) => number): number {
	let result = Infinity;
	for (const word of words) result = Math.min(result, value(word));
	return result;
}
function highest(words: PositionedWord[], value: (w: PositionedWord) => number): number {
	let result = -Infinity;
	for (const word of words) result = Math.max(result, value(word));
	return result;
}

function makeSegment(words: PositionedWord[], page: number, line: number): Segment {
	return {
		text: words.map((w) => w.text).join(' '),
		words,
		x0: lowest(words, (w) => w.x0),
		x1: highest(words, (w) => w.x1),
		y0: lowest(words, (w) => w.y0),
		y1: highest(words, (w) => w.y1),
		page,
		line,
	};
}

/** Groups a page's words into reading-order lines, each split into segments at wide gaps. */
export function buildLines(pages: DocumentPage[]): Line[] {
	const lines: Line[] = [];
	for (const page of pages) {
		const words = page.words.filter((w) => w.text.trim());
		const typicalHeight = median(words.map((w) => w.y1 - w.y0)) || 10;
		const sorted = [...words].sort((a, b) => (a.y0 + a.y1) / 2 - (b.y0 + b.y1) / 2 || a.x0 - b.x0);
		const groups: PositionedWord[][] = [];
		let current: PositionedWord[] = [];
		let centre = -Infinity;
		// A running sum: recomputing the mean over the line for every word is quadratic on long lines.
		let centres = 0;
		for (const word of sorted) {
			const wordCentre = (word.y0 + word.y1) / 2;
			if (current.length && Math.abs(wordCentre - centre) > typicalHeight * 0.45) {
				groups.push(current);
				current = [];
				centres = 0;
			}
			current.push(word);
			centres += wordCentre;
			centre = centres / current.length;
		}
		if (current.length) groups.push(current);
		for (const group of groups) {
			group.sort((a, b) => a.x0 - b.x0);
			const height = median(group.map((w) => w.y1 - w.y0)) || typicalHeight;
			const index = lines.length;
			const segments: Segment[] = [];
			let run: PositionedWord[] = [group[0]];
			for (let i = 1; i < group.length; i++) {
				const gap = group[i].x0 - group[i - 1].x1;
				if (gap > height * 0.85) {
					segments.push(makeSegment(run, page.number, index));
					run = [];
				}
				run.push(group[i]);
			}
			segments.push(makeSegment(run, page.number, index));
			lines.push({
				index,
				page: page.number,
				y0: lowest(group, (w) => w.y0),
				y1: highest(group, (w) => w.y1),
				text: segments.map((s) => s.text).join('  '),
				words: group,
				segments,
			});
		}
	}
	return lines;
}
