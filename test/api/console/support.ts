/**
 * A browser stand-in for console route tests: keeps cookies, reads each page's CSRF token, posts forms with our
 * Origin, and signs in (password, then TOTP from the stored secret, enrolling first when needed).
 */
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { currentTotp } from "../../../api/console/access/totp.js";
import { createUser, setMembership } from "../../../api/console/access/users.js";
import { consoleUsers, type ConsoleRole } from "../../../api/db/schema.js";
import { decryptSecret } from "../../../api/webhooks/secret-box.js";
import type { Harness } from "../../support/harness.js";

export const ORIGIN = "https://pay.example.com";

export type Page = { status: number; html: string; location: string | null; headers: Headers };

export class ConsoleBrowser {
  readonly cookies = new Map<string, string>();
  lastHtml = "";
  #lastToken: string | undefined;
  constructor(private readonly h: Harness) {}

  #cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  #remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, ...value] = pair!.split("=");
      const v = value.join("=");
      if (/max-age=0/i.test(line) || v === "") this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), v);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const response = await this.h.app.request(path, { headers: { cookie: this.#cookieHeader(), ...headers } });
    this.#remember(response);
    const html = await response.text();
    if ((response.headers.get("content-type") ?? "").includes("html")) this.lastHtml = html;
    return { status: response.status, html, location: response.headers.get("location"), headers: response.headers };
  }

  /** The CSRF token of the last page read that had a form. */
  token(): string {
    const match = /name="_csrf" value="([^"]+)"/.exec(this.lastHtml);
    if (match) this.#lastToken = match[1]!;
    if (!this.#lastToken) throw new Error("no CSRF token on the pages read");
    return this.#lastToken;
  }

  async post(path: string, fields: Record<string, string> = {}, { origin = ORIGIN, csrf = true }: { origin?: string | null; csrf?: boolean } = {}): Promise<Page> {
    const body = new URLSearchParams(csrf ? { _csrf: this.token(), ...fields } : fields);
    const response = await this.h.app.request(path, {
      method: "POST",
      headers: { cookie: this.#cookieHeader(), "content-type": "application/x-www-form-urlencoded", ...(origin ? { origin } : {}) },
      body: body.toString(),
    });
    this.#remember(response);
    const html = await response.text();
    if ((response.headers.get("content-type") ?? "").includes("html")) this.lastHtml = html;
    return { status: response.status, html, location: response.headers.get("location"), headers: response.headers };
  }

  async signIn(email: string, password: string): Promise<Page> {
    // A minute later than the last sign-in: the per-address attempt limit counts per minute, and tests sign in often.
    this.h.clock.advance(61_000);
    await this.get("/console/login");
    const step1 = await this.post("/console/login", { email, password });
    expect(step1.status, step1.html).toBe(303);
    if (step1.location === "/console/enrol") {
      await this.get("/console/enrol");
      const done = await this.post("/console/enrol", { code: await this.code(email) });
      expect(done.status, done.html).toBe(200);
      return done;
    }
    await this.get("/console/login/2fa");
    const step2 = await this.post("/console/login/2fa", { code: await this.code(email) });
    expect(step2.status, step2.html).toBe(303);
    return step2;
  }

  /** What the person's authenticator shows now (a step after the last one used: each code counts once). */
  async code(email: string): Promise<string> {
    const [user] = await this.h.db.select().from(consoleUsers).where(eq(consoleUsers.email, email));
    const secret = decryptSecret(this.h.config.webhooks.secretsKey!, user!.totpSecretEncrypted!);
    const last = user!.totpLastStep;
    const now = this.h.clock.now();
    if (last !== null && Math.floor(now.getTime() / 30_000) <= last) this.h.clock.advance(30_000);
    return currentTotp(secret, this.h.clock.now());
  }
}

export const PASSWORD = "correct horse battery staple";

export async function consolePerson(h: Harness, email: string, { merchantId, role, operator = false }: { merchantId?: string; role?: ConsoleRole; operator?: boolean } = {}) {
  const { user } = await createUser(h.db, { email, password: PASSWORD, isOperator: operator });
  if (merchantId && role) await setMembership(h.db, { userId: user.id, merchantId, role });
  return user;
}

export async function signedIn(h: Harness, email: string): Promise<ConsoleBrowser> {
  const browser = new ConsoleBrowser(h);
  await browser.signIn(email, PASSWORD);
  return browser;
}
