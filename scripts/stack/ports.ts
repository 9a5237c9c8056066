/**
 * Local TCP ports, for the launchers of every part (the chain, the indexer, `npm start`) and for tests. A leaf:
 * imports nothing of ours.
 */
import { createServer } from "node:net";

/** Resolves when `port` on `host` can be bound; rejects with a message naming the port otherwise. */
export async function assertPortFree(port: number, host = "127.0.0.1", what = "port"): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `${what} ${host}:${port} is already in use; stop what runs there or choose another port`
            : `${what} ${host}:${port} cannot be used: ${error.message}`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** A port the OS reports free right now (for tests). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
