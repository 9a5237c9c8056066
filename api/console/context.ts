/** What console handlers reach beyond the API's context: the session and, under `/console/m/:merchantId`, the merchant. */
import type { ConsoleRole } from "../db/schema.js";
import type { AppEnv, Merchant } from "../http/context.js";
import type { Session } from "./access/sessions.js";

export type ConsoleEnv = {
  Variables: AppEnv["Variables"] & {
    session: Session | null;
    /** The parsed form of a POST, after the CSRF check. */
    form: Record<string, string>;
    /** The CSRF token for the forms of the page being rendered. */
    csrf: string;
    merchant: Merchant;
    /** The person's role in this merchant; null for an operator who is not a member. */
    role: ConsoleRole | null;
    /** Every merchant the person may open (for the switcher). */
    merchants: { id: string; name: string; role: ConsoleRole | null }[];
  };
};
