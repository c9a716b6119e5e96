import { defineConfig, type ProxyOptions } from 'vite';

// Backend started with `anwesend serve` (listening on 127.0.0.1:8080).
const backend = 'http://127.0.0.1:8080';

// When the backend is down, answer 502 like a real reverse proxy would (Vite's
// default is a bare 500), so the offline banner (TOM AVAIL-4) shows in dev too.
const toBackend: ProxyOptions = {
  target: backend,
  changeOrigin: false,
  configure(proxy) {
    proxy.on('error', (_err, _req, res) => {
      if ('writeHead' in res && !res.headersSent && !res.writableEnded) {
        res.writeHead(502, { 'Content-Type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'about:blank',
            title: 'Bad Gateway',
            status: 502,
            code: 'backend_unreachable',
            detail: `dev proxy: backend ${backend} is not reachable`,
          }),
        );
      }
    });
  },
};

export default defineConfig({
  // No @vitejs/plugin-react: esbuild compiles JSX with the automatic runtime.
  esbuild: {
    jsx: 'automatic',
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': toBackend,
      '/healthz': toBackend,
      '/readyz': toBackend,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline assets as data: URLs into JS/CSS; keep everything as files
    // served from 'self' (strict CSP).
    assetsInlineLimit: 0,
    sourcemap: false,
    // The module preload polyfill is bundled into the entry chunk (no inline
    // script); modern Chromium/Firefox/Safari support modulepreload natively.
    modulePreload: { polyfill: false },
    rollupOptions: {
      output: {
        // React in a chunk of its own, so the entry chunk stays under the size check
        // (scripts/check-dist) as the UI's own code grows.
        manualChunks(id: string) {
          return /node_modules\/(react|react-dom|scheduler)\//.test(id) ? 'react' : undefined;
        },
      },
    },
  },
});
