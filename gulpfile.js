const path = require('path');
const { task, src, dest, parallel } = require('gulp');

// n8n reads node and credential icons, and each node's codex (<Node>.node.json: categories, aliases,
// documentation links), from the built package, beside the compiled code. tsc copies neither.
function copyNodeAssets() {
	return src(path.resolve('nodes', '**', '*.{png,svg,node.json}')).pipe(dest(path.resolve('dist', 'nodes')));
}

function copyCredentialAssets() {
	return src(path.resolve('credentials', '**', '*.{png,svg}')).pipe(dest(path.resolve('dist', 'credentials')));
}

// Both copies finish before the task does (a task that returns only one stream may end before the other).
task('build:assets', parallel(copyNodeAssets, copyCredentialAssets));
