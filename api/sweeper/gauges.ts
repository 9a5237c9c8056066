/** The sweepers' native balances as this process last read them, for `/metrics`. */
export type SweeperGauge = { chainId: number; address: string; balanceWei: bigint; low: boolean };

const gauges = new Map<number, SweeperGauge>();

export function recordBalance(chainId: number, address: string, balanceWei: bigint, low: boolean): void {
  gauges.set(chainId, { chainId, address, balanceWei, low });
}

export function sweeperGauges(): SweeperGauge[] {
  return [...gauges.values()].sort((a, b) => a.chainId - b.chainId);
}
