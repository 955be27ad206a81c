#!/usr/bin/env node
// Type-checks every ```ts block of every README.md, docs/**/*.md and CONTRIBUTING.md against the BUILT packages (what a user
// installs), with the project's strict compiler options. Each block is its own ES module, so it must
// import what it uses. A block that cannot stand alone opts out with the info string ```ts nocheck,
// followed by the reason: ```ts nocheck — <why>. Run after `pnpm build`; exits 1 on any error.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
// Inside the workspace so imports resolve like an app's: node_modules/@webhook-kit/* → packages/*/dist.
const scratch = path.join(root, ".docs-check");

function markdownFiles() {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (["node_modules", "dist", ".next", ".git", ".docs-check"].includes(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "README.md") found.push(full);
    }
  };
  walk(root);
  // Every page under docs/, sub-folders too (docs/README.md is already among the READMEs above).
  const walkDocs = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walkDocs(full);
      else if (entry.name.endsWith(".md") && entry.name !== "README.md") found.push(full);
    }
  };
  const docs = path.join(root, "docs");
  if (existsSync(docs)) walkDocs(docs);
  found.push(path.join(root, "CONTRIBUTING.md"));
  return found.filter((file) => existsSync(file)).sort();
}

/** ```ts / ```typescript / ```tsx blocks: their code, the markdown line the code starts on, the info string. */
function blocks(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript|tsx)\b(.*)$/.exec(lines[i] ?? "");
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? "")) end++;
    out.push({
      lang: open[1],
      info: open[2].trim(),
      code: lines.slice(start, end).join("\n"),
      line: start + 1,
    });
    i = end;
  }
  return out;
}

const missingBuild = ["core", "express", "redis", "testing"].filter(
  (pkg) => !existsSync(path.join(root, "packages", pkg, "dist", "index.d.ts")),
);
if (missingBuild.length > 0) {
  console.error(`check-docs: packages/${missingBuild.join(", ")} not built; run \`pnpm build\` first.`);
  process.exit(1);
}

rmSync(scratch, { recursive: true, force: true });
mkdirSync(scratch, { recursive: true });
const sources = new Map(); // scratch file → { file, line }
let skipped = 0;
const unjustified = [];
for (const file of markdownFiles()) {
  const relative = path.relative(root, file);
  for (const [index, block] of blocks(file).entries()) {
    if (/\bnocheck\b/.test(block.info)) {
      skipped++;
      if (!/nocheck\s*[—–-]+\s*\S/.test(block.info)) unjustified.push(`${relative}:${block.line - 1}`);
      continue;
    }
    const name = `${relative.replace(/[\\/]/g, "__").replace(/\.md$/, "")}__${index + 1}.${block.lang === "tsx" ? "tsx" : "ts"}`;
    const target = path.join(scratch, name);
    // `export {}` makes every block a module, so top-level await and per-block names work.
    writeFileSync(target, `${block.code}\nexport {};\n`);
    sources.set(target, { file: relative, line: block.line });
  }
}

const base = ts.readConfigFile(path.join(root, "tsconfig.base.json"), ts.sys.readFile).config;
const { options } = ts.convertCompilerOptionsFromJson(
  { ...base.compilerOptions, noEmit: true, declaration: false, jsx: "react-jsx" },
  root,
);
const program = ts.createProgram([...sources.keys()], options);
const diagnostics = ts
  .getPreEmitDiagnostics(program)
  .filter((d) => !d.file || sources.has(path.normalize(d.file.fileName)));

for (const d of diagnostics) {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
  if (!d.file || d.start === undefined) {
    console.error(`error TS${d.code}: ${message}`);
    continue;
  }
  const origin = sources.get(path.normalize(d.file.fileName));
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  console.error(`${origin.file}:${origin.line + line}:${character + 1} error TS${d.code}: ${message}`);
}
if (unjustified.length > 0) {
  console.error(
    `\`\`\`ts nocheck without a reason (write \`\`\`ts nocheck — why): ${unjustified.join(", ")}`,
  );
}
rmSync(scratch, { recursive: true, force: true });
const checked = sources.size;
if (diagnostics.length > 0 || unjustified.length > 0) {
  console.error(
    `check-docs: ${diagnostics.length} type error(s) in ${checked} TypeScript block(s) of the docs.`,
  );
  process.exit(1);
}
console.log(
  `check-docs: ${checked} TypeScript block(s) in the READMEs and docs/ type-check (${skipped} opted out).`,
);
