import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runAdmin } from "../../api/admin/cli.js";
import { useAdminCli } from "../support/admin-cli.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("operator CLI", () => {
  const cli = useAdminCli("stablegate-admin-");
  const admin = cli.json;

  it("creates a merchant, sets a payout address, issues, lists and revokes keys, toggles signed requests", async () => {
    const merchant = await admin<{ id: string; name: string; underpaymentToleranceBps: number; confirmations: Record<string, number> }>(
      "merchant:create",
      "--name",
      "Corner shop",
      "--underpayment-bps",
      "50",
      "--confirmations",
      "8453=30",
    );
    expect(merchant).toMatchObject({ name: "Corner shop", underpaymentToleranceBps: 50, confirmations: { 8453: 30 } });

    const payout = await admin<{ address: string }>("payout:set", merchant.id, "31337", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
    expect(payout.address).toBe("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    await expect(runAdmin(["payout:set", merchant.id, "5", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"], cli.env)).rejects.toThrow(/chain 5/);
    await expect(runAdmin(["payout:set", merchant.id, "31337", "0x1234"], cli.env)).rejects.toThrow(/not an address/);

    const key = await admin<{ id: string; key: string; prefix: string }>("key:issue", merchant.id, "--label", "server");
    expect(key.key).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
    const human = await runAdmin(["key:list", merchant.id], cli.env);
    expect(human).toContain(`${key.prefix}…`);
    expect(human).not.toContain(key.key);
    expect(human).toContain("full access");
    const restricted = await admin<{ id: string; scopes: string[] }>("key:issue", merchant.id, "--scopes", "orders:write, orders:read");
    expect(restricted.scopes).toEqual(["orders:write", "orders:read"]);
    expect(await runAdmin(["key:list", merchant.id], cli.env)).toContain("orders:write,orders:read");
    await expect(runAdmin(["key:issue", merchant.id, "--scopes", "orders:everything"], cli.env)).rejects.toThrow(/unknown scope orders:everything/);
    await admin("key:revoke", key.id);
    expect(await runAdmin(["key:list", merchant.id], cli.env)).toContain("revoked");

    const on = await admin<{ secret: string }>("signed-requests", merchant.id, "on");
    expect(on.secret).toMatch(/^rsk_/);
    const off = await admin<{ secret: null }>("signed-requests", merchant.id, "off");
    expect(off.secret).toBeNull();
    expect(await runAdmin(["unmatched:list"], cli.env)).toBe("No unmatched payments.");
    expect(await runAdmin(["--help"], cli.env)).toContain("Usage");
  });

  it("refuses tolerances above 50 % (10000 bps would count an order with nothing received as paid)", async () => {
    for (const flag of ["--underpayment-bps", "--overpayment-bps"]) {
      await expect(runAdmin(["merchant:create", "--name", "Too tolerant", flag, "10000"], cli.env)).rejects.toThrow(/between 0 and 5000/);
      await expect(runAdmin(["merchant:create", "--name", "Too tolerant", flag, "5001"], cli.env)).rejects.toThrow(/between 0 and 5000/);
    }
    const merchant = await admin<{ id: string; underpaymentToleranceBps: number }>("merchant:create", "--name", "Half", "--underpayment-bps", "5000");
    expect(merchant.underpaymentToleranceBps).toBe(5000);
    await expect(runAdmin(["merchant:update", merchant.id, "--underpayment-bps", "10000"], cli.env)).rejects.toThrow(/between 0 and 5000/);
  });

  it("runs as `npm run admin` and prints errors without a stack", async () => {
    const exec = promisify(execFile);
    const ok = await exec(path.join(root, "node_modules/.bin/tsx"), ["api/admin/cli.ts", "merchant:list"], { cwd: root, env: { ...process.env, ...cli.env, DATABASE_URL: "" } });
    expect(ok.stdout).toContain("Corner shop");
    const failed = await exec(path.join(root, "node_modules/.bin/tsx"), ["api/admin/cli.ts", "key:revoke", "key_nope"], {
      cwd: root,
      env: { ...process.env, ...cli.env, DATABASE_URL: "" },
    }).then(
      () => expect.fail("key:revoke of an unknown key succeeded"),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim()).toBe("no active key key_nope");
  });
});
