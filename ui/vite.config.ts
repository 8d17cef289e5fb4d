import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Tauri shell serves `dist/` with a custom protocol in release builds and
// loads the dev server on port 1420 in `tauri dev`.
const entry = fileURLToPath(new URL('./src/main.ts', import.meta.url));
let atStart: Set<string> | null = null;

/**
 * Everything the entry imports statically goes into one chunk: the window's first page
 * then fetches one script and one stylesheet through the app's protocol instead of a
 * shared chunk, its CSS and a tiny label module besides (each fetch a round trip through
 * the UI thread while WebKit starts; BENCHMARKS.md, *App start*). The lazy screens keep
 * their own chunks and import the shared code from this one.
 */
function startChunk(
  id: string,
  meta: { getModuleInfo: (id: string) => { importedIds: readonly string[] } | null },
): string | undefined {
  if (!atStart) {
    const seen = new Set<string>();
    const stack = [entry];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(meta.getModuleInfo(next)?.importedIds ?? []));
    }
    atStart = seen;
  }
  return atStart.has(id) ? 'index' : undefined;
}

export default defineConfig({
  plugins: [svelte()],
  // Relative asset URLs: the built files are served from the app's own protocol.
  base: './',
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Tauri's Linux web view is WebKitGTK; keep the output on widely supported syntax.
    target: 'es2022',
    sourcemap: false,
    rollupOptions: { output: { manualChunks: startChunk } },
  },
});
