/**
 * The indexer's own routes. Ponder adds `/status`, `/ready`, `/health` and `/metrics` itself (and reserves them).
 */
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { blockHashes } from "./block-hashes.js";
import { depositTransfers } from "./deposit-transfers.js";

const app = new Hono();

// SQL over HTTP for `@ponder/client` (read-only, the API's confirmer); GraphQL for people exploring the data.
app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));
// What the chain has at a height: lets the confirmer tell a reorg from a recovering indexer.
app.get("/block-hashes/:chainId", (c) => blockHashes(c, publicClients));
// Transfers to a set of deposit addresses: the API's open orders (a POST: the list is long).
app.post("/deposit-transfers", (c) => depositTransfers(c, db));

export default app;
