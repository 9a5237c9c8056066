/** The few parts of eth-url-parser (MetaMask's EIP-681 parser; it ships no types) that the checkout test uses. */
declare module "eth-url-parser" {
  export function parse(url: string): {
    scheme: string;
    prefix?: string;
    target_address: string;
    chain_id?: string;
    function_name?: string;
    parameters?: Record<string, string>;
  };
}
