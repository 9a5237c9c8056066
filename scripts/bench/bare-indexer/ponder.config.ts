// The indexer's own config (same chains, router, start blocks, database rules): only the handler differs.
export { default } from "../../../indexer/ponder.config.js";
