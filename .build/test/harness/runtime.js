"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.repoRoot = exports.DEFAULT_N8N_VERSIONS = void 0;
exports.cacheDir = cacheDir;
exports.n8nVersions = n8nVersions;
exports.majorVersion = majorVersion;
exports.ensureNode = ensureNode;
exports.ensureN8n = ensureN8n;
exports.pathWithNode24 = pathWithNode24;
const node_child_process_1 = require("node:child_process");
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
exports.DEFAULT_N8N_VERSIONS = ['2.41.1', '1.123.81'];
exports.repoRoot = path.resolve(__dirname, '..', '..');
function cacheDir() {
    return process.env.AIW_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'n8n-nodes-ai-workflow');
}
function n8nVersions() {
    const fromEnv = (process.env.AIW_N8N_VERSIONS ?? '')
        .split(',')
        .map((version) => version.trim())
        .filter(Boolean);
    return fromEnv.length > 0 ? fromEnv : [...exports.DEFAULT_N8N_VERSIONS];
}
function majorVersion(version) {
    return Number.parseInt(version.split('.')[0], 10);
}
const ensured = new Map();
function ensureRuntime(...args) {
    const key = args.join(' ');
    const known = ensured.get(key);
    if (known)
        return known;
    const folder = (0, node_child_process_1.execFileSync)('bash', [path.join(exports.repoRoot, 'scripts', 'ensure-runtime.sh'), ...args], {
        cwd: exports.repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 1024 * 1024,
    }).trim();
    ensured.set(key, folder);
    return folder;
}
function ensureNode() {
    return ensureRuntime('node');
}
function ensureN8n(version) {
    return ensureRuntime('n8n', version);
}
function pathWithNode24(nodeFolder) {
    return [path.join(nodeFolder, 'bin'), process.env.PATH ?? '/usr/bin:/bin'].join(path.delimiter);
}
