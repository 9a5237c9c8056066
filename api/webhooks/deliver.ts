/**
 * One webhook delivery attempt: a single POST, judged the way Standard Webhooks senders judge it. Only a 2xx answer
 * counts; a redirect is a failure and is not followed (following it would let a merchant's server point us anywhere,
 * past the SSRF guard's view of the URL). The timeout covers the whole exchange, from the DNS lookup to the end of
 * the response body, and only the first bytes of the body are read, for the delivery log.
 *
 * Whatever the receiver or the network does, including a refused target, the outcome is a DeliveryResult for the
 * attempt record, not an exception.
 */
import http from "node:http";
import type { Agent as HttpAgent, IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { DEFAULT_TIMEOUT_MS } from "../config.js";
import { parseRetryAfter } from "./retry-after.js";
import { checkTargetUrl, guardLookup, RefusedTargetError } from "./ssrf.js";

/** How much of a response body is kept for the delivery log. */
export const RESPONSE_EXCERPT_BYTES = 1024;
const USER_AGENT = "Stablegate-Webhooks/1";

export type DeliveryErrorCode =
  /** The URL or the address it resolved to was refused (see ssrf.ts); nothing was sent. */
  | "refused_target"
  /** DNS failure, connection refused or reset, TLS failure, or the connection closed before the response ended. */
  | "connection_failed"
  | "timeout"
  /** The receiver answered 3xx. */
  | "redirect"
  /** The receiver answered with a status other than 2xx or 3xx. */
  | "http_status"
  /** The caller's AbortSignal fired (shutdown). */
  | "aborted";

export type DeliveryResult = {
  /** True only for a 2xx answer received in full (or up to the excerpt) within the timeout. */
  ok: boolean;
  /** The response status, when a response arrived. */
  status?: number;
  latencyMs: number;
  /** The first RESPONSE_EXCERPT_BYTES of the response body as text: invalid UTF-8 and control characters replaced. */
  responseExcerpt: string;
  errorCode?: DeliveryErrorCode;
  /** For the delivery log and the merchant's dashboard. */
  error?: string;
  /** From the response's Retry-After header. */
  retryAfterMs?: number;
  /** The receiver answered 410 Gone: it wants no more deliveries, and the endpoint should be disabled. */
  gone: boolean;
};

export type DeliverOptions = {
  url: string;
  /** Usually the Standard Webhooks headers from `sign`. Content-Type defaults to application/json. */
  headers: Record<string, string>;
  /** The exact JSON text that was signed. */
  body: string;
  timeoutMs?: number;
  allowPrivateTargets?: boolean;
  /** The resolver behind the SSRF guard; the system resolver by default. Tests inject one. */
  lookup?: LookupFunction;
  /**
   * Connection pool. By default each attempt opens its own connection and closes it. A keep-alive agent is safe
   * with the guard (a pooled socket was checked when it connected) provided it is only used with one
   * `allowPrivateTargets` setting.
   */
  agent?: HttpAgent;
  /** Ends the attempt early, e.g. on shutdown. */
  signal?: AbortSignal;
};

type Failure = (errorCode: DeliveryErrorCode, error: string, fields?: Partial<DeliveryResult>) => DeliveryResult;
/** Ends the attempt once: the first outcome wins; `destroy` closes the connection rather than letting it finish. */
type Settle = (result: DeliveryResult, options: { destroy: boolean }) => void;

export async function deliver({
  url,
  headers,
  body,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  allowPrivateTargets = false,
  lookup,
  agent,
  signal,
}: DeliverOptions): Promise<DeliveryResult> {
  const started = performance.now();
  const failure: Failure = (errorCode, error, fields = {}) => ({
    ok: false,
    responseExcerpt: "",
    gone: false,
    ...fields,
    errorCode,
    error,
    latencyMs: elapsedMs(started),
  });

  let target: URL;
  try {
    target = checkTargetUrl(url, { allowPrivateTargets });
  } catch (error) {
    return failure("refused_target", (error as Error).message);
  }
  if (signal?.aborted) return failure("aborted", "the delivery was aborted before it started");
  return postOnce({ target, headers, body, timeoutMs, allowPrivateTargets, lookup, agent, signal }, started, failure);
}

/** The POST itself, settled once by the response, an error, the timeout or the caller's signal. */
function postOnce(
  { target, headers, body, timeoutMs, allowPrivateTargets, lookup, agent, signal }: Omit<DeliverOptions, "url"> & { target: URL; timeoutMs: number; allowPrivateTargets: boolean },
  started: number,
  failure: Failure,
): Promise<DeliveryResult> {
  const payload = Buffer.from(body, "utf8");
  const send = target.protocol === "https:" ? https.request : http.request;

  return new Promise<DeliveryResult>((resolve) => {
    let settled = false;
    let status: number | undefined; // once the response head has arrived
    const settle: Settle = (result, { destroy }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (destroy) request.destroy();
      resolve(result);
    };
    const onAbort = () => settle(failure("aborted", "the delivery was aborted"), { destroy: true });

    const request = send(target, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ...headers,
        "content-length": String(payload.length),
      },
      lookup: guardLookup({ allowPrivateTargets, lookup }),
      agent: agent ?? false,
    });
    const timer = setTimeout(
      () => settle(failure("timeout", `no complete response within ${timeoutMs} ms`, { status }), { destroy: true }),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });

    request.on("error", (error) => {
      const code = error instanceof RefusedTargetError ? "refused_target" : "connection_failed";
      settle(failure(code, error.message), { destroy: true });
    });
    request.on("response", (response) => {
      status = response.statusCode;
      readResponse(response, started, settle, failure);
    });
    request.end(payload);
  });
}

/** Reads the first RESPONSE_EXCERPT_BYTES of the body (no more), then judges the answer; a cut connection fails. */
function readResponse(response: IncomingMessage, started: number, settle: Settle, failure: Failure): void {
  const status = response.statusCode;
  const chunks: Buffer[] = [];
  let received = 0;
  const judge = () => judgeResponse(response, Buffer.concat(chunks), started);
  response.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
    // Enough for the log: stop reading rather than buffer whatever the receiver keeps sending.
    if (received >= RESPONSE_EXCERPT_BYTES) settle(judge(), { destroy: true });
  });
  response.on("end", () => settle(judge(), { destroy: false }));
  response.on("close", () => {
    if (response.complete) return;
    const cut = `the connection closed before the response ended (HTTP ${status})`;
    settle(failure("connection_failed", cut, { status }), { destroy: true });
  });
}

function judgeResponse(response: IncomingMessage, bodyStart: Buffer, started: number): DeliveryResult {
  const status = response.statusCode ?? 0;
  const retryAfterMs = parseRetryAfter(singleHeader(response.headers["retry-after"]), Date.now());
  const result: DeliveryResult = {
    ok: status >= 200 && status < 300,
    status,
    latencyMs: elapsedMs(started),
    responseExcerpt: excerpt(bodyStart),
    gone: status === 410,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
  if (result.ok) return result;
  const answered = `the receiver answered HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ""}`;
  if (status >= 300 && status < 400) {
    const location = singleHeader(response.headers.location);
    const to = location ? ` to ${excerpt(Buffer.from(location).subarray(0, 200))}` : "";
    return { ...result, errorCode: "redirect", error: `${answered}; redirects${to} are not followed` };
  }
  return { ...result, errorCode: "http_status", error: result.gone ? `${answered}: it asks for no more deliveries` : answered };
}

/**
 * Text fit for a log and a Postgres `text` column: at most RESPONSE_EXCERPT_BYTES of UTF-8, a character cut at the
 * end dropped, invalid bytes and control characters (NUL is refused by Postgres) replaced by U+FFFD.
 */
function excerpt(bytes: Buffer): string {
  const text = new TextDecoder("utf-8").decode(bytes.subarray(0, RESPONSE_EXCERPT_BYTES), { stream: true });
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "\uFFFD");
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function elapsedMs(started: number): number {
  return Math.round(performance.now() - started);
}
