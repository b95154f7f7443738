/**
 * CSV files of labelled texts (RFC 4180: quoted fields may hold commas, doubled quotes and line
 * breaks; CRLF or LF; a byte-order mark is ignored), read with csv-parse.
 */
import { parse } from 'csv-parse/sync';

export function parseCsv(text: string): string[][] {
	try {
		return (parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n', '\r'] }) as string[][]).filter(
			(cells) => !(cells.length === 1 && cells[0] === ''),
		);
	} catch (error) {
		const message = (error as Error).message;
		if (/quote/i.test(message) && /EOF|end of|not closed|Invalid Closing/i.test(message)) {
			throw new Error(`CSV ends inside a quoted field: a closing quote (") is missing (${message})`);
		}
		throw new Error(`CSV cannot be read: ${message}`);
	}
}

export function parseCsvRecords(text: string): { header: string[]; records: Record<string, string>[] } {
	const [header, ...rows] = parseCsv(text);
	if (!header) throw new Error('CSV is empty: expected a header line');
	const records = rows.map((cells, index) => {
		if (cells.length !== header.length) {
			throw new Error(
				`CSV row ${index + 2} has ${cells.length} fields but the header has ${header.length}: check its quoting`,
			);
		}
		return Object.fromEntries(header.map((name, column) => [name, cells[column]]));
	});
	return { header, records };
}
