/** What `npm install`'s postinstall and the start/test preflight decide: missing platform packages, stale builds, Chromium. */
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { staleArtifactsReason } from "../../scripts/setup/contract-artifacts.js";
import { missingNativePackages } from "../../scripts/setup/native-packages.js";
import { findChromium } from "../support/chromium.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "stablegate-setup-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(file: string, text: string, mtime?: Date) {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(path.join(dir, file), text);
  if (mtime) await utimes(path.join(dir, file), mtime, mtime);
}

describe("missingNativePackages", () => {
  const here = { os: [process.platform], cpu: [process.arch], optional: true };
  it("names this platform's optional package when npm left it out, and nothing once it is there", async () => {
    await write("package-lock.json", JSON.stringify({
      packages: {
        "": { name: "x" },
        "node_modules/native-here": here,
        "node_modules/native-elsewhere": { os: ["aix"], cpu: ["ppc64"], optional: true },
        "node_modules/plain-dep": {},
      },
    }));
    expect(missingNativePackages(dir)).toEqual(["node_modules/native-here"]);
    await write("node_modules/native-here/package.json", "{}");
    expect(missingNativePackages(dir)).toEqual([]);
  });

  it("reads npm's `!os` exclusions", async () => {
    await write("package-lock.json", JSON.stringify({ packages: { "node_modules/not-here": { os: [`!${process.platform}`], optional: true } } }));
    expect(missingNativePackages(dir)).toEqual([]);
  });
});

describe("staleArtifactsReason", () => {
  it("asks for a build without artifacts, and again when a source is newer than its artifacts", async () => {
    const old = new Date(Date.now() - 60_000);
    await write("contracts/Router.sol", "contract Router {}", old);
    expect(staleArtifactsReason(dir)).toBe("no build artifacts yet");
    await write("artifacts/contracts/Router.sol/Router.json", "{}");
    expect(staleArtifactsReason(dir)).toBeUndefined();
    await write("contracts/mocks/Token.sol", "contract Token {}", new Date(Date.now() + 60_000));
    await write("artifacts/contracts/mocks/Token.sol/Token.json", "{}");
    expect(staleArtifactsReason(dir)).toBe("the Solidity sources changed");
  });
});

describe("findChromium", () => {
  it("uses CHROMIUM_PATH, refuses one that does not exist, and says how to install when none is found", async () => {
    await write("chromium", "");
    expect(findChromium({ CHROMIUM_PATH: path.join(dir, "chromium") }, [])).toBe(path.join(dir, "chromium"));
    expect(() => findChromium({ CHROME_PATH: path.join(dir, "nope") }, [])).toThrow(/does not exist/);
    expect(() => findChromium({}, [path.join(dir, "nope")])).toThrow(/apt-get install chromium/);
  });
});
