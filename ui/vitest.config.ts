import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    // Resolve Svelte's client runtime (not the server one) so `mount` works in jsdom.
    resolve: { conditions: ['browser'] },
    test: {
      // Pure logic runs in node; files that need a DOM say `@vitest-environment jsdom`.
      environment: 'node',
      include: ['src/**/*.test.ts'],
      restoreMocks: true,
    },
  }),
);
