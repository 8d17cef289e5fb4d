import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Tauri shell serves `dist/` with a custom protocol in release builds and
// loads the dev server on port 1420 in `tauri dev`.
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
  },
});
