/**
 * The layout README's map promises, checked on every tracked TypeScript file: each folder imports only what its row
 * says it may (nothing imports upward), and no function outside the benchmarks and the test cases runs over 60 lines.
 * A failure names the file, the import or function, and the rule.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const sources = execFileSync("git", ["ls-files", "*.ts"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((file) => file && !file.endsWith(".d.ts") && !file.startsWith("contracts/abi/"));

/**
 * README's "may import" column: for files under a prefix (the longest matching prefix wins), the prefixes of our own
 * files they may import. A folder may always import inside itself.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  "contracts/": [],
  "indexer/": ["contracts/"],
  "api/lib/": [],
  "api/config.ts": ["api/lib/", "contracts/deployments/"],
  "api/db/": ["api/lib/"],
  "api/chains/": ["api/lib/", "contracts/", "api/db/"],
  "api/orders/": ["api/db/", "api/chains/", "api/lib/", "contracts/", "api/webhooks/fan-out.ts", "api/webhooks/outbox-signal.ts"],
  "api/refunds/": [
    "api/orders/",
    "api/db/",
    "api/chains/",
    "api/lib/",
    "contracts/abi/",
    "api/webhooks/fan-out.ts",
    "api/webhooks/outbox-signal.ts",
  ],
  "api/webhooks/": ["api/db/", "api/lib/", "api/config.ts", "api/orders/events.ts"],
  "api/confirmer/": [
    "api/orders/",
    "api/refunds/",
    "api/chains/",
    "api/db/",
    "api/lib/",
    "api/config.ts",
    "api/webhooks/outbox-signal.ts",
    "indexer/ponder.schema.ts",
  ],
  "api/sweeper/": ["api/db/", "api/chains/", "api/lib/", "api/config.ts", "contracts/abi/", "contracts/deposit-address.ts"],
  "api/checkout/": ["api/orders/", "api/chains/", "api/db/", "api/lib/", "contracts/"],
  "api/refund-pages/": ["api/refunds/", "api/checkout/", "api/orders/", "api/db/", "api/chains/", "api/lib/", "contracts/"],
  "api/rate-limits/": ["api/db/", "api/lib/"],
  "api/console/": ["api/", "contracts/"],
  "api/http/": ["api/", "contracts/"],
  "api/middlewares/": ["api/", "contracts/"],
  "api/routes/": ["api/", "contracts/"],
  "api/admin/": ["api/", "contracts/"],
  "api/app.ts": ["api/", "contracts/"],
  "api/main.ts": ["api/", "contracts/"],
  "scripts/": ["api/", "contracts/", "indexer/", "scripts/"],
  "scripts/bench/": ["api/", "contracts/", "indexer/", "scripts/", "test/support/"],
  "test/": ["api/", "contracts/", "indexer/", "scripts/", "test/"],
  "hardhat.config.ts": ["contracts/", "scripts/"],
};

/** The rule for a file: its own folder and what that folder may import. */
function ruleFor(file: string): { folder: string; allowed: readonly string[] } {
  const prefix = Object.keys(MAY_IMPORT)
    .filter((p) => file === p || (p.endsWith("/") && file.startsWith(p)))
    .sort((a, b) => b.length - a.length)[0];
  if (!prefix) throw new Error(`${file}: no row in the layout map (MAY_IMPORT) covers it`);
  return { folder: prefix.endsWith("/") ? prefix : file, allowed: MAY_IMPORT[prefix]! };
}

function ourImports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true);
  return info.importedFiles
    .map((ref) => ref.fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => path.posix.normalize(path.posix.join(path.posix.dirname(file), name)).replace(/\.js$/, ".ts"));
}

describe("the layout README maps", () => {
  it("has every folder import only what its row allows (nothing imports upward)", () => {
    const violations: string[] = [];
    for (const file of sources) {
      const { folder, allowed } = ruleFor(file);
      for (const target of ourImports(file)) {
        const ok = target.startsWith(folder) || target === folder || allowed.some((p) => target === p || (p.endsWith("/") && target.startsWith(p)));
        if (!ok) violations.push(`${file} imports ${target} (${folder} may import ${allowed.join(", ") || "nothing of ours"})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("has no function over 60 lines outside the benchmarks and the test cases", () => {
    const long: string[] = [];
    for (const file of sources) {
      if (file.startsWith("scripts/bench/") || file.endsWith(".test.ts") || file.endsWith(".suite.ts")) continue;
      const source = ts.createSourceFile(file, readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
          const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - first + 1;
          if (lines > 60) long.push(`${file}:${first + 1} (${lines} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });
});
