/**
 * The indexer's own routes. Ponder adds `/status`, `/ready`, `/health` and `/metrics` itself (and reserves them).
 */
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, graphql } from "ponder";

const app = new Hono();

// SQL over HTTP for `@ponder/client` (read-only, the API's confirmer); GraphQL for people exploring the data.
app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

export default app;
