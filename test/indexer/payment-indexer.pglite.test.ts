import { describe } from "vitest";
import { paymentIndexerSuite } from "./payment-indexer.suite.js";

describe("payment indexer on embedded PGlite", () => paymentIndexerSuite("pglite"));
