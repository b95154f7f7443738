"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PACKAGE = void 0;
exports.node = node;
exports.webhook = webhook;
exports.splitOut = splitOut;
exports.ourNode = ourNode;
exports.connect = connect;
exports.workflow = workflow;
const node_crypto_1 = require("node:crypto");
exports.PACKAGE = 'n8n-nodes-ai-workflow';
let x = 0;
function node(name, type, typeVersion, parameters, extra = {}) {
    x += 220;
    return { id: (0, node_crypto_1.randomUUID)(), name, type, typeVersion, position: [x, 0], parameters, ...extra };
}
function webhook(name, path, responseMode = 'lastNode') {
    return node(name, 'n8n-nodes-base.webhook', 2, {
        httpMethod: 'POST',
        path,
        responseMode,
        ...(responseMode === 'lastNode' ? { responseData: 'allEntries' } : {}),
        options: {},
    }, { webhookId: (0, node_crypto_1.randomUUID)() });
}
function splitOut(name, field) {
    return node(name, 'n8n-nodes-base.splitOut', 1, { fieldToSplitOut: field, options: {} });
}
function ourNode(name, typeName, parameters, extra = {}) {
    return node(name, `${exports.PACKAGE}.${typeName}`, 1, parameters, extra);
}
function connect(chain) {
    return Object.fromEntries(Object.entries(chain).map(([from, outputs]) => [
        from,
        { main: outputs.map((targets) => targets.map((target) => ({ node: target, type: 'main', index: 0 }))) },
    ]));
}
function workflow(name, nodes, connections) {
    return { name, nodes, connections: connect(connections), settings: { executionOrder: 'v1' } };
}
