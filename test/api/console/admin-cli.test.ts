/** The admin CLI's console commands: the first operator, roles, password resets; each audited, passwords hashed. */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runAdmin } from "../../../api/admin/cli.js";
import { verifyPassword } from "../../../api/console/access/passwords.js";
import { openDatabase } from "../../../api/db/client.js";
import { auditLog, consoleMemberships, consoleUsers } from "../../../api/db/schema.js";
import { useAdminCli } from "../../support/admin-cli.js";

describe("admin CLI console commands", () => {
  const cli = useAdminCli("stablegate-console-cli-");
  const admin = cli.json;

  it("creates the first operator, gives roles, resets a password; stores only hashes and audits each", async () => {
    const operator = await admin<{ email: string; password: string }>("console:operator", "Ops@Gateway.test");
    expect(operator.email).toBe("ops@gateway.test");
    expect(operator.password.length).toBeGreaterThanOrEqual(20);
    const merchant = await admin<{ id: string }>("merchant:create", "--name", "Shop");
    const member = await admin<{ role: string; password: string }>("console:user", "support@shop.test", merchant.id, "support");
    expect(member.role).toBe("support");
    await expect(runAdmin(["console:user", "x@shop.test", merchant.id, "king"], cli.env)).rejects.toThrow(/role: must be one of owner, developer, support, finance/);
    const reset = await admin<{ password: string }>("console:reset-password", "support@shop.test");
    expect(reset.password).not.toBe(member.password);

    const handle = await openDatabase({ dataDir: cli.dataDir });
    try {
      const [ops] = await handle.db.select().from(consoleUsers).where(eq(consoleUsers.email, "ops@gateway.test"));
      expect(ops!.isOperator).toBe(true);
      expect(ops!.passwordHash).toMatch(/^scrypt\$/);
      expect(await verifyPassword(operator.password, ops!.passwordHash)).toBe(true);
      const [support] = await handle.db.select().from(consoleUsers).where(eq(consoleUsers.email, "support@shop.test"));
      expect(await verifyPassword(reset.password, support!.passwordHash)).toBe(true);
      expect(await verifyPassword(member.password, support!.passwordHash)).toBe(false);
      expect(await handle.db.select().from(consoleMemberships).where(eq(consoleMemberships.userId, support!.id))).toMatchObject([{ merchantId: merchant.id, role: "support" }]);
      const actions = (await handle.db.select().from(auditLog)).map((a) => [a.action, a.ip]);
      expect(actions).toEqual([["operator.created", "admin CLI"], ["member.role_set", "admin CLI"], ["password.reset", "admin CLI"]]);
    } finally {
      await handle.close();
    }
  });
});
