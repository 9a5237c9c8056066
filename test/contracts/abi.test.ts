/** The committed ABI modules must match what the current build produces (`npm run compile` regenerates them). */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { ABI_SOURCES, abiModulePath, renderAbiModule } from "../../scripts/generate-abi.js";

describe("contracts/abi", () => {
  for (const contractName of Object.keys(ABI_SOURCES) as (keyof typeof ABI_SOURCES)[]) {
    it(`${contractName}.ts is current with the build`, async () => {
      const committed = await readFile(abiModulePath(contractName), "utf8");
      assert.equal(committed, await renderAbiModule(contractName), "stale ABI module: run `npm run compile`");
    });
  }
});
