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
                // the DeviceScript devtools hub has fixed ports (8081/8082): one live
                // firmware at a time, so these files run one after another
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
