#!/usr/bin/env node
// n8n's community package scanner (@n8n/scan-community-package), run offline from its own code: the
// same ESLint configuration (its buildScanConfig), the same files and options as its analyzePackage,
// on this repository's node and credential sources and on the packed tarball (npm pack, extracted as
// n8n extracts it). The scanner's npm download, provenance and GitHub steps are left out: they need a
// published version. Every finding must be fixed or answered below (README "n8n's community scanner"
// gives the same answers); the command fails on a crash, an unanswered finding or a README without
// the answer.  Usage: node scripts/scan-community-package.mjs [--keep] (called by npm run lint)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCANNER_VERSION = '0.32.0';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = process.env.AIW_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'n8n-nodes-ai-workflow');

/**
 * The findings this package answers instead of fixing, by rule, with where they may occur and why.
 * n8n's scanner applies its n8n Cloud rules to every package; this one is for self-hosted n8n.
 */
export const ANSWERS = [
	{
		rule: '@n8n/community-nodes/no-restricted-imports',
		where: /.*/,
		why: 'n8n Cloud rule. The package needs files (SQLite store, OCR data), the network (model endpoints, review notifications) and its libraries (openai, pdf.js, tesseract.js, pg, zod); self-hosted n8n allows them.',
	},
	{
		rule: '@n8n/community-nodes/no-restricted-globals',
		where: /.*/,
		why: 'n8n Cloud rule. Timers pace retries and yield to n8n between items, `process` reads the n8n user folder and version; n8n-workflow\'s sleep is not used in the n8n-free cores.',
	},
	{
		rule: '@n8n/community-nodes/no-runtime-dependencies',
		where: /^package\.json$/,
		why: 'n8n Cloud rule. The engines and the store run on libraries that n8n does not ship; n8n installs them with the package.',
	},
	{
		rule: '@n8n/community-nodes/require-node-api-error',
		where: /^(dist\/)?nodes\/shared\//,
		why: 'The cores under nodes/shared know nothing of n8n (unit-tested without it) and throw their own error classes; each node maps them to NodeOperationError/NodeApiError with item index and fix.',
	},
	{
		rule: '@n8n/community-nodes/no-credential-reuse',
		where: /^nodes\/[A-Za-z]+\/[A-Za-z]+\.node\.ts$/,
		why: 'Deliberate: n8n\'s own OpenAI credential (openAiApi) and Postgres credential (postgres), which every n8n ships, so users reuse what they have. The scanner flags any credential from outside the package.',
	},
	{
		rule: '@n8n/community-nodes/valid-credential-references',
		where: /^nodes\/[A-Za-z]+\/[A-Za-z]+\.node\.ts$/,
		why: 'The same two credentials of n8n itself (openAiApi, postgres): defined by n8n, not by this package.',
	},
	{
		rule: 'n8n-nodes-base/node-class-description-credentials-name-unsuffixed',
		where: /^nodes\/[A-Za-z]+\/[A-Za-z]+\.node\.ts$/,
		why: '`postgres` is the name of n8n\'s own Postgres credential type; it cannot carry an -Api suffix.',
	},
	{
		rule: '@n8n/community-nodes/no-dangerous-functions',
		where: /^(dist\/)?nodes\/shared\/documents\/readerPool\.(ts|js)$/,
		why: 'Deliberate: documents are read in a child process of this package (fork of its own fixed module, no shell, no user input in the command) so that a decoder crash or runaway allocation ends that process, not n8n.',
	},
	{
		rule: '@n8n/community-nodes/credential-password-field',
		where: /^(dist\/)?credentials\/OpenAiCompatibleApi\.credentials\.(ts|js)$/,
		why: '`tokensPerMinute` is a rate limit (a number of tokens per minute), not a secret; the rule matches the word "token" in its name.',
	},
	{
		rule: 'no-console',
		where: /^dist\/lib\/eval\//,
		why: 'The evaluation command (n8n-ai-workflow-eval, `npm run eval`) prints its report; n8n never loads it.',
	},
];

function log(message) {
	process.stderr.write(`[scan] ${message}\n`);
}

/** Installs the scanner once per machine (its dependencies' install scripts off, as for n8n itself). */
function ensureScanner() {
	const folder = path.join(cacheDir, `scan-community-package-${SCANNER_VERSION}`);
	const entry = path.join(folder, 'node_modules', '@n8n', 'scan-community-package', 'scanner', 'scanner.mjs');
	if (fs.existsSync(path.join(folder, '.complete'))) return { folder, entry };
	fs.mkdirSync(cacheDir, { recursive: true });
	const staging = fs.mkdtempSync(path.join(cacheDir, '.scan-'));
	log(`installing @n8n/scan-community-package ${SCANNER_VERSION} into ${folder} (once per machine)`);
	fs.writeFileSync(
		path.join(staging, 'package.json'),
		JSON.stringify({ name: 'scan-runtime', private: true, dependencies: { '@n8n/scan-community-package': SCANNER_VERSION } }),
	);
	// eslint-plugin-n8n-nodes-base's preinstall only insists on pnpm; nothing of the scanner needs a script.
	execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] });
	fs.writeFileSync(path.join(staging, '.complete'), '');
	try {
		fs.renameSync(staging, folder);
	} catch (error) {
		// Another process finished first: use its copy.
		fs.rmSync(staging, { recursive: true, force: true });
		if (!fs.existsSync(path.join(folder, '.complete'))) throw error;
	}
	return { folder, entry };
}

/** The tarball a user installs (npm pack runs the build), extracted as n8n extracts it. */
function packedPackage() {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aiw-scan-'));
	const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
		.trim()
		.split('\n')
		.pop();
	const extracted = path.join(work, 'package');
	fs.mkdirSync(extracted);
	execFileSync('tar', ['-xzf', path.join(work, tarball), '-C', extracted, '--strip-components=1']);
	return { work, extracted, tarball };
}

/** What the scanner's analyzePackage does, keeping each message with its rule instead of only the formatted text. */
async function lint(scanner, folder, patterns) {
	const { ESLint } = await import(pathToFileURL(path.join(scanner.folder, 'node_modules', 'eslint', 'lib', 'api.js')).href);
	const glob = (await import(pathToFileURL(path.join(scanner.folder, 'node_modules', 'fast-glob', 'out', 'index.js')).href)).default;
	const { buildScanConfig } = await import(pathToFileURL(scanner.entry).href);
	const eslint = new ESLint({ cwd: folder, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: await buildScanConfig() });
	const files = glob.sync(patterns, { cwd: folder, absolute: true, ignore: ['node_modules/**', '**/package-lock.json'] });
	const results = await eslint.lintFiles(files);
	return results.flatMap((result) =>
		result.messages
			.filter((message) => message.severity === 2)
			.map((message) => ({ file: path.relative(folder, result.filePath), line: message.line, rule: message.ruleId ?? '(parser)', message: message.message })),
	);
}

function answerFor(finding) {
	return ANSWERS.find((answer) => answer.rule === finding.rule && answer.where.test(finding.file));
}

async function main() {
	const scanner = ensureScanner();
	const { SOURCE_FILE_PATTERNS } = await import(pathToFileURL(scanner.entry).href);
	const packed = packedPackage();
	let findings;
	try {
		// The scanner's two legs: the node/credential sources, and the tarball's compiled code and package.json.
		const source = await lint(scanner, repoRoot, SOURCE_FILE_PATTERNS);
		const tarball = await lint(scanner, packed.extracted, ['**/*.js', 'package.json']);
		process.stdout.write(`sources: ${source.length} findings; tarball: ${tarball.length} findings\n`);
		findings = [...source, ...tarball];
	} catch (error) {
		log(`the scanner crashed: ${error.stack ?? error}`);
		process.exit(1);
	} finally {
		if (!process.argv.includes('--keep')) fs.rmSync(packed.work, { recursive: true, force: true });
	}

	const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
	const section = readme.slice(readme.indexOf("## n8n's community scanner"));
	const unanswered = findings.filter((finding) => !answerFor(finding));
	const byRule = new Map();
	for (const finding of findings) byRule.set(finding.rule, (byRule.get(finding.rule) ?? 0) + 1);
	process.stdout.write(`n8n community scanner ${SCANNER_VERSION} on ${packed.tarball} and the sources: ${findings.length} findings\n`);
	for (const [rule, count] of [...byRule].sort((a, b) => b[1] - a[1])) {
		process.stdout.write(`  ${String(count).padStart(4)}  ${rule}${ANSWERS.some((answer) => answer.rule === rule) ? '  (answered)' : ''}\n`);
	}
	const missingInReadme = ANSWERS.filter((answer) => byRule.has(answer.rule) && !section.includes(answer.rule));
	for (const finding of unanswered) process.stdout.write(`UNANSWERED ${finding.file}:${finding.line}  ${finding.rule}  ${finding.message}\n`);
	for (const answer of missingInReadme) process.stdout.write(`README does not answer ${answer.rule} under "n8n's community scanner"\n`);
	if (unanswered.length > 0 || missingInReadme.length > 0) process.exit(1);
	process.stdout.write('every finding is answered (README: "n8n\'s community scanner")\n');
}

await main();
