/** The deposit QR code's path; the amount due in the query makes the browser fetch a new one when it changes. */
export function depositQrPath(order: { checkoutToken: string; amountDueUnits: string }): string {
  return `/pay/${order.checkoutToken}/transfer-qr.svg?due=${order.amountDueUnits}`;
}
