import { Hono } from "hono";

// Ponder requires an API file; the built-in /ready and /status are all the benchmark reads.
export default new Hono();
