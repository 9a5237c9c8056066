/**
 * EIP-681 payment URIs for wallets that scan a QR code.
 *
 * A plain token `transfer` to the merchant would carry no order reference, so the router would never see it and
 * the payment could not be matched. The payment URI therefore calls the router's
 * `pay(address token, uint256 amount, address merchant, bytes32 orderRef)`; since the router pulls the tokens with
 * `transferFrom`, the wallet needs an allowance first, which `approveUri` asks for (USDT: approve from zero).
 */
export type PaymentUriInput = {
  chainId: number;
  router: string;
  token: string;
  amount: bigint;
  payout: string;
  orderRef: string;
};

export function paymentUris({ chainId, router, token, amount, payout, orderRef }: PaymentUriInput) {
  return {
    paymentUri: `ethereum:${router}@${chainId}/pay?address=${token}&uint256=${amount}&address=${payout}&bytes32=${orderRef}`,
    approveUri: `ethereum:${token}@${chainId}/approve?address=${router}&uint256=${amount}`,
  };
}

/**
 * The EIP-681 URI of a plain token `transfer` of `amount` base units to `to` (an order's deposit address), as
 * wallets (MetaMask included) execute it: `ethereum:<token>@<chainId>/transfer?address=<to>&uint256=<amount>`.
 */
export function transferUri({ chainId, token, to, amount }: { chainId: number; token: string; to: string; amount: bigint }): string {
  return `ethereum:${token}@${chainId}/transfer?address=${to}&uint256=${amount}`;
}
