import { defineConfig } from "vitest/config"

export default defineConfig({
    test: {
        projects: [
            {
                test: {
                    name: "unit",
                    include: ["test/**/*.test.ts"],
                    exclude: ["test/live/**", "test/e2e/**"],
                    testTimeout: 30_000,
                    hookTimeout: 60_000,
                },
            },
            {
                // the DeviceScript devtools hub has fixed ports (8081-8083): one live
                // firmware per network namespace. `npm test` runs these through
                // test/run-live.ts, each file in a namespace of its own, side by side;
                // a plain `vitest run --project live` uses the host's ports, one file at a time
                test: {
                    name: "live",
                    include: ["test/live/**/*.test.ts", "test/e2e/**/*.test.ts"],
                    fileParallelism: false,
                    testTimeout: 180_000,
                    hookTimeout: 120_000,
                },
            },
        ],
    },
})
