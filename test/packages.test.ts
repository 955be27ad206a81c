import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** What an npm page and tarball need, for every package: checked here so a new package cannot miss it. */
const root = fileURLToPath(new URL("..", import.meta.url));
const packages = readdirSync(`${root}packages`).filter((name) =>
  existsSync(`${root}packages/${name}/package.json`),
);
const read = (path: string) => readFileSync(`${root}${path}`, "utf8");

describe.each(packages)("packages/%s is ready for the registry", (name) => {
  const manifest = JSON.parse(read(`packages/${name}/package.json`)) as {
    name: string;
    license: string;
    files: string[];
    repository: { type: string; url: string; directory: string };
    homepage: string;
    bugs: { url: string };
  };

  it("ships a README and the LICENSE, and names its repository, homepage and issue tracker", () => {
    expect(manifest.files).toEqual(expect.arrayContaining(["dist", "README.md", "LICENSE"]));
    expect(manifest.license).toBe("MIT");
    expect(read(`packages/${name}/LICENSE`)).toBe(read("LICENSE"));
    expect(manifest.repository).toEqual({
      type: "git",
      url: "git+https://github.com/webhook-kit/webhook-kit.git",
      directory: `packages/${name}`,
    });
    expect(manifest.homepage).toBe(
      `https://github.com/webhook-kit/webhook-kit/tree/main/packages/${name}#readme`,
    );
    expect(manifest.bugs.url).toBe("https://github.com/webhook-kit/webhook-kit/issues");
  });

  it("has a README with an install line, a TypeScript example and only links that work on npm", () => {
    const readme = read(`packages/${name}/README.md`);
    expect(readme).toMatch(new RegExp(`^# ${manifest.name.replace("/", "\\/")}$`, "m"));
    expect(readme).toMatch(new RegExp(`npm install [^\\n]*${manifest.name.replace("/", "\\/")}`));
    expect(readme).toMatch(/^```ts$/m);
    // npm renders the README away from the repository: relative links would be dead there.
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] ?? "");
    expect(links.filter((href) => !/^(https:\/\/|#)/.test(href))).toEqual([]);
    // `npx webhook-kit` in an empty directory runs a different, unscoped package.
    expect(readme).not.toMatch(/npx (-y )?webhook-kit/);
  });
});

it("no README or doc tells users to run `npx webhook-kit` (an unscoped package of another name)", () => {
  const docs = [
    "README.md",
    ...readdirSync(`${root}docs`)
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  for (const doc of docs) expect(read(doc), doc).not.toMatch(/npx (-y )?webhook-kit/);
});
