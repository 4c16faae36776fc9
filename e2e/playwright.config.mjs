// Browser tests drive the release build in Debian's Chromium; no browser is downloaded.
import { defineConfig } from '@playwright/test';

const port = 4173;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      command: `node serve.mjs ../dist ${port}`,
      url: `http://127.0.0.1:${port}/`,
      reuseExistingServer: false,
    },
    {
      // The documentation site with the app inside (built by `cargo xtask docs`).
      command: `node serve.mjs ../target/docs ${port + 1}`,
      url: `http://127.0.0.1:${port + 1}/`,
      reuseExistingServer: false,
    },
  ],
});
