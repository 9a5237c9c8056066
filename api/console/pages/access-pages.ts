/** Sign-in, second factor, enrolment and account pages. */
import { csrfField, html, raw, time, type ConsoleContext } from "./html.js";
import { layout } from "./layout.js";

export const signInPage = (c: ConsoleContext, { error, email = "" }: { error?: string; email?: string } = {}) =>
  layout(c, {
    title: "Sign in",
    body: html`${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="/console/login" class="card narrow">${csrfField(c)}
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${email}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Continue</button>
</form>`,
  });

export const secondFactorPage = (c: ConsoleContext, { error }: { error?: string } = {}) =>
  layout(c, {
    title: "Two-factor sign-in",
    body: html`${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<form method="post" action="/console/login/2fa" class="card narrow">${csrfField(c)}
  <label for="code">Code from your authenticator app, or a recovery code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/console/logout" class="narrow">${csrfField(c)}<button type="submit" class="secondary">Cancel</button></form>`,
  });

export const enrolPage = (c: ConsoleContext, { qrSvg, secret, error }: { qrSvg: string; secret: string; error?: string }) =>
  layout(c, {
    title: "Set up two-factor sign-in",
    body: html`<p>The console needs a second factor. Scan this code with an authenticator app (any TOTP app), then enter the
six-digit code it shows.</p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}
<figure class="qr" aria-label="QR code for your authenticator app">${raw(qrSvg)}</figure>
<p>Or type this key: <code id="totp-secret" class="secret">${secret}</code></p>
<form method="post" action="/console/enrol" class="card narrow">${csrfField(c)}
  <label for="code">Six-digit code</label>
  <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required pattern="[0-9 ]{6,7}">
  <button type="submit">Turn on two-factor sign-in</button>
</form>`,
  });

export const recoveryCodesPage = (c: ConsoleContext, codes: string[]) =>
  layout(c, {
    title: "Your recovery codes",
    body: html`<p class="notice" role="status">Two-factor sign-in is on. Keep these codes somewhere safe: each signs you in once if you
lose your authenticator. They are shown only now.</p>
<ul class="codes" id="recovery-codes">${codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
<p><a class="button" href="/console">Continue to the console</a></p>`,
  });

type SessionRow = { createdAt: Date; lastSeenAt: Date; ip: string | null; userAgent: string | null; current: boolean };

export const accountPage = (c: ConsoleContext, { sessions, notice }: { sessions: SessionRow[]; notice?: string }) =>
  layout(c, {
    title: "Account",
    current: "account",
    body: html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
<section class="card"><h2>Signed-in browsers</h2>
<ul class="plain">${sessions.map(
      (s) => html`<li>${s.current ? html`<strong>This browser</strong>` : "Another browser"} · since ${time(s.createdAt)} · last seen ${time(s.lastSeenAt)} · ${s.ip ?? "unknown address"}<br><span class="muted small">${s.userAgent ?? ""}</span></li>`,
    )}</ul>
<form method="post" action="/console/logout-everywhere">${csrfField(c)}<button type="submit" class="danger">Sign out everywhere</button></form>
</section>`,
  });
