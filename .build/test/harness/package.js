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
exports.N8N_COMMUNITY_INSTALL_ARGS = void 0;
exports.installPackedPackage = installPackedPackage;
exports.placePackage = placePackage;
const node_child_process_1 = require("node:child_process");
const node_crypto_1 = require("node:crypto");
const fs = __importStar(require("node:fs"));
const os = __importStar(require("node:os"));
const path = __importStar(require("node:path"));
const node_util_1 = require("node:util");
const runtime_1 = require("./runtime");
const execFileAsync = (0, node_util_1.promisify)(node_child_process_1.execFile);
exports.N8N_COMMUNITY_INSTALL_ARGS = [
    'install',
    '--audit=false',
    '--fund=false',
    '--bin-links=false',
    '--install-strategy=shallow',
    '--ignore-scripts=true',
    '--package-lock=false',
];
function npmEnv(nodeFolder) {
    const env = {};
    for (const [key, value] of Object.entries(process.env)) {
        if (key.startsWith('npm_package_') || key.startsWith('npm_lifecycle_'))
            continue;
        env[key] = value;
    }
    env.PATH = (0, runtime_1.pathWithNode24)(nodeFolder);
    env.npm_config_nodedir = nodeFolder;
    return env;
}
async function run(command, args, cwd, env) {
    try {
        const { stdout } = await execFileAsync(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
        return stdout;
    }
    catch (error) {
        const { stdout, stderr } = error;
        throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${error.message}\n${stdout ?? ''}\n${stderr ?? ''}`);
    }
}
function isAlive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        return error.code === 'EPERM';
    }
}
const sleep = async (ms) => await new Promise((resolve) => setTimeout(resolve, ms));
async function withLock(lockDir, isDone, work, timeoutMs = 15 * 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (isDone())
            return;
        try {
            fs.mkdirSync(lockDir);
        }
        catch (error) {
            if (error.code !== 'EEXIST')
                throw error;
            let owner = Number.NaN;
            try {
                owner = Number.parseInt(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'), 10);
            }
            catch {
            }
            const ageMs = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
            if ((Number.isFinite(owner) && !isAlive(owner)) || (!Number.isFinite(owner) && ageMs > 60_000)) {
                fs.rmSync(lockDir, { recursive: true, force: true });
                continue;
            }
            if (Date.now() > deadline)
                throw new Error(`Timed out waiting for lock ${lockDir} (held by pid ${owner})`);
            await sleep(500);
            continue;
        }
        try {
            fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
            if (!isDone())
                await work();
        }
        finally {
            fs.rmSync(lockDir, { recursive: true, force: true });
        }
        return;
    }
}
function pruneOldInstalls(cache, keep) {
    const anHourAgo = Date.now() - 3600_000;
    for (const entry of fs.readdirSync(cache)) {
        const isInstall = entry.startsWith('pkg-') && !entry.endsWith('.lock');
        if (!isInstall && !entry.startsWith('.staging-pkg-'))
            continue;
        const full = path.join(cache, entry);
        if (full === keep)
            continue;
        const stat = fs.statSync(full, { throwIfNoEntry: false });
        if (stat && stat.mtimeMs < anHourAgo)
            fs.rmSync(full, { recursive: true, force: true });
    }
}
const installedInThisProcess = new Map();
async function installPackedPackage(packageRoot = runtime_1.repoRoot) {
    let installing = installedInThisProcess.get(packageRoot);
    if (!installing) {
        installing = packAndInstall(packageRoot);
        installedInThisProcess.set(packageRoot, installing);
        installing.catch(() => installedInThisProcess.delete(packageRoot));
    }
    return await installing;
}
async function packAndInstall(packageRoot) {
    const nodeFolder = (0, runtime_1.ensureNode)();
    const env = npmEnv(nodeFolder);
    const cache = (0, runtime_1.cacheDir)();
    fs.mkdirSync(cache, { recursive: true });
    const packStarted = Date.now();
    const packFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'aiw-pack-'));
    try {
        const packed = JSON.parse(await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packFolder], packageRoot, env));
        const tarball = path.join(packFolder, path.basename(packed[0].filename));
        const sha256 = (0, node_crypto_1.createHash)('sha256').update(fs.readFileSync(tarball)).digest('hex');
        const packMs = Date.now() - packStarted;
        const directory = path.join(cache, `pkg-${sha256.slice(0, 20)}`);
        const installStarted = Date.now();
        let fromCache = true;
        await withLock(`${directory}.lock`, () => fs.existsSync(directory), async () => {
            fromCache = false;
            const staging = fs.mkdtempSync(path.join(cache, `.staging-pkg-${sha256.slice(0, 20)}-`));
            try {
                await installTarballLikeN8n(tarball, staging, env);
                fs.chmodSync(staging, 0o755);
                fs.renameSync(staging, directory);
            }
            finally {
                fs.rmSync(staging, { recursive: true, force: true });
            }
        });
        const now = new Date();
        fs.utimesSync(directory, now, now);
        pruneOldInstalls(cache, directory);
        return {
            name: packed[0].name,
            version: packed[0].version,
            directory,
            sha256,
            packMs,
            installMs: Date.now() - installStarted,
            fromCache,
        };
    }
    finally {
        fs.rmSync(packFolder, { recursive: true, force: true });
    }
}
async function installTarballLikeN8n(tarball, packageDirectory, env) {
    await run('tar', ['-xzf', tarball, '-C', packageDirectory, '--strip-components=1'], packageDirectory, env);
    const packageJsonPath = path.join(packageDirectory, 'package.json');
    const packageJson = JSON.parse(fs.readFileSync(packageJsonPath, 'utf8'));
    for (const field of ['devDependencies', 'peerDependencies', 'optionalDependencies'])
        delete packageJson[field];
    fs.writeFileSync(packageJsonPath, JSON.stringify(packageJson, null, 2), 'utf8');
    await run('npm', [...exports.N8N_COMMUNITY_INSTALL_ARGS, '--loglevel=error'], packageDirectory, env);
    if (fs.existsSync(path.join(packageDirectory, 'node_modules', 'n8n-workflow'))) {
        throw new Error('n8n-workflow was installed beside the package; n8n must provide it (a dependency pulls it in)');
    }
}
function placePackage(userFolder, installed) {
    const nodesFolder = path.join(userFolder, '.n8n', 'nodes');
    const target = path.join(nodesFolder, 'node_modules', installed.name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.symlinkSync(installed.directory, target, 'dir');
    fs.writeFileSync(path.join(nodesFolder, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [installed.name]: installed.version } }, null, 2));
}
