import { fileURLToPath } from "node:url";

/** @type {import("next").NextConfig} */
const nextConfig = {
  // The workspace root, so the linked @webhook-kit packages (outside this folder) resolve and trace.
  outputFileTracingRoot: fileURLToPath(new URL("../..", import.meta.url)),
  turbopack: { root: fileURLToPath(new URL("../..", import.meta.url)) },
};

export default nextConfig;
