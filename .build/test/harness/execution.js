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
exports.flattedFrom = flattedFrom;
exports.decodeExecution = decodeExecution;
exports.nodeRuns = nodeRuns;
exports.nodeOutput = nodeOutput;
exports.executionError = executionError;
const path = __importStar(require("node:path"));
function flattedFrom(n8nFolder) {
    const resolved = require.resolve('flatted', { paths: [path.join(n8nFolder, 'node_modules', 'n8n')] });
    return require(resolved).parse;
}
function decodeExecution(raw, parseFlatted) {
    const execution = { ...raw, id: String(raw.id), workflowId: String(raw.workflowId) };
    const data = raw.data;
    if (typeof data === 'string') {
        execution.data = parseFlatted(data);
    }
    else if (Array.isArray(data)) {
        execution.data = parseFlatted(JSON.stringify(data));
    }
    return execution;
}
function nodeRuns(execution, nodeName) {
    if (!execution.data) {
        throw new Error(`Execution ${execution.id} was fetched without data`);
    }
    return execution.data.resultData?.runData?.[nodeName] ?? [];
}
function nodeOutput(execution, nodeName) {
    const runs = nodeRuns(execution, nodeName);
    if (runs.length === 0) {
        const ran = Object.keys(execution.data?.resultData?.runData ?? {});
        throw new Error(`Node "${nodeName}" did not run in execution ${execution.id} (status ${execution.status}); nodes that ran: ${ran.join(', ') || 'none'}`);
    }
    const last = runs[runs.length - 1];
    return (last.data?.main ?? []).map((items) => items ?? []);
}
function executionError(execution) {
    const error = execution.data?.resultData?.error;
    if (!error)
        return undefined;
    return [error.message, error.description].filter(Boolean).join(': ');
}
