import { defineConfig } from "vitest/config";

// `npm test`: the extension's own logic (no VS Code, no server). `npm run test:server`: the protocol
// test against a real `ctxsteward serve` (skipped when it is not on PATH).
const server = process.env.CTXSTEWARD_PROTOCOL_TEST === "1";

export default defineConfig({
  test: {
    include: server ? ["test/server.protocol.test.ts"] : ["test/**/*.test.ts"],
    exclude: server ? [] : ["test/server.protocol.test.ts", "node_modules/**"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 120_000,
  },
});
