// drizzle-kit authors migrations from the schema: `drizzle-kit generate --config api/db/drizzle.config.ts --name <what>`.
// The API applies them itself at start (api/db/migrate.ts).
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./api/db/schema.ts",
  out: "./api/db/migrations",
});
