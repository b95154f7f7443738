/** Each layer's time limit per test, from its project's globals (jest.config.js). */
jest.setTimeout((globalThis as { layerTimeoutMs?: number }).layerTimeoutMs ?? 30_000);
