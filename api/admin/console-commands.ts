/** The admin CLI's console commands: the first operator, people and roles, password resets. Each is audited. */
import { eq } from "drizzle-orm";
import { checkRole, createUser, findUserByEmail, resetPassword, setMembership } from "../console/access/users.js";
import { recordAudit } from "../console/audit.js";
import type { Database } from "../db/client.js";
import { consoleUsers, merchants } from "../db/schema.js";
import { ApiError } from "../lib/errors.js";
import { AdminError } from "./commands.js";

const CLI = { ip: "admin CLI", userAgent: null };

function need(args: string[], index: number, name: string): string {
  const value = args[index];
  if (!value) throw new AdminError(`missing <${name}>`);
  return value;
}

/** Runs a `console:*` command; returns the human output and the JSON output. */
export async function consoleCommand(db: Database, command: string, args: string[]): Promise<[string, unknown]> {
  try {
    return await run(db, command, args);
  } catch (error) {
    if (error instanceof ApiError) throw new AdminError(error.message);
    throw error;
  }
}

async function run(db: Database, command: string, args: string[]): Promise<[string, unknown]> {
  const at = new Date();
  const email = need(args, 0, "email");
  if (command === "console:operator") {
    const existing = await findUserByEmail(db, email);
    if (existing) {
      await db.update(consoleUsers).set({ isOperator: true }).where(eq(consoleUsers.id, existing.id));
      await recordAudit(db, { actor: null, action: "operator.granted", target: existing.email, info: CLI, at });
      return [`${existing.email} is now an operator.`, { email: existing.email, operator: true }];
    }
    const { user, password } = await createUser(db, { email, isOperator: true });
    await recordAudit(db, { actor: null, action: "operator.created", target: user.email, info: CLI, at });
    return [`Operator ${user.email} created. First password (shown once; two-factor set-up follows at first sign-in):\n\n  ${password}\n`, { email: user.email, password }];
  }
  if (command === "console:user") {
    const merchantId = need(args, 1, "merchantId");
    const role = checkRole(need(args, 2, "role"));
    const [merchant] = await db.select({ id: merchants.id }).from(merchants).where(eq(merchants.id, merchantId));
    if (!merchant) throw new AdminError(`no merchant ${merchantId}`);
    const existing = await findUserByEmail(db, email);
    const created = existing ? null : await createUser(db, { email });
    const user = existing ?? created!.user;
    const { previousRole } = await setMembership(db, { userId: user.id, merchantId, role });
    await recordAudit(db, { actor: null, merchantId, action: "member.role_set", target: user.email, before: { role: previousRole }, after: { role }, info: CLI, at });
    const password = created ? `\nFirst password (shown once):\n\n  ${created.password}\n` : "";
    return [`${user.email} is ${role} of ${merchantId}.${password}`, { email: user.email, merchantId, role, password: created?.password }];
  }
  const user = await findUserByEmail(db, email);
  if (!user) throw new AdminError(`no console user ${email}`);
  const password = await resetPassword(db, user.id);
  await recordAudit(db, { actor: null, action: "password.reset", target: user.email, info: CLI, at });
  return [`New password for ${user.email} (shown once; every session was ended):\n\n  ${password}\n`, { email: user.email, password }];
}
