/**
 * Speed of input preparation on one core: cleaning 10,000 typical e-mails from the generated corpus
 * (test/support/emailCorpus.ts, every client × language × plain/HTML, replies and forwards), then
 * redaction and the full prepareInput (clean + language + redact) on the same e-mails.
 *   npm run bench:prepare [-- --emails 10000]
 * The goal: cleaning 10,000 e-mails in under 5 s.
 */
import { cleanText } from '../nodes/shared/prepare/clean';
import { prepareInput } from '../nodes/shared/prepare';
import { redact } from '../nodes/shared/prepare/redact';
import { generateEmail } from '../test/support/emailCorpus';

const argv = process.argv.slice(2);
const count = Number(argv.includes('--emails') ? argv[argv.indexOf('--emails') + 1] : 10_000);
/** Distinct e-mails cycled through (the corpus is deterministic; 448 covers every combination twice). */
const DISTINCT = 448;
const corpus = Array.from({ length: DISTINCT }, (_, i) => generateEmail(i));
const emails = corpus.map((e) => e.raw);
const at = (i: number): string => emails[i % DISTINCT];
const averageKb = emails.reduce((sum, e) => sum + e.length, 0) / DISTINCT / 1024;

function time(label: string, run: (i: number) => unknown): number {
	for (let i = 0; i < 300; i++) run(i); // warm-up: regexes compiled, JIT settled
	const started = performance.now();
	for (let i = 0; i < count; i++) run(i);
	const seconds = (performance.now() - started) / 1000;
	console.log(`${label.padEnd(38)} ${seconds.toFixed(2)} s total, ${((seconds * 1000) / count).toFixed(3)} ms/e-mail`);
	return seconds;
}

console.log(`Input preparation, ${count} e-mails (${DISTINCT} distinct, ${averageKb.toFixed(1)} KB on average), one core, Node ${process.version}`);
const html = corpus.filter((e) => e.format === 'html').length;
console.log(`  ${html} of ${DISTINCT} distinct e-mails are HTML`);
const cleaning = time('clean (message mode)', (i) => cleanText(at(i), { mode: 'message' }));
// Real Outlook/Word HTML carries tens of KB of style definitions and conditional comments in <head>.
const wordStyle = Array.from({ length: 300 }, (_, i) => `p.MsoNormal${i}, li.MsoNormal${i} {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif; mso-fareast-language:EN-US;}`).join('\n');
const heavy = corpus.filter((e) => e.format === 'html').map((e) => e.raw.replace(/<head>|<html>/, (tag) => `${tag}<style><!--\n${wordStyle}\n--></style><!--[if gte mso 9]><xml><o:shapedefaults v:ext="edit" spidmax="1026" /></xml><![endif]-->`));
console.log(`  heavy HTML variant: ${(heavy.reduce((sum, e) => sum + e.length, 0) / heavy.length / 1024).toFixed(1)} KB on average`);
time('clean, heavy HTML (Word <style>)', (i) => cleanText(heavy[i % heavy.length], { mode: 'message' }));
const cleaned = emails.map((e) => cleanText(e, { mode: 'message' }).text);
time('redact (cleaned text)', (i) => redact(cleaned[i % DISTINCT]));
time('redact, default country DE', (i) => redact(cleaned[i % DISTINCT], { defaultCountry: 'DE' }));
time('prepareInput (clean+language+redact)', (i) => prepareInput(at(i), { clean: 'message', redaction: {} }));
console.log(cleaning < 5 ? `goal met: cleaning ${count} e-mails in ${cleaning.toFixed(2)} s < 5 s` : `GOAL MISSED: cleaning took ${cleaning.toFixed(2)} s (goal < 5 s)`);
