/** The page frame: header with the merchant switcher, navigation by role, the content, no script but ours. */
import { can, type Permission } from "../access/roles.js";
import { actionButton, html, type ConsoleContext, type Html } from "./html.js";

type NavItem = { path: string; label: string; permission: Permission };
const NAV: NavItem[] = [
  { path: "orders", label: "Orders", permission: "orders:view" },
  { path: "unmatched", label: "Unmatched", permission: "unmatched:review" },
  { path: "finance", label: "Finance", permission: "finance:view" },
  { path: "developers", label: "Developers", permission: "developers:manage" },
  { path: "settings", label: "Settings", permission: "owner:manage" },
  { path: "audit", label: "Audit log", permission: "audit:view" },
];

function navigation(c: ConsoleContext, current: string | undefined): Html {
  const session = c.get("session");
  if (!session || session.stage !== "full") return html``;
  const merchantId = (c.get("merchant") as { id: string } | undefined)?.id;
  const role = c.get("role") ?? null;
  const operator = session.user.isOperator;
  const items = merchantId
    ? NAV.filter((item) => can(role, item.permission, { operator })).map(
        (item) => html`<li><a href="/console/m/${merchantId}/${item.path}"${item.path === current ? html` aria-current="page"` : ""}>${item.label}</a></li>`,
      )
    : [];
  return html`<nav aria-label="Main"><ul>${items}${operator
    ? html`<li><a href="/console/operator"${current === "operator" ? html` aria-current="page"` : ""}>Operator</a></li>`
    : ""}<li><a href="/console/account"${current === "account" ? html` aria-current="page"` : ""}>Account</a></li></ul></nav>`;
}

function merchantSwitcher(c: ConsoleContext): Html {
  const merchants = c.get("merchants") ?? [];
  const current = (c.get("merchant") as { id: string; name: string } | undefined) ?? undefined;
  if (!current) return html``;
  const role = c.get("role");
  const others = merchants.filter((m) => m.id !== current.id);
  return html`<div class="merchant"><span class="merchant-name">${current.name}</span> <span class="badge">${role ?? "operator"}</span>${others.length
    ? html`<details class="switcher"><summary>Switch</summary><ul>${others.map((m) => html`<li><a href="/console/m/${m.id}/orders">${m.name}</a></li>`)}</ul></details>`
    : ""}</div>`;
}

export function layout(c: ConsoleContext, { title, body, current }: { title: string; body: Html; current?: string }): Html {
  const session = c.get("session");
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · Stablegate console</title>
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console">Stablegate</a>
  ${merchantSwitcher(c)}
  ${session?.stage === "full" ? html`<div class="me"><span class="muted">${session.user.email}</span> ${actionButton(c, "/console/logout", "Sign out")}</div>` : ""}
</header>
${navigation(c, current)}
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export function errorBody(message: string, back?: string): Html {
  return html`<p class="error" role="alert">${message}</p>${back ? html`<p><a href="${back}">Go back</a></p>` : ""}`;
}
