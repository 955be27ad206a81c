// What a user reads when they misspell an event: the compiler's own message, checked through the
// TypeScript API on an in-memory file (a file with deliberate errors cannot live in the typechecked tree).
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const virtualFile = `${root}test/types/__typos__.ts`;

function diagnostics(source: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("tsconfig.json did not parse");
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === virtualFile ? source : readFile(name));
  host.fileExists = (name) => name === virtualFile || ts.sys.fileExists(name);
  host.getSourceFile = (name, version, ...rest) =>
    name === virtualFile ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest);
  const program = ts.createProgram([virtualFile], config.options, host);
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(virtualFile))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

/** The event names the error offers instead of `typo`: the quoted literals of the parameter's type. */
function listedEvents(error: string, typo: string): string[] {
  const lead = `Argument of type '"${typo}"' is not assignable to parameter of type '"`;
  const at = error.lastIndexOf(lead);
  expect(at, error).toBeGreaterThanOrEqual(0);
  const names = [...error.slice(at + lead.length - 1).matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
  for (const name of names) expect(name).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/);
  return [...new Set(names)];
}

describe("a misspelled event name", () => {
  it("fails to compile with an error that lists valid events, not validator generics", () => {
    const errors = diagnostics(`
      import type Stripe from "stripe";
      import { createReceiver, providers } from "@webhook-kit/core";
      createReceiver({ provider: providers.github({ secret: "s" }) }).on("pushh", () => {});
      createReceiver({ provider: providers.stripe<Stripe.Event>({ secret: "s" }) }).on("customer.craeted", () => {});
      createReceiver({ provider: providers.eulabel({ secret: "s" }) }).on("passport.publish", () => {});
    `);
    expect(errors).toHaveLength(3);
    const [github, stripe, eulabel] = errors as [string, string, string];
    // GitHub and Stripe have ~270 events each: tsc prints the first dozen names and "… N more …".
    expect(listedEvents(github, "pushh").length).toBeGreaterThanOrEqual(10);
    expect(listedEvents(stripe, "customer.craeted").length).toBeGreaterThanOrEqual(5);
    expect(github).toMatch(/\.\.\. \d+ more \.\.\./);
    expect(listedEvents(eulabel, "passport.publish").sort()).toEqual([
      "passport.created",
      "passport.deleted",
      "passport.draft_created",
      "passport.enriched",
      "passport.published",
      "passport.updated",
      "scan.threshold",
    ]);
    for (const error of errors) expect(error).not.toMatch(/Zod|StandardSchemaV1|EventName</);
  });
});
