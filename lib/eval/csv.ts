/**
 * RFC 4180 CSV reader: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF
 * line ends; a leading byte-order mark is ignored. Returns rows as objects keyed by the header.
 */

export function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let inQuotes = false;
	let fieldStarted = false;
	let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	for (; position < text.length; position++) {
		const char = text[position];
		if (inQuotes) {
			if (char !== '"') field += char;
			else if (text[position + 1] === '"') {
				field += '"';
				position++;
			} else inQuotes = false;
		} else if (char === '"' && !fieldStarted) {
			inQuotes = true;
			fieldStarted = true;
		} else if (char === ',') {
			row.push(field);
			field = '';
			fieldStarted = false;
		} else if (char === '\n' || char === '\r') {
			if (char === '\r' && text[position + 1] === '\n') position++;
			row.push(field);
			rows.push(row);
			row = [];
			field = '';
			fieldStarted = false;
		} else {
			field += char;
			fieldStarted = true;
		}
	}
	if (inQuotes) throw new Error('CSV ends inside a quoted field: a closing quote (") is missing');
	if (fieldStarted || row.length > 0) {
		row.push(field);
		rows.push(row);
	}
	return rows.filter((cells) => !(cells.length === 1 && cells[0] === ''));
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
