/** The audit entry for an action taken by the signed-in person, in the merchant of the page (if any). */
import type { Context } from "hono";
import { requestInfo } from "../access/request-info.js";
import { recordAudit } from "../audit.js";
import type { ConsoleEnv } from "../context.js";

type Ctx = Context<ConsoleEnv>;

export const auditAction = (
  c: Ctx,
  action: string,
  { target, before, after, merchantId }: { target?: string; before?: Record<string, unknown>; after?: Record<string, unknown>; merchantId?: string } = {},
) => {
  const user = c.get("session")!.user;
  const merchant = c.get("merchant") as { id: string } | undefined;
  return recordAudit(c.get("deps").db, {
    actor: { id: user.id, email: user.email },
    merchantId: merchantId ?? merchant?.id ?? null,
    action,
    target: target ?? null,
    before: before ?? null,
    after: after ?? null,
    info: requestInfo(c),
    at: c.get("deps").now(),
  });
};

