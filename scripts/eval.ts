/**
 * Development entry of the evaluation CLI (the package's bin is dist/lib/eval/cli.js):
 *   npm run build && node scripts/eval.ts classify --train <csv> [--test <csv>]
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cli: typeof import('../lib/eval/cli') = require('../dist/lib/eval/cli');
process.exitCode = cli.main(process.argv.slice(2));
