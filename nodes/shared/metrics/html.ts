/**
 * The report as one self-contained HTML page: inline CSS and SVG, no scripts, no external assets,
 * every text from the data escaped (labels and field names are user data).
 */
import type { MetricsReport } from './report';

export function escapeHtml(value: unknown): string {
	return String(value)
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

const pct = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`);
const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '–' : v.toFixed(digits));
const int = (v: number) => v.toLocaleString('en-US');
const money = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `$${v < 0.01 ? v.toPrecision(3) : v.toFixed(4)}`);

function card(title: string, value: string, hint = ''): string {
	return `<div class="card"><div class="t">${escapeHtml(title)}</div><div class="v">${escapeHtml(value)}</div>${hint ? `<div class="h">${escapeHtml(hint)}</div>` : ''}</div>`;
}

/** Heat map: rows are true labels, columns predicted labels; colour by share of the row. */
export function confusionSvg(report: MetricsReport): string {
	const { labels, matrix } = report.confusionMatrix;
	if (!labels.length) return '<p class="empty">No events with a known truth in this window.</p>';
	const shown = labels.slice(0, 30);
	const cell = Math.max(18, Math.min(44, Math.floor(560 / shown.length)));
	const margin = 120;
	const size = margin + cell * shown.length;
	const parts: string[] = [];
	shown.forEach((truth, r) => {
		const rowTotal = matrix[r].reduce((a, b) => a + b, 0) || 1;
		parts.push(
			`<text x="${margin - 6}" y="${margin + r * cell + cell / 2 + 4}" text-anchor="end" class="ax">${escapeHtml(truth.slice(0, 18))}</text>`,
		);
		shown.forEach((_, c) => {
			const value = matrix[r][c];
			const share = value / rowTotal;
			const colour = r === c ? `rgba(22,128,72,${0.12 + 0.88 * share})` : `rgba(200,40,40,${value ? 0.12 + 0.88 * share : 0.03})`;
			parts.push(
				`<rect x="${margin + c * cell}" y="${margin + r * cell}" width="${cell - 1}" height="${cell - 1}" fill="${colour}"><title>${escapeHtml(`true ${truth} → predicted ${shown[c]}: ${value}`)}</title></rect>`,
			);
			if (cell >= 26 && value) {
				parts.push(
					`<text x="${margin + c * cell + cell / 2}" y="${margin + r * cell + cell / 2 + 4}" text-anchor="middle" class="n">${value}</text>`,
				);
			}
		});
	});
	shown.forEach((predicted, c) => {
		const x = margin + c * cell + cell / 2;
		parts.push(
			`<text x="${x}" y="${margin - 6}" transform="rotate(-45 ${x} ${margin - 6})" class="ax">${escapeHtml(predicted.slice(0, 18))}</text>`,
		);
	});
	const note = labels.length > shown.length ? `<p class="h">First ${shown.length} of ${labels.length} labels shown; the JSON has all.</p>` : '';
	return `<svg role="img" aria-label="Confusion matrix" width="${size + 10}" height="${size + 10}" viewBox="0 0 ${size + 10} ${size + 10}">
<text x="4" y="14" class="ax">rows: true · columns: predicted</text>${parts.join('')}</svg>${note}`;
}

interface Series {
	points: Array<[number, number | null]>;
	colour: string;
	name: string;
}

/** A small line chart over x in [0,1] (or given range) and y in [0,1]. */
function lineChart(title: string, series: Series[], xLabel: string, yLabel: string, xRange: [number, number], diagonal = false): string {
	const w = 420;
	const h = 260;
	const m = { l: 44, r: 12, t: 16, b: 36 };
	const x = (v: number) => m.l + ((v - xRange[0]) / (xRange[1] - xRange[0] || 1)) * (w - m.l - m.r);
	const y = (v: number) => h - m.b - v * (h - m.t - m.b);
	const grid: string[] = [];
	for (let i = 0; i <= 4; i++) {
		const v = i / 4;
		grid.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${y(v)}" y2="${y(v)}" class="g"/>`);
		grid.push(`<text x="${m.l - 4}" y="${y(v) + 4}" text-anchor="end" class="ax">${(v * 100).toFixed(0)}%</text>`);
	}
	const paths = series.map((s) => {
		const segments: string[] = [];
		let open = false;
		for (const [px, py] of s.points) {
			if (py === null) {
				open = false;
				continue;
			}
			segments.push(`${open ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`);
			open = true;
		}
		const dots = s.points
			.filter(([, py]) => py !== null)
			.map(([px, py]) => `<circle cx="${x(px).toFixed(1)}" cy="${y(py as number).toFixed(1)}" r="2.5" fill="${s.colour}"/>`)
			.join('');
		return `<path d="${segments.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="2"/>${dots}`;
	});
	const legend = series
		.map((s, i) => `<rect x="${m.l + 8 + i * 130}" y="${m.t}" width="10" height="10" fill="${s.colour}"/><text x="${m.l + 22 + i * 130}" y="${m.t + 9}" class="ax">${escapeHtml(s.name)}</text>`)
		.join('');
	return `<figure><figcaption>${escapeHtml(title)}</figcaption><svg role="img" aria-label="${escapeHtml(title)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
${grid.join('')}${diagonal ? `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" class="d"/>` : ''}
<line x1="${m.l}" x2="${w - m.r}" y1="${y(0)}" y2="${y(0)}" class="a"/>
<text x="${m.l}" y="${h - 6}" class="ax">${escapeHtml(xLabel)}</text><text x="${w - m.r}" y="${h - 6}" text-anchor="end" class="ax">${escapeHtml(yLabel)}</text>
${paths.join('')}${legend}</svg></figure>`;
}

export function reliabilitySvg(report: MetricsReport): string {
	const points = report.calibration.bins
		.filter((b) => b.count > 0)
		.map((b) => [b.meanConfidence ?? (b.from + b.to) / 2, b.accuracy] as [number, number | null]);
	return lineChart(
		`Reliability diagram (ECE ${fixed(report.calibration.ece)})`,
		[{ points, colour: '#1f6feb', name: 'accuracy per bin' }],
		'confidence',
		'accuracy',
		[0, 1],
		true,
	);
}

export function overrideTimelineSvg(report: MetricsReport): string {
	const n = Math.max(1, report.overrideTimeline.length - 1);
	return lineChart(
		'Override rate over time',
		[
			{ points: report.overrideTimeline.map((b, i) => [i / n, b.overrideRate]), colour: '#c62828', name: 'override rate' },
			{ points: report.overrideTimeline.map((b, i) => [i / n, b.autoRate]), colour: '#2e7d32', name: 'auto-handled' },
		],
		report.window.from.slice(0, 16).replace('T', ' '),
		report.window.to.slice(0, 16).replace('T', ' '),
		[0, 1],
	);
}

export function thresholdSvg(report: MetricsReport): string {
	const points = report.thresholdWhatIf.points;
	return lineChart(
		'Threshold what-if',
		[
			{ points: points.map((p) => [p.threshold, p.autoRate]), colour: '#2e7d32', name: 'auto rate' },
			{ points: points.map((p) => [p.threshold, p.errorRate]), colour: '#c62828', name: 'error rate' },
		],
		'τ = 0.50',
		'τ = 0.99',
		[0.5, 0.99],
	);
}

/** Local vs LLM tier of cascade events and the estimated saving; nothing when no cascade event is in the window. */
export function cascadeSection(report: MetricsReport): string {
	const c = report.cascade;
	if (!c.items) return '';
	const saved = (value: number | null) => (value === null ? 'not estimable' : money(value));
	const partial =
		c.localItemsNotPriced > 0 && c.estimatedSavedUsd !== null
			? `covers ${int(c.localItemsPriced)} of ${int(c.localItems)} local items`
			: c.estimatedSavedUsd === null
				? 'no LLM-tier cost in the window to price local items by'
				: '';
	const rows = c.groups
		.map(
			(g) =>
				`<tr><td>${escapeHtml(g.workflowId)}</td><td>${escapeHtml(g.nodeName)}</td><td>${escapeHtml(g.step)}</td><td>${escapeHtml(g.task)}</td>` +
				`<td>${int(g.localItems)} (${pct(g.localShare)})</td><td>${int(g.llmItems)} (${pct(g.llmShare)})</td>` +
				`<td>${escapeHtml(money(g.llmCostUsd))}</td><td>${escapeHtml(money(g.meanLlmCostUsd))}</td><td>${escapeHtml(saved(g.estimatedSavedUsd))}</td></tr>`,
		)
		.join('');
	return `<h2>Cascade</h2><div class="cards">
${card('Answered locally', `${int(c.localItems)} (${pct(c.localShare)})`, `of ${int(c.items)} cascade items`)}
${card('Sent to the LLM', `${int(c.llmItems)} (${pct(c.llmShare)})`)}
${card('LLM cost spent', money(c.llmCostUsd))}
${card('Estimated saving', saved(c.estimatedSavedUsd), partial)}
</div>
<p class="h">${escapeHtml(c.method)}</p>
<table><tr><th>workflow</th><th>node</th><th>step</th><th>task</th><th>local</th><th>LLM</th><th>LLM cost</th><th>per LLM item</th><th>estimated saving</th></tr>${rows}</table>`;
}

/** Input drift per workflow, node and step: this window against the previous one, PSI by figure. */
export function inputDriftSection(report: MetricsReport): string {
	const d = report.inputDrift;
	if (!d.groups.length) {
		return `<h2>Input drift</h2><p class="empty">No input data (ai.input) in this window or the previous one.</p>${d.skipped.total ? `<p class="h">${int(d.skipped.total)} items with an invalid ai.input</p>` : ''}`;
	}
	const none = '<span class="empty">no input data</span>';
	const both = (g: (typeof d.groups)[number], show: (w: NonNullable<typeof g.current>) => string) =>
		`${g.previous ? escapeHtml(show(g.previous)) : none} → ${g.current ? escapeHtml(show(g.current)) : none}`;
	const languages = (w: NonNullable<(typeof d.groups)[number]['current']>) =>
		Object.entries(w.languages)
			.slice(0, 3)
			.map(([code, n]) => `${code} ${pct(n / w.items, 0)}`)
			.join(' ');
	const psiCell = (value: number | null, level: string | null) =>
		`<td class="${level ?? ''}">${value === null ? '–' : `${escapeHtml(fixed(value))}${level && level !== 'stable' ? ` ${escapeHtml(level)}` : ''}`}</td>`;
	const rows = d.groups
		.map(
			(g) =>
				`<tr><td>${escapeHtml([g.workflowId, g.nodeName, g.step].filter(Boolean).join(' / '))}</td>` +
				`<td>${both(g, (w) => int(w.items))}</td><td>${both(g, (w) => fixed(w.meanCharacters, 0))}</td>${psiCell(g.psi.length, g.levels.length)}` +
				`<td>${both(g, languages)}</td>${psiCell(g.psi.language, g.levels.language)}` +
				`<td>${both(g, (w) => `${fixed(w.unknownTokenShare.mean, 2)} / ${fixed(w.unknownTokenShare.median, 2)}`)}</td>${psiCell(g.psi.unknownTokenShare, g.levels.unknownTokenShare)}` +
				`<td>${both(g, (w) => pct(w.cleaned.share))}</td>${psiCell(g.psi.cleaned, g.levels.cleaned)}` +
				`<td>${g.current ? escapeHtml(int(g.current.redaction.values)) : none}</td></tr>`,
		)
		.join('');
	return `<h2>Input drift</h2>
<table><tr><th>workflow / node / step</th><th>items</th><th>mean characters</th><th>PSI</th><th>languages</th><th>PSI</th><th>unknown words mean / median</th><th>PSI</th><th>cleaned away</th><th>PSI</th><th>values redacted</th></tr>${rows}</table>
<p class="h">previous window → this window. ${escapeHtml(d.method)}${d.skipped.total ? ` ${escapeHtml(int(d.skipped.total))} items with an invalid ai.input were logged without input statistics.` : ''}</p>`;
}

export function renderReportHtml(report: MetricsReport, title = 'AI workflow metrics'): string {
	const alerts = report.alerts.length
		? `<ul class="alerts">${report.alerts.map((a) => `<li class="${a.severity}"><b>${escapeHtml(a.severity)}</b> ${escapeHtml(a.message)}</li>`).join('')}</ul>`
		: '<p class="ok">No drift alerts against the previous window.</p>';
	const labelRows = report.perLabel
		.map(
			(l) =>
				`<tr><td>${escapeHtml(l.label)}</td><td>${int(l.support)}</td><td>${int(l.predicted)}</td><td>${pct(l.precision)}</td><td>${pct(l.recall)}</td><td>${fixed(l.f1)}</td></tr>`,
		)
		.join('');
	const fieldRows = report.fieldAccuracy
		.map((f) => `<tr><td>${escapeHtml(f.field)}</td><td>${int(f.total)}</td><td>${pct(f.accuracy)}</td><td>${fixed(f.meanConfidence)}</td></tr>`)
		.join('');
	const skipped = Object.entries(report.skipped)
		.filter(([k]) => k !== 'total')
		.map(([k, v]) => `${k}: ${v}`)
		.join(', ');
	const filters = Object.entries(report.filters)
		.filter(([, v]) => v !== undefined && v !== '')
		.map(([k, v]) => `${k} = ${v}`)
		.join(', ');
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1f24;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.sub{color:#57606a}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;min-width:130px}
.card .t{color:#57606a;font-size:12px}.card .v{font-size:20px;font-weight:600}.card .h,.h{color:#57606a;font-size:12px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px}figcaption{font-weight:600;margin-bottom:4px}
svg .ax{font-size:10px;fill:#57606a}svg .n{font-size:10px;fill:#1b1f24}svg .g{stroke:#eaeef2}svg .a{stroke:#8c959f}svg .d{stroke:#8c959f;stroke-dasharray:4 3}
.alerts li.critical{color:#b42318}.alerts li.warning{color:#9a6700}td.alert{color:#b42318;font-weight:600}td.notable{color:#9a6700}.ok{color:#1a7f37}.empty{color:#57606a}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<div class="sub">${escapeHtml(report.window.from)} → ${escapeHtml(report.window.to)} · truth: ${escapeHtml(report.truthSource)}${filters ? ` · ${escapeHtml(filters)}` : ''}</div>
<h2>Overview</h2><div class="cards">
${card('Events', int(report.volume), `previous window ${int(report.previous.volume)}`)}
${card('Auto-handled', pct(report.autoHandledRate))}
${card('Sent to review', pct(report.reviewRate))}
${card('Override rate', pct(report.overrideRate), `${int(report.counts.overridden)} of ${int(report.counts.reviewed)} reviewed`)}
${card('Accuracy', pct(report.accuracy), `${int(report.counts.withTruth)} with known truth`)}
${card('Macro F1', fixed(report.macro.f1))}
${card('ECE', fixed(report.calibration.ece))}
${card('Latency p50 / p95 / p99', `${report.latencyMs.p50 ?? '–'} / ${report.latencyMs.p95 ?? '–'} / ${report.latencyMs.p99 ?? '–'} ms`)}
${card('Cost per item', money(report.costUsd.perItem), `per auto-handled ${money(report.costUsd.perAutoHandledItem)}`)}
${card('Tokens per item', fixed(report.tokens.perItem, 1))}
${card('Throughput', `${fixed(report.throughput.perHour, 1)}/h`)}
${card('Skipped items', int(report.skipped.total), skipped)}
</div>
${cascadeSection(report)}
<h2>Drift alerts</h2>${alerts}
${inputDriftSection(report)}
<h2>Charts</h2><div class="charts">
<figure><figcaption>Confusion matrix</figcaption>${confusionSvg(report)}</figure>
${reliabilitySvg(report)}${overrideTimelineSvg(report)}${thresholdSvg(report)}
</div>
<p class="h">Threshold meeting a ${pct(report.thresholdWhatIf.targetErrorRate)} error rate: ${report.thresholdWhatIf.recommendedThreshold ?? 'none in 0.50–0.99'}</p>
<h2>Per label</h2>
<table><tr><th>label</th><th>support</th><th>predicted</th><th>precision</th><th>recall</th><th>F1</th></tr>${labelRows}
<tr><td>macro</td><td></td><td></td><td>${pct(report.macro.precision)}</td><td>${pct(report.macro.recall)}</td><td>${fixed(report.macro.f1)}</td></tr>
<tr><td>micro</td><td></td><td></td><td>${pct(report.micro.precision)}</td><td>${pct(report.micro.recall)}</td><td>${fixed(report.micro.f1)}</td></tr></table>
${fieldRows ? `<h2>Per field (reviewed extractions)</h2><table><tr><th>field</th><th>reviewed</th><th>accuracy</th><th>mean confidence</th></tr>${fieldRows}</table>` : ''}
</body></html>
`;
}
