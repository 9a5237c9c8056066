import { createHmac } from "node:crypto";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { activeSecrets, generateSecret, sign, WebhookSecretError } from "../../../api/webhooks/signing.js";

const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ id: "evt_1", type: "order.paid", data: { order: { id: "ord_1", amountReceived: "12.5" } } });

describe("signing secrets", () => {
  it("are whsec_ and the base64 of 32 random bytes, different every time, and accepted by standardwebhooks", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
    expect(() => new Webhook(secret)).not.toThrow();
  });

  it("can be 24 bytes, but not fewer or more than 64", () => {
    expect(Buffer.from(generateSecret(24).slice(6), "base64")).toHaveLength(24);
    expect(() => generateSecret(16)).toThrow(WebhookSecretError);
    expect(() => generateSecret(65)).toThrow(WebhookSecretError);
  });
});

describe("sign", () => {
  it("matches the Standard Webhooks specification's example signature (fixed test vector)", () => {
    const vector = {
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
    };
    // Computed independently of our code, straight from the spec's definition.
    const key = Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64");
    const independent = createHmac("sha256", key).update(`${vector.id}.${vector.timestamp}.${vector.body}`).digest("base64");
    expect(independent).toBe("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

    expect(sign({ ...vector, secrets: [vector.secret] })).toEqual({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-timestamp": "1614265330",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    });
  });

  it("produces headers that the standardwebhooks package verifies, returning the payload", () => {
    const secret = generateSecret();
    const headers = sign({ id: "evt_1", timestamp: nowSeconds(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("signs the UTF-8 bytes of a body with non-ASCII text the same way standardwebhooks does", () => {
    const secret = generateSecret();
    const unicode = JSON.stringify({ metadata: { customer: "Zoë Ångström 日本 🚀" } });
    const headers = sign({ id: "evt_2", timestamp: nowSeconds(), body: unicode, secrets: [secret] });
    expect(new Webhook(secret).verify(unicode, headers)).toEqual(JSON.parse(unicode));
  });

  it("binds id, timestamp and body: changing any one of them fails standardwebhooks verification", () => {
    const secret = generateSecret();
    const timestamp = nowSeconds();
    const headers = sign({ id: "evt_1", timestamp, body, secrets: [secret] });
    const webhook = new Webhook(secret);
    expect(() => webhook.verify(body.replace("12.5", "125"), headers)).toThrow(WebhookVerificationError);
    expect(() => webhook.verify(body, { ...headers, "webhook-id": "evt_2" })).toThrow(WebhookVerificationError);
    expect(() => webhook.verify(body, { ...headers, "webhook-timestamp": String(timestamp - 1) })).toThrow(WebhookVerificationError);
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("refuses to sign without a secret, with something that is not a whsec_ secret, or with an unsafe id", () => {
    const secret = generateSecret();
    const message = { id: "evt_1", timestamp: nowSeconds(), body };
    expect(() => sign({ ...message, secrets: [] })).toThrow(WebhookSecretError);
    expect(() => sign({ ...message, secrets: [secret.slice(6)] })).toThrow(WebhookSecretError);
    expect(() => sign({ ...message, secrets: [`${secret}!`] })).toThrow(WebhookSecretError);
    expect(() => sign({ ...message, secrets: ["whsec_c2hvcnQ="] })).toThrow(/24 to 64 bytes/);
    expect(() => sign({ ...message, id: "evt_1\r\nx-injected: 1", secrets: [secret] })).toThrow(RangeError);
    expect(() => sign({ ...message, timestamp: 1.5, secrets: [secret] })).toThrow(RangeError);
  });
});

describe("secret rotation", () => {
  const rotatedAt = new Date("2030-01-01T00:00:00Z");
  const overlapEnds = new Date(rotatedAt.getTime() + 24 * 3600_000);
  const oldSecret = generateSecret();
  const newSecret = generateSecret();
  const endpoint = { secret: newSecret, previous: [{ secret: oldSecret, expiresAt: overlapEnds }] };

  it("signs with the old and the new secret during the overlap; standardwebhooks verifies with either", () => {
    const secrets = activeSecrets(endpoint, new Date(overlapEnds.getTime() - 1));
    expect(secrets).toEqual([oldSecret, newSecret]);
    const headers = sign({ id: "evt_rot", timestamp: nowSeconds(), body, secrets });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("signs with the new secret only once the overlap is over; the old secret no longer verifies", () => {
    const secrets = activeSecrets(endpoint, overlapEnds);
    expect(secrets).toEqual([newSecret]);
    const headers = sign({ id: "evt_rot", timestamp: nowSeconds(), body, secrets });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(1);
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(oldSecret).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it("signs with the one secret of an endpoint that was never rotated", () => {
    expect(activeSecrets({ secret: newSecret }, rotatedAt)).toEqual([newSecret]);
  });
});
