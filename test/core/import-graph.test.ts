import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The layering the issue asks for, held by a test: no module cycle inside any package (type-only imports
// count — a cycle of types is still a knot a reader must untie), and packages reach each other only through
// what the other publishes (its package.json "exports"), never through src/ or dist/ paths.
const packagesDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../packages");
const IMPORT = /(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\("([^"]+)"\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function specifiers(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

/** Every cycle's path, found by depth-first search over relative imports. */
function cycles(files: string[], root = packagesDir): string[] {
  const edges = new Map(
    files.map((file) => [
      file,
      specifiers(file)
        .filter((s) => s.startsWith("."))
        .map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts"))),
    ]),
  );
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, trail: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      found.push(
        [...trail.slice(trail.indexOf(file)), file].map((f) => f.slice(root.length + 1)).join(" → "),
      );
      return;
    }
    state.set(file, "open");
    for (const next of edges.get(file) ?? []) visit(next, [...trail, file]);
    state.set(file, "done");
  };
  for (const file of files) visit(file, []);
  return found;
}

const packages = readdirSync(packagesDir);

describe("import graph", () => {
  it.each(packages)("%s has no import cycle", (name) => {
    expect(cycles(sourceFiles(join(packagesDir, name, "src")))).toEqual([]);
  });

  it.each(packages)("%s imports other @webhook-kit packages only through their published entries", (name) => {
    const wrong: string[] = [];
    for (const file of sourceFiles(join(packagesDir, name, "src"))) {
      for (const spec of specifiers(file)) {
        const match = /^@webhook-kit\/([^/]+)(\/.*)?$/.exec(spec);
        if (!match) continue;
        const target = JSON.parse(
          readFileSync(join(packagesDir, match[1] as string, "package.json"), "utf8"),
        );
        if (!(`.${match[2] ?? ""}` in target.exports))
          wrong.push(`${file.slice(packagesDir.length + 1)} → ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("finds a cycle of type-only imports (the check itself can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "import-graph-"));
    writeFileSync(join(dir, "a.ts"), 'import type { B } from "./b.js";\nexport type A = B[];\n');
    writeFileSync(join(dir, "b.ts"), 'import type { A } from "./a.js";\nexport type B = { a: A };\n');
    writeFileSync(join(dir, "c.ts"), 'export { x } from "./a.js";\n');
    expect(cycles(sourceFiles(dir), dir)).toEqual(["a.ts → b.ts → a.ts"]);
  });
});
