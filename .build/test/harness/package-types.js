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
exports.declaredTypes = declaredTypes;
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const runtime_1 = require("./runtime");
function exportedClass(file) {
    if (!fs.existsSync(file)) {
        throw new Error(`${path.relative(runtime_1.repoRoot, file)} is listed in package.json "n8n" but was not built (run npm run build)`);
    }
    const exported = require(file);
    const className = path.basename(file).split('.')[0];
    const candidate = exported[className];
    if (typeof candidate !== 'function') {
        throw new Error(`${path.relative(runtime_1.repoRoot, file)} does not export a class named ${className}`);
    }
    return candidate;
}
function declaredTypes(root = runtime_1.repoRoot) {
    const packageJson = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const nodes = (packageJson.n8n?.nodes ?? []).map((file) => {
        const description = new (exportedClass(path.join(root, file)))().description;
        if (!description?.name)
            throw new Error(`${file}: the node has no description.name`);
        return `${packageJson.name}.${description.name}`;
    });
    const credentials = (packageJson.n8n?.credentials ?? []).map((file) => {
        const name = new (exportedClass(path.join(root, file)))().name;
        if (typeof name !== 'string' || !name)
            throw new Error(`${file}: the credential has no name`);
        return name;
    });
    return { packageName: packageJson.name, nodes, credentials };
}
