import { describeWithPostgres } from "../support/database.js";
import { paymentIndexerSuite } from "./payment-indexer.suite.js";

describeWithPostgres("payment indexer on Postgres (DATABASE_URL)", () => paymentIndexerSuite("postgres"));
