// Compares result files of several runs (bench/results/*.json, written by lib.mjs `recordResults`):
//   node bench/compare.mjs bench/results/a.json bench/results/b.json bench/results/c.json
// For each row: its ratio to its baseline in every run, the median and spread (min–max) of that ratio, and
// the medians of req/s, p99, p99 ÷ baseline p99 and CPU µs per delivery, and the CPU ratio (baseline's CPU
// per delivery ÷ the row's) with its spread. Ratios are what to compare: each is
// measured within one run (alternating rounds), so load shared by the rows cancels out; absolutes do not.
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node bench/compare.mjs <result.json>… (see bench/results/)");
  process.exit(2);
}

const runs = files.map((file) => ({ file: basename(file), ...JSON.parse(readFileSync(file, "utf8")) }));
const median = (values) => {
  const sorted = values.filter((v) => typeof v === "number").sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const show = (value, digits = 2) => (typeof value === "number" ? value.toFixed(digits) : "—");

// table title → row name → one entry per run (undefined where that run did not measure it)
const tables = new Map();
runs.forEach((run, index) => {
  for (const table of run.tables) {
    const key = `${table.script}: ${table.title}`;
    if (!tables.has(key)) tables.set(key, new Map());
    for (const row of table.rows) {
      const rows = tables.get(key);
      if (!rows.has(row.name)) rows.set(row.name, new Array(runs.length).fill(undefined));
      rows.get(row.name)[index] = row;
    }
  }
});

console.log(
  `Runs: ${runs.map((r, i) => `${i + 1} = ${r.file} (load ${r.machine?.loadAverageAtStart?.[0] ?? "?"})`).join(", ")}`,
);
const e50 = (e) => e.p50;
const e90 = (e) => e.p90;
const e99 = (e) => e.p99;
for (const [title, rows] of tables) {
  console.log(`\n### ${title}\n`);
  const perRun = runs.map((_, i) => `ratio, run ${i + 1}`).join(" | ");
  console.log(
    `| row | ${perRun} | median ratio | spread | target | median req/s | median p50 / p90 / p99 ms | worst p99 ms | median p99 ÷ baseline (spread) | median CPU µs | CPU ratio: median (spread) |`,
  );
  console.log(
    `| --- |${" ---: |".repeat(runs.length)} ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
  );
  for (const [name, entries] of rows) {
    const present = entries.filter(Boolean);
    // CPU per delivery is steadier than req/s on a shared machine: the baseline's CPU ÷ this row's, per run.
    const cpuRatios = entries
      .map((e, i) => {
        const base = e?.baseline ? rows.get(e.baseline)?.[i] : undefined;
        return base?.cpuUs && e.cpuUs ? base.cpuUs / e.cpuUs : undefined;
      })
      .filter((r) => r !== undefined);
    const cpuRatio = cpuRatios.length
      ? `${show(median(cpuRatios))} (${show(Math.min(...cpuRatios))}–${show(Math.max(...cpuRatios))})`
      : "";
    const ratios = present.map((e) => e.ratio).filter((r) => r !== null);
    const target = present.find((e) => e.target !== null)?.target;
    const mid = median(ratios);
    const verdicts = [];
    if (target && mid !== undefined) verdicts.push(`≥ ${target} ${mid >= target ? "met" : "MISSED"}`);
    const p99Ratios = present.map((e) => e.p99Ratio).filter((r) => typeof r === "number");
    const p99Target = present.find((e) => typeof e.p99Target === "number")?.p99Target;
    const p99Mid = median(p99Ratios);
    if (p99Target && p99Mid !== undefined) {
      verdicts.push(`p99 ≤ ${p99Target}× ${p99Mid <= p99Target ? "met" : "MISSED"}`);
    }
    const verdict = verdicts.join("; ");
    const p99Spread = p99Ratios.length
      ? ` (${show(Math.min(...p99Ratios))}–${show(Math.max(...p99Ratios))})`
      : "";
    const spread = ratios.length ? `${show(Math.min(...ratios))}–${show(Math.max(...ratios))}` : "baseline";
    console.log(
      [
        name,
        ...entries.map((e) => (e ? (e.ratio === null ? "1.00" : show(e.ratio)) : "—")),
        ratios.length ? show(mid) : "1.00",
        spread,
        verdict,
        show(median(present.map((e) => e.rps)), 0),
        [e50, e90, e99].map((f) => show(median(present.map(f)), 1)).join(" / "),
        show(Math.max(...present.map((e) => e.p99Worst ?? e.p99 ?? 0)), 1),
        p99Ratios.length ? `${show(p99Mid)}${p99Spread}` : "",
        show(median(present.map((e) => e.cpuUs)), 1),
        cpuRatio,
      ]
        .join(" | ")
        .replace(/^/, "| ")
        .concat(" |"),
    );
  }
}
